/**
 * Where this package's files are, whatever module asks: the engine runs from its TypeScript
 * sources under tsx (tests), and built, as bundles whose shared code sits in chunk files
 * (`npm run build`: dist/chunks/), so a module's own URL no longer says how deep under the
 * package it was written. Paths to the package's files (package.json, bin/, dashboard/) and to
 * the built entry modules a thread or a loader hook starts from are taken from here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PACKAGE_NAME = 'flink-ts';

/** True when the engine runs from its TypeScript sources (under tsx), false when built. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The nearest directory at or above `dir` holding flink-ts's package.json. */
function packageRootAbove(dir: string): string {
  for (let d = dir; ; d = dirname(d)) {
    const manifest = join(d, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return d;
    if (dirname(d) === d) throw new Error(`flink-ts cannot find its own package.json above ${dir}: reinstall it.`);
  }
}

/** The package's root directory (where its package.json is). */
export const PACKAGE_ROOT = packageRootAbove(dirname(fileURLToPath(import.meta.url)));

/** A file of the package, by its path from the package's root. */
export function packageFile(path: string): string {
  return join(PACKAGE_ROOT, path);
}

/**
 * The URL of one of the engine's entry modules, by its path under src/ without extension (e.g.
 * `cluster/task-worker`): the source file under tsx, the built bundle in dist/ otherwise.
 */
export function entryModuleUrl(path: string): URL {
  return pathToFileURL(packageFile(FROM_SOURCE ? `src/${path}.ts` : `dist/${path}.js`));
}
