/**
 * A job file run in this process as `flink run` runs it: the file is imported as a program (its
 * `process.argv` the given args) and each `env.execute()` goes to a JobMaster that knows the file,
 * so with more than one task slot its worker threads import the file themselves to take the job's
 * graph. For tests of what only a real run with workers shows, cheaper than spawning the CLI.
 */
import { copyFileSync } from 'node:fs';
import { runJobFile } from '../../src/cluster/job-loader.js';
import { JobMaster } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import { JobExecutionResult, setContextExecutor } from '../../src/index.js';
import type { MetadataStore } from '../../src/metadata/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';

export interface JobFileRun {
  /** The job file to run (a fixture). */
  readonly file: string;
  /**
   * Where the file is copied and run from: a module runs once per process, so each run imports
   * its own copy (a path used by no earlier run of this process).
   */
  readonly copy: string;
  readonly args: readonly string[];
  /** The run's home (FLINK_TS_HOME): checkpoints go to its checkpoints/ unless `settings` say otherwise. */
  readonly home: string;
  /** `-p`: parallelism.default, which the job file's env also sees. */
  readonly parallelism: number;
  /** taskmanager.numberOfTaskSlots: 1 runs the subtasks on the main thread, more on that many worker threads. */
  readonly slots: number;
  /** Any other configuration, as `-D key=value`. */
  readonly settings?: Readonly<Record<string, string | number | boolean>>;
  /** Tracks the jobs in this flink.db, as `flink run` does (their lines dropped); untracked without. */
  readonly store?: MetadataStore;
  /**
   * Cancels the job running after this long (execute() awaits each job, so only the last can be):
   * for a test whose job would otherwise run for ever.
   */
  readonly cancelAfterMs?: number;
}

/**
 * Runs `run.file` to its end under in-process JobMasters.
 * @returns the JobMaster of each `env.execute()` the file made, in order
 * @throws what the job file's run threw (a job's failure, as `flink run` reports it)
 */
export async function runJobFileUnderJobMaster(run: JobFileRun): Promise<JobMaster[]> {
  const { copy, args, store } = run;
  let configuration = new Configuration(run.home).with('parallelism.default', run.parallelism).with('taskmanager.numberOfTaskSlots', run.slots);
  for (const [key, value] of Object.entries(run.settings ?? {})) configuration = configuration.with(key, value);
  copyFileSync(run.file, copy);
  const masters: JobMaster[] = [];
  const stop = run.cancelAfterMs === undefined ? undefined : setTimeout(() => masters.at(-1)?.cancel(), run.cancelAfterMs);
  // runJobFile sets process.argv for the job file: the test runner's is put back after.
  const argv = process.argv;
  setContextExecutor({
    execute: async (pipeline) => {
      const master = new JobMaster({
        jobId: newJobId(),
        pipeline,
        configuration,
        clock: systemClock,
        jobFile: { path: copy, args, executeIndex: masters.length },
        ...(store ? { tracking: { store, jobFile: copy, args, log: () => {} } } : {}),
      });
      masters.push(master);
      const result = await master.run();
      return new JobExecutionResult(master.jobId, pipeline.jobName, result.getNetRuntime());
    },
    defaultParallelism: () => run.parallelism,
  });
  try {
    await runJobFile(copy, args);
    return masters;
  } finally {
    clearTimeout(stop);
    setContextExecutor(undefined);
    process.argv = argv;
  }
}
