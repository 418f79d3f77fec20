import { type JobClient, type JobExecutionResult, type Pipeline, type PipelineExecutor, jobClient } from '../api/index.js';
import { type Configuration, PipelineOptions } from '../config/index.js';
import type { JobMetricsSnapshot, MetadataStore, MetricSample } from '../metadata/index.js';
import { systemClock } from '../util/clock.js';
import { JobCancelledError } from '../util/errors.js';
import { newJobId } from '../util/ids.js';
import { parallelismDefaults } from './effective-configuration.js';
import type { JobFence } from './job-fence.js';
import { claimForJob } from './job-continuation.js';
import { JobMaster, type RestoreSettings } from './job-master.js';

/** What the CLI shows of the jobs a job file runs (the cluster part prints nothing itself). */
export interface JobReporter {
  submitted(jobId: string): void;
  warning(message: string): void;
  finished(jobId: string, netRuntimeMs: number): void;
  cancelled(jobId: string): void;
  /** The job failed; returns the error the run ends with. */
  failed(jobId: string, cause: unknown): Error;
  /** The job's metrics, once a second while it runs (the live status line). */
  metrics?(jobId: string, snapshot: JobMetricsSnapshot, sample: MetricSample): void;
}

/**
 * The executor `flink run` installs for a job file: runs each `execute()` under a tracked
 * JobMaster in this process. The first execute() of a detached run uses the row `flink run -d`
 * created (and this process took over at start) and the snapshot to restore.
 */
export class CliExecutor implements PipelineExecutor {
  readonly masters: JobMaster[] = [];
  private readonly runs: Promise<unknown>[] = [];
  failure: Error | undefined;
  cancelledBy: NodeJS.Signals | undefined;
  /** Jobs started and not yet ended. */
  private active = 0;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.cancelAll(signal);

  constructor(
    private readonly configuration: Configuration,
    private readonly store: MetadataStore,
    private readonly jobFile: string,
    private readonly args: readonly string[],
    private readonly reporter: JobReporter,
    /** The pre-created job's fence; used by the first execute(). */
    private preAcquired: JobFence | undefined,
    /** The snapshot the first execute() starts from. */
    private restore: RestoreSettings | undefined,
    /** Where a detached job's status changes are logged. */
    private readonly log?: (line: string) => void,
  ) {}

  defaultParallelism(): number {
    return parallelismDefaults(this.configuration).parallelism ?? 1;
  }

  objectReuse(): boolean {
    return this.configuration.get(PipelineOptions.OBJECT_REUSE);
  }

  async execute(pipeline: Pipeline): Promise<JobExecutionResult> {
    return (await this.executeAsync(pipeline)).getJobExecutionResult();
  }

  async executeAsync(pipeline: Pipeline): Promise<JobClient> {
    const preAcquired = this.preAcquired;
    const restore = this.restore;
    // Building the JobMaster maps restored state onto the job: if that fails, the pre-created
    // job stays unused, and the launcher records this failure as its cause.
    const master = new JobMaster({
      jobId: preAcquired?.jobId ?? newJobId(),
      pipeline,
      configuration: this.configuration,
      clock: systemClock,
      restore,
      jobFile: { path: this.jobFile, args: this.args, executeIndex: this.masters.length },
      tracking: { store: this.store, jobFile: this.jobFile, args: this.args, preAcquired, log: preAcquired ? this.log : undefined },
    });
    this.preAcquired = undefined;
    this.restore = undefined;
    // The job continuing the restored one holds its claim from now on (see job-continuation.ts).
    if (restore) claimForJob(this.store, restore.snapshot.metadata.jobId, master.jobId);
    this.masters.push(master);
    this.running(+1);
    const onMetrics = this.reporter.metrics?.bind(this.reporter);
    if (onMetrics) master.onMetrics((snapshot, sample) => onMetrics(master.jobId, snapshot, sample));
    this.reporter.submitted(master.jobId);
    for (const w of master.jobGraph.streamGraph.warnings) this.reporter.warning(w);
    if (this.cancelledBy) master.cancel();
    const run = master.run().then(
      (result) => {
        this.reporter.finished(master.jobId, result.getNetRuntime());
        return result;
      },
      (err: unknown) => {
        if (err instanceof JobCancelledError) {
          this.reporter.cancelled(master.jobId);
          throw err;
        }
        this.failure ??= this.reporter.failed(master.jobId, err);
        throw this.failure;
      },
    );
    this.runs.push(run.catch(() => undefined).finally(() => this.running(-1)));
    return jobClient(master.jobId, run, () => master.cancel());
  }

  /**
   * SIGINT, SIGTERM and SIGHUP (the terminal closed: the jobs run in this process and would die
   * with it, recorded as lost) cancel the jobs cleanly while one runs. Outside of that — before the
   * first execute(), or in code after the last job ended — they keep their default action: a
   * job file stuck at top level (a long await, a busy loop, where no handler could run) ends at once.
   */
  private running(delta: 1 | -1): void {
    this.active += delta;
    if (delta === 1 && this.active === 1) {
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
      process.on('SIGHUP', this.onSignal);
    } else if (this.active === 0) {
      this.dispose();
    }
  }

  /** Removes the signal handlers. */
  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('SIGHUP', this.onSignal);
  }

  /** Fails the runs of the jobs running now, as a task failure would (see JobMaster.failFromOutside). */
  failRunning(err: Error): void {
    for (const m of this.masters) m.failFromOutside(err);
  }

  /** True while a job the file started runs. */
  get hasRunningJobs(): boolean {
    return this.active > 0;
  }

  /** Cancels every job started so far, and those the job file starts later. */
  cancelAll(signal: NodeJS.Signals): void {
    this.cancelledBy = signal;
    for (const m of this.masters) m.cancel();
  }

  /** True once execute() was reached (a job is or was running). */
  get started(): boolean {
    return this.masters.length > 0;
  }

  /** Waits for every job the file started, also those it did not await. */
  async settled(): Promise<void> {
    for (let n = 0; n < this.runs.length; n = this.runs.length) await Promise.all(this.runs.slice(n));
  }

  /** The pre-created job's fence if no execute() used it (the job file failed or never executed). */
  get unusedPreAcquired(): JobFence | undefined {
    return this.preAcquired;
  }
}
