/**
 * A module resolve hook (node:module `register`) for the bench: `import … from 'flink-ts'` in a
 * job file resolves as the bench's own imports of src/ do, so job and bench share one engine.
 */

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string }>;

let entry = '';

/** Receives the URL of src/index.js from the registering thread. */
export function initialize(data: { entry: string }): void {
  entry = data.entry;
}

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string }> {
  return next(specifier === 'flink-ts' ? entry : specifier, context);
}
