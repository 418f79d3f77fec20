import { existsSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FlinkError, JobFileError, asError, firstLineOf } from '../util/errors.js';
import { FROM_SOURCE, entryModuleUrl } from '../util/package-root.js';
import { COMPILE_ERROR_CODE, type CompileErrorDetail, TSCONFIG_ERROR_CODE } from './job-file-load-errors.js';

let hooksInstalled = false;

/**
 * Makes TypeScript job files loadable and 'flink-ts' resolve to this package: registers the
 * job file's module hooks (./job-file-hooks.ts), in each thread that loads a job file. Only this
 * loads them, so commands other than `run` never pay for them (nor for esbuild).
 */
function installHooks(jobUrl: string): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // Stack traces of compiled files name their .ts lines (each compiled file has an inline map), as under tsx.
  process.setSourceMapsEnabled(true);
  // Built, the hooks and the engine's entry are bundles of their own in dist/; from source (under
  // tsx) they sit beside this module, named as the built ones are.
  const hooks = FROM_SOURCE ? new URL('./job-file-hooks.js', import.meta.url) : entryModuleUrl('cluster/job-file-hooks');
  const entry = entryModuleUrl('index');
  register(hooks, { parentURL: import.meta.url, data: { entryUrl: entry.href, jobUrl } });
}

/** Which thread imports the job file: the CLI's own, or a worker that imports it again to take its graph. */
export type JobFileThread = 'main' | 'worker';

/**
 * Runs a job file as a program: its `process.argv.slice(2)` is `args`, and the job's
 * `env.execute()` calls go to the executor installed in the API context.
 */
export async function runJobFile(file: string, args: readonly string[], thread: JobFileThread = 'main'): Promise<void> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new JobFileError('job.fileNotFound', `Job file not found: ${path}. Check the path and try again.`);
  }
  if (!statSync(path).isFile()) {
    throw new JobFileError('job.fileNotFound', `Job file ${path} is not a file.`);
  }
  const url = pathToFileURL(path).href;
  installHooks(url);
  process.argv = [process.argv[0]!, path, ...args];
  try {
    await import(url);
  } catch (err) {
    throw explainLoadError(path, err, thread);
  }
}

function explainLoadError(path: string, err: unknown, thread: JobFileThread): unknown {
  if (err instanceof FlinkError) return err;
  const e = asError(err);
  const firstLine = firstLineOf(e.message);
  const code = (e as NodeJS.ErrnoException).code;
  if (code === COMPILE_ERROR_CODE) {
    const where = e as Error & Partial<CompileErrorDetail>;
    const file = where.file === path ? '' : `${where.file}, `;
    const at = where.line ? `line ${where.line}, column ${where.column}: ` : '';
    return new JobFileError('job.compileFailed', `Cannot compile job file ${path}: ${file}${at}${firstLineOf(where.text ?? firstLine)}`, { cause: e });
  }
  if (code === TSCONFIG_ERROR_CODE) {
    return new JobFileError('job.compileFailed', `Cannot compile job file ${path}: ${firstLine}`, { cause: e });
  }
  if (e.name === 'SyntaxError') {
    return new JobFileError('job.compileFailed', `Cannot compile job file ${path}: ${firstLine}`, { cause: e });
  }
  if (code === 'ERR_MODULE_NOT_FOUND') {
    return new JobFileError('job.importFailed', `Job file ${path} imports a module that cannot be found: ${firstLine}`, { cause: e });
  }
  if (thread === 'worker') {
    // The main thread ran the same top level without this error (it reached execute() first), so
    // the line says where it threw: code that reads something only the main thread has.
    return new JobFileError(
      'job.threw',
      `Job file ${path} threw in a worker thread, which runs its top level again (the main thread ran it without this error): ${firstLine}. Make its top level run the same in every thread, or run it with -D taskmanager.numberOfTaskSlots=1.`,
      { cause: e, details: e.stack },
    );
  }
  return new JobFileError('job.threw', `Job file ${path} threw: ${firstLine}`, { cause: e, details: e.stack });
}
