import { FlinkError, JobFileError, asError, firstLineOf } from '../util/errors.js';

/**
 * What a job file's own code does outside every operator while `flink run` runs it on the main
 * thread — a `setTimeout` callback or a promise nobody awaits that throws, a `process.exit` —
 * which Node would answer with its crash dump or a silent exit (`flink run` ending 0 with the
 * job unfinished). While one of its jobs runs, it fails that run as a task failure would, so the
 * restart strategy decides, as on a worker thread, where the same ends the worker
 * (`onJobFailure`); before any job runs (or after), it is the job file's error
 * (`onFileError`), said in one line. `process.exit` outside a job run exits as ever (a script's
 * `await env.execute(); process.exit(0)` is fine).
 *
 * @returns a function that stops watching (and puts `process.exit` back)
 */
export function watchJobFileEscapes(
  jobFile: string,
  jobsRunning: () => boolean,
  onJobFailure: (err: Error) => void,
  onFileError: (err: JobFileError) => void,
): () => void {
  const handle = (thrown: unknown): void => {
    const e = asError(thrown);
    const firstLine = firstLineOf(e.message);
    const message = `Job file ${jobFile} threw outside any operator (in a callback it scheduled): ${firstLine}`;
    if (jobsRunning()) onJobFailure(new FlinkError('job.uncaught', message, { cause: e, details: e.stack }));
    else onFileError(new JobFileError('job.uncaught', message, { cause: e, details: e.stack }));
  };
  const exit = process.exit;
  const guardedExit = (code?: number | string | null): never => {
    if (!jobsRunning()) return exit(code);
    // Thrown into the caller: from an operator's function it is that task's failure.
    throw new FlinkError('job.processExit', `Job file ${jobFile} called process.exit(${code ?? ''}) while its job ran; a job ends when its input does, or with flink cancel or flink stop.`);
  };
  process.exit = guardedExit as typeof process.exit;
  process.on('uncaughtException', handle);
  process.on('unhandledRejection', handle);
  return () => {
    if (process.exit === guardedExit) process.exit = exit;
    process.off('uncaughtException', handle);
    process.off('unhandledRejection', handle);
  };
}
