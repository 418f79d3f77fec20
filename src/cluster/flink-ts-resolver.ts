/**
 * A module resolve hook (node:module `register`) that makes `import ... from 'flink-ts'` in a
 * job file resolve to the running CLI's own package, wherever the job file lives on disk.
 */

interface ResolveContext {
  parentURL?: string;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;

let entryUrl = '';
let jobUrl = '';

/** Receives the URLs of the package entry and of the job file from the registering thread. */
export function initialize(data: { entryUrl: string; jobUrl: string }): void {
  entryUrl = data.entryUrl;
  jobUrl = data.jobUrl;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  if (specifier === 'flink-ts') return { url: entryUrl, shortCircuit: true };
  const result = await next(specifier, context);
  // A job file is an ES module (it uses top-level await) even where no package.json says
  // "type": "module", e.g. a lone job.ts in /tmp.
  if (result.url === jobUrl) return { ...result, format: 'module' };
  return result;
}
