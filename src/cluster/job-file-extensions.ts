import { extname } from 'node:path';

/**
 * What a job file's name may end in. The job file's hooks compile TypeScript and JSX (each file
 * by its extension, as tsx does); JavaScript Node loads itself. A job file is an ES module: it
 * imports flink-ts, an ES module that CommonJS cannot `require`, and awaits `execute()` at its
 * top level; so a `.cts` or `.cjs` file can be a helper a job imports, not the job file. Anything
 * else — a `job.json`, a `job.py`, a name without an extension — is no job: Node would read it
 * as CommonJS JavaScript, or refuse it in its own words ("is not of type json").
 */

/** Extensions the job file's hooks compile, with the esbuild loader of each. */
export const COMPILED_EXTENSIONS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' } as const;

/** Every extension a job file may have, TypeScript first. */
export const JOB_FILE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.tsx', '.js', '.mjs', '.jsx'];

/** CommonJS: loadable as a job's helpers, not as the job file. */
const COMMONJS_EXTENSIONS: readonly string[] = ['.cts', '.cjs'];

/**
 * Why `path` cannot be a job file by its name, to follow "Job file <path> ", or undefined when
 * it ends in one of {@link JOB_FILE_EXTENSIONS}.
 */
export function jobFileNameProblem(path: string): string | undefined {
  const ext = extname(path);
  if (JOB_FILE_EXTENSIONS.includes(ext)) return undefined;
  if (COMMONJS_EXTENSIONS.includes(ext)) {
    return `is CommonJS (its name ends in ${ext}), which cannot load flink-ts, an ES module: rename it to ${ext === '.cts' ? '.ts' : '.mjs'} (a ${ext} file can be a helper the job file imports)`;
  }
  const why = ext === '' ? 'its name has no extension' : `its name ends in ${ext}`;
  return `is not TypeScript or JavaScript (${why}): give a ${JOB_FILE_EXTENSIONS.slice(0, -1).join(', ')} or ${JOB_FILE_EXTENSIONS.at(-1)} file`;
}
