import { extname } from 'node:path';

/**
 * What a job file's name may end in. The job file's hooks compile TypeScript and JSX (each file
 * by its extension, as tsx does); JavaScript Node loads itself. Anything else — a `job.json`, a
 * `job.py`, a name without an extension — is no job: Node would read it as CommonJS JavaScript,
 * or refuse it in its own words ("is not of type json").
 */

/** Extensions the job file's hooks compile, with the esbuild loader of each. */
export const COMPILED_EXTENSIONS = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx' } as const;

/** Every extension a job file may have, TypeScript first. */
export const JOB_FILE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx'];

/**
 * Why `path` cannot be a job file by its name (`its name ends in .json`, `its name has no
 * extension`), or undefined when it ends in one of {@link JOB_FILE_EXTENSIONS}.
 */
export function jobFileNameProblem(path: string): string | undefined {
  const ext = extname(path);
  if (JOB_FILE_EXTENSIONS.includes(ext)) return undefined;
  return ext === '' ? 'its name has no extension' : `its name ends in ${ext}`;
}

/** {@link JOB_FILE_EXTENSIONS} in words: `.ts, .mts, … or .jsx`. */
export const JOB_FILE_EXTENSIONS_IN_WORDS = `${JOB_FILE_EXTENSIONS.slice(0, -1).join(', ')} or ${JOB_FILE_EXTENSIONS.at(-1)}`;
