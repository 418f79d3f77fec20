import { JobFileError, asError } from '../util/errors.js';

/**
 * Errors a job file's own callbacks throw outside every task — a `setTimeout` callback, a
 * promise nobody awaits — while `flink run` runs it. Node would print its crash dump and exit,
 * and the job's row would say only "job process lost"; instead each becomes a JobFileError
 * naming the job file, handed to `onError` (which fails the jobs: the job file's code in this
 * process is in a state nothing can restore), and Node's default is kept for the moments no
 * job file runs.
 *
 * @returns a function that stops watching
 */
export function watchUncaughtErrors(jobFile: string, onError: (err: JobFileError) => void): () => void {
  const handle = (thrown: unknown): void => {
    const e = asError(thrown);
    const firstLine = e.message.split('\n').find((l) => l.trim().length > 0) ?? e.message;
    onError(new JobFileError('job.uncaught', `Job file ${jobFile} threw outside any operator (in a callback it scheduled): ${firstLine}`, { cause: e, details: e.stack }));
  };
  process.on('uncaughtException', handle);
  process.on('unhandledRejection', handle);
  return () => {
    process.off('uncaughtException', handle);
    process.off('unhandledRejection', handle);
  };
}
