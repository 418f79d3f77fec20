/**
 * Where this package's files are, whatever module asks: the engine runs from its TypeScript
 * sources under tsx (tests), and built, as bundles whose shared code sits in chunk files
 * (`npm run build`: dist/chunks/), so a module's own URL no longer says how deep under the
 * package it was written. Paths to the package's files (package.json, bin/, dashboard/) and to
 * the built entry modules a thread or a loader hook starts from are taken from here. Looked up
 * when first needed, not when the engine loads: an application that bundles flink-ts into its
 * own file has no package directory, and needs none until it asks for one of these files.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FlinkError } from './errors.js';

const PACKAGE_NAME = 'flink-ts';

/** True when the engine runs from its TypeScript sources (under tsx), false when built. */
export const FROM_SOURCE = import.meta.url.endsWith('.ts');

/** The nearest directory at or above `dir` holding flink-ts's package.json, if any. */
function packageRootAbove(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    const manifest = join(d, 'package.json');
    try {
      if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return d;
    } catch {
      // An unreadable or malformed package.json on the way up is not ours: look further up.
    }
    if (dirname(d) === d) return undefined;
  }
}

let found: { root: string | undefined } | undefined;

/** The package's root directory (where its package.json is), or undefined if this code is not in one. */
export function findPackageRoot(): string | undefined {
  found ??= { root: packageRootAbove(dirname(fileURLToPath(import.meta.url))) };
  return found.root;
}

/**
 * The package's root directory.
 *
 * @throws FlinkError `install.noPackage` if this code is not inside the flink-ts package
 */
export function packageRoot(): string {
  const root = findPackageRoot();
  if (root === undefined) {
    throw new FlinkError(
      'install.noPackage',
      `flink-ts cannot find its package.json above ${dirname(fileURLToPath(import.meta.url))}: its CLI, workers and dashboard need the installed package (npm install flink-ts), not a copy bundled into another file.`,
    );
  }
  return root;
}

/** A file of the package, by its path from the package's root. */
export function packageFile(path: string): string {
  return join(packageRoot(), path);
}

/**
 * The URL of one of the engine's entry modules, by its path under src/ without extension (e.g.
 * `cluster/task-worker`): the source file under tsx, the built bundle in dist/ otherwise.
 */
export function entryModuleUrl(path: string): URL {
  return pathToFileURL(packageFile(FROM_SOURCE ? `src/${path}.ts` : `dist/${path}.js`));
}
