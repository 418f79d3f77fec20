import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type CompileCache, openCompileCache } from './compile-cache.js';
import { compileTypeScript, compiledFormat } from './ts-compile.js';
import { isTypeScriptUrl, tsImportCandidates } from './ts-import-candidates.js';

/**
 * The module hooks (node:module `register`) that load a job file: `import … from 'flink-ts'`
 * resolves to the running CLI's own package wherever the job file lives; TypeScript imports
 * resolve as TypeScript writes them (`./helper.js` is `./helper.ts`); and .ts, .mts, .tsx and
 * .jsx files are compiled (esbuild, cached on disk) and loaded as ES modules (.cts files as
 * CommonJS). Node runs these in
 * its hooks thread; they load nothing of tsx, and esbuild only when a file is not cached.
 */

interface ResolveContext {
  parentURL?: string;
  conditions?: readonly string[];
  importAttributes?: Record<string, string>;
}
interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
interface LoadContext {
  format?: string | null;
  conditions?: readonly string[];
  importAttributes?: Record<string, string>;
}
interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<ResolveResult>;
type NextLoad = (url: string, context: LoadContext) => Promise<LoadResult>;

let entryUrl = '';
let jobUrl = '';
let cache: CompileCache | null | undefined;

/** Receives the URLs of the package entry and of the job file from the registering thread. */
export function initialize(data: { entryUrl: string; jobUrl: string }): void {
  entryUrl = data.entryUrl;
  jobUrl = data.jobUrl;
}

function existingFile(specifier: string, parentURL: string): boolean {
  try {
    return statSync(fileURLToPath(new URL(specifier, parentURL)), { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<ResolveResult> {
  if (specifier === 'flink-ts') return { url: entryUrl, shortCircuit: true };
  const parent = context.parentURL;
  if (parent !== undefined && parent.startsWith('file:') && isTypeScriptUrl(parent)) {
    const found = tsImportCandidates(specifier).find((candidate) => existingFile(candidate, parent));
    if (found !== undefined) return withFormat(await next(found, context));
  }
  return withFormat(await next(specifier, context));
}

/**
 * A job file is an ES module (it uses top-level await) even where no package.json says
 * "type": "module", e.g. a lone job.ts in /tmp; so is every TypeScript file it imports but .cts.
 */
function withFormat(result: ResolveResult): ResolveResult {
  const compiled = result.url.startsWith('file:') ? compiledFormat(new URL(result.url).pathname) : undefined;
  if (compiled !== undefined) return { ...result, format: compiled };
  if (result.url === jobUrl) return { ...result, format: 'module' };
  return result;
}

export async function load(url: string, context: LoadContext, next: NextLoad): Promise<LoadResult> {
  if (!url.startsWith('file:')) return next(url, context);
  const path = fileURLToPath(url);
  const format = compiledFormat(path);
  if (format !== undefined) {
    const source = await readFile(path, 'utf8');
    if (cache === undefined) cache = openCompileCache();
    return { format, source: await compileTypeScript(path, source, cache), shortCircuit: true };
  }
  // JSON imported without `with { type: 'json' }`, as TypeScript's resolveJsonModule and tsx allow.
  if (path.endsWith('.json') && context.importAttributes?.type === undefined) {
    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
  }
  return next(url, context);
}
