import { existsSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlinkError, JobFileError, asError, firstLineOf } from '../util/errors.js';

let hooksInstalled = false;

/** Makes TypeScript job files loadable and 'flink-ts' resolve to this package. */
async function installHooks(jobUrl: string): Promise<void> {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // tsx is loaded only here, so commands other than `run` never pay for it.
  const tsx = await import('tsx/esm/api');
  tsx.register();
  register(new URL('./flink-ts-resolver.js', import.meta.url), {
    parentURL: import.meta.url,
    data: { entryUrl: new URL('../index.js', import.meta.url).href, jobUrl },
  });
}

/**
 * Runs a job file as a program: its `process.argv.slice(2)` is `args`, and the job's
 * `env.execute()` calls go to the executor installed in the API context.
 */
export async function runJobFile(file: string, args: readonly string[]): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new JobFileError('job.fileNotFound', `Job file not found: ${path}. Check the path and try again.`);
  }
  if (!statSync(path).isFile()) {
    throw new JobFileError('job.fileNotFound', `Job file ${path} is not a file.`);
  }
  const url = pathToFileURL(path).href;
  await installHooks(url);
  process.argv = [process.argv[0]!, path, ...args];
  try {
    await import(url);
  } catch (err) {
    throw explainLoadError(path, err);
  }
}

function explainLoadError(path: string, err: unknown): unknown {
  if (err instanceof FlinkError) return err;
  const e = asError(err);
  const firstLine = firstLineOf(e.message);
  if (/Transform failed|Expected|Unexpected|SyntaxError/.test(e.message) || e.name === 'SyntaxError') {
    const located = /:(\d+):(\d+): ERROR: (.*)/.exec(e.message);
    const detail = located ? `line ${located[1]}, column ${located[2]}: ${located[3]}` : firstLine.replace(/^Transform failed with \d+ errors?:?\s*/, '');
    return new JobFileError('job.compileFailed', `Cannot compile job file ${path}: ${detail}`, { cause: e });
  }
  if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
    return new JobFileError('job.importFailed', `Job file ${path} imports a module that cannot be found: ${firstLine}`, { cause: e });
  }
  return new JobFileError('job.threw', `Job file ${path} threw: ${firstLine}`, { cause: e, details: e.stack });
}
