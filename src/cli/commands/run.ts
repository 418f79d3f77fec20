import type { JobExecutionResult, Pipeline, PipelineExecutor } from '../../api/index.js';
import { setContextExecutor } from '../../api/index.js';
import { JobMaster, runJobFile } from '../../cluster/index.js';
import { systemClock } from '../../util/clock.js';
import { FlinkError, JobCancelledError, JobFileError } from '../../util/errors.js';
import { newJobId } from '../../util/ids.js';
import { lines, say, warn } from '../output.js';

/** Options of `flink run`. */
export interface RunOptions {
  readonly parallelism?: number;
  readonly dynamicProperties: readonly string[];
}

/** The job failed; the message names the job and the cause. */
export class JobExecutionError extends FlinkError {
  constructor(
    readonly jobId: string,
    cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super('job.failed', lines.failed(jobId, message), {
      cause,
      details: cause instanceof FlinkError ? cause.details : cause instanceof Error ? cause.stack : undefined,
    });
  }
}

/**
 * The executor `flink run` installs for the job file: runs each `execute()` under a JobMaster
 * and prints the submission and finish lines.
 */
class CliExecutor implements PipelineExecutor {
  readonly masters: JobMaster[] = [];
  private readonly runs: Promise<unknown>[] = [];
  failure: JobExecutionError | undefined;
  cancelledBy: NodeJS.Signals | undefined;

  constructor(private readonly options: RunOptions) {}

  async execute(pipeline: Pipeline): Promise<JobExecutionResult> {
    const master = new JobMaster({
      jobId: newJobId(),
      pipeline,
      defaults: { parallelism: this.options.parallelism },
      clock: systemClock,
    });
    this.masters.push(master);
    say(lines.submitted(master.jobId));
    for (const w of master.jobGraph.streamGraph.warnings) warn(w);
    if (this.cancelledBy) master.cancel();
    const run = master.run().then(
      (result) => {
        say(lines.finished(master.jobId));
        say(lines.runtime(result.getNetRuntime()));
        return result;
      },
      (err: unknown) => {
        if (err instanceof JobCancelledError) {
          say(lines.cancelled(master.jobId));
          throw err;
        }
        this.failure ??= new JobExecutionError(master.jobId, err);
        throw this.failure;
      },
    );
    this.runs.push(run.catch(() => undefined));
    return run;
  }

  cancelAll(signal: NodeJS.Signals): void {
    this.cancelledBy = signal;
    for (const m of this.masters) m.cancel();
  }

  /** Waits for every job the file started, also those it did not await. */
  async settled(): Promise<void> {
    for (let n = 0; n < this.runs.length; n = this.runs.length) await Promise.all(this.runs.slice(n));
  }
}

/** `flink run <job.ts> [args...]`: runs a job file attached; resolves to the exit code. */
export async function runCommand(jobFile: string, args: readonly string[], options: RunOptions): Promise<number> {
  const executor = new CliExecutor(options);
  setContextExecutor(executor);
  const onSignal = (signal: NodeJS.Signals) => executor.cancelAll(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let loadError: unknown;
  try {
    await runJobFile(jobFile, args);
  } catch (err) {
    loadError = err;
  }
  await executor.settled();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (executor.cancelledBy) return executor.cancelledBy === 'SIGINT' ? 130 : 143;
  if (executor.failure) throw executor.failure;
  if (loadError !== undefined && !(loadError instanceof JobCancelledError)) throw loadError;
  if (executor.masters.length === 0) {
    throw new JobFileError(
      'job.noExecute',
      `Job file ${jobFile} finished without calling env.execute(): define the job, then run it with 'await env.execute(name)'.`,
    );
  }
  return 0;
}
