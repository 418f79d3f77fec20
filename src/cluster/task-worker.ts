import { parentPort, workerData } from 'node:worker_threads';
import { type JobClient, JobExecutionResult, type Pipeline, setContextExecutor } from '../api/index.js';
import { FsCheckpointStorage } from '../checkpoint/index.js';
import { jobGraphHash } from '../graph/index.js';
import { type WorkerBootstrap, serializeError, serveWorker } from '../runtime/index.js';
import { JobFileError } from '../util/errors.js';
import { entryModuleUrl } from '../util/package-root.js';
import { compilePipeline } from './compile-pipeline.js';
import { runJobFile } from './job-loader.js';

/*
 * A worker thread of a job (a task slot): imports the job file itself, as the CLI did, with the
 * same arguments; captures the pipeline its execute() call builds instead of running it; builds
 * the same JobGraph and checks it against the main thread's hash; then runs its slot's subtasks.
 */

const boot = workerData as WorkerBootstrap;
const port = parentPort!;

/**
 * Drops what the job file's code writes to stdout and stderr until the returned function is
 * called: the main thread ran the same code and wrote the same lines (a worker re-runs the file
 * only to reach its job's graph; before, each worker printed the file's top-level lines again).
 */
function muteJobFileOutput(): () => void {
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write);
  const drop = (...args: unknown[]): boolean => {
    const done = args.at(-1);
    if (typeof done === 'function') (done as () => void)();
    return true;
  };
  for (const s of streams) s.write = drop as typeof s.write;
  return () => streams.forEach((s, i) => (s.write = writes[i]!));
}

/** The pipeline of the job's execute() call; earlier calls return at once (they ran in the main thread). */
function capturePipeline(): Promise<Pipeline> {
  return new Promise<Pipeline>((resolve, reject) => {
    let calls = 0;
    const unmute = muteJobFileOutput();
    const executeAsync = (pipeline: Pipeline): Promise<JobClient> => {
      if (calls++ === boot.executeIndex) {
        // From here on, output is the job's tasks' own (print sinks, functions that log).
        unmute();
        resolve(pipeline);
        // The job file's code after this job's execute() runs in the main thread only.
        return new Promise<JobClient>(() => {});
      }
      // An earlier job ran in the main thread: here it has ended at once, and collected nothing.
      const ended = Promise.resolve(new JobExecutionResult(boot.jobId, pipeline.jobName, 0));
      return Promise.resolve({ getJobID: () => boot.jobId, getJobExecutionResult: () => ended, cancel: async () => {}, ranElsewhere: true });
    };
    // The job file must build the same graph here: getParallelism() answers as in the main thread.
    const defaultParallelism = (): number => boot.parallelismDefaults.parallelism ?? 1;
    const objectReuse = (): boolean => boot.objectReuse;
    setContextExecutor({ execute: async (pipeline) => (await executeAsync(pipeline)).getJobExecutionResult(), executeAsync, defaultParallelism, objectReuse });
    runJobFile(boot.jobFile, boot.args, 'worker').then(
      () => {
        unmute();
        reject(
          new JobFileError(
            'job.graphMismatch',
            `Job file ${boot.jobFile} did not reach the same env.execute() call in a worker thread: its code must take the same path in every thread (no randomness or time deciding what runs), or run it with -D taskmanager.numberOfTaskSlots=1.`,
          ),
        );
      },
      (err: unknown) => {
        unmute();
        reject(err);
      },
    );
  });
}

async function main(): Promise<void> {
  // The engine's package entry (what 'flink-ts' resolves to) loads before the job file's module
  // hooks are installed: through them, each of its modules would cost a round trip to the hooks.
  await import(entryModuleUrl('index').href);
  const pipeline = await capturePipeline();
  const jobGraph = compilePipeline(pipeline, boot.parallelismDefaults);
  if (jobGraphHash(jobGraph) !== boot.graphHash) {
    throw new JobFileError(
      'job.graphMismatch',
      `Job file ${boot.jobFile} builds a different job graph in a worker thread than in the main thread (randomness or time at its top level?): build the graph from the arguments and configuration only, or run it with -D taskmanager.numberOfTaskSlots=1.`,
    );
  }
  const storage = boot.checkpointsDir === undefined ? undefined : new FsCheckpointStorage(boot.checkpointsDir, boot.jobId);
  serveWorker(boot, jobGraph, port, storage);
}

main().catch((err: unknown) => {
  // This worker cannot run the job at all; the main thread fails the run with why, and it ends.
  port.postMessage({ t: 'unusable', error: serializeError(err) });
  process.exit(0);
});
