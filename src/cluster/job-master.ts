import { JobExecutionResult, type Pipeline } from '../api/index.js';
import { type LoadedSnapshot, assignState } from '../checkpoint/index.js';
import { availableParallelism } from 'node:os';
import { CheckpointingOptions, type Configuration, PipelineOptions, StateBackendOptions, TaskManagerOptions } from '../config/index.js';
import { type JobGraph, jobGraphHash } from '../graph/index.js';
import { type MetadataStore, withGlobalJobParameters } from '../metadata/index.js';
import { DEFAULT_CHANNEL_SETTINGS, JobExecution, type JobRun, type RestoreAssignment, type StateBackendSettings, TaskSlotPool, WorkerPoolExecution } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import { FlinkError, JobCancelledError, messageOf } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { type ParallelismDefaults, compilePipeline } from './compile-pipeline.js';
import { effectiveConfiguration, parallelismDefaults } from './effective-configuration.js';
import { unrecoverableCause } from './failure-classification.js';
import { JobCheckpointing } from './job-checkpointing.js';
import { type Recovery, recoveryAssignment } from './job-recovery.js';
import { jobPlanOf } from './job-plan.js';
import { type JobFence, JobFencedError, fenceSettings } from './job-fence.js';
import { JobTracker } from './job-tracker.js';
import { type MetricsListener, MetricsReporter } from './metrics-reporter.js';
import { RestartDelay } from './restart-delay.js';
import { stopFailure, stopWithSavepoint } from './stop-with-savepoint.js';
import { type RestartStrategy, restartStrategyFrom } from './restart-strategy.js';
import { taskSlotsFor, taskWorkerEntry } from './task-slots.js';

function stackOf(err: unknown): string | undefined {
  return err instanceof FlinkError ? err.details : err instanceof Error ? err.stack : undefined;
}

/** Where a tracked job's record lives and what it was started from. */
export interface JobTracking {
  readonly store: MetadataStore;
  readonly jobFile: string;
  readonly args: readonly string[];
  /**
   * The fence of the row `flink run -d` created before starting this process, taken over at
   * process start; unset: the JobMaster creates the job's row.
   */
  readonly preAcquired?: JobFence;
  /** Where the job's status changes are logged. */
  readonly log?: (line: string) => void;
}

/** A snapshot to start from (`flink run -s`). */
export interface RestoreSettings {
  readonly snapshot: LoadedSnapshot;
  readonly allowNonRestoredState: boolean;
  /** `claim`: the job owns the snapshot and deletes it once subsumed; `no_claim` (default) never touches it. */
  readonly claimMode?: 'claim' | 'no_claim';
  /**
   * Jobs that may still write into the sinks' output: the snapshot's job when flink.db does not
   * know it (see {@link jobsStillWritingAfter}); a sink's restore leaves their files alone.
   */
  readonly jobsStillWriting?: readonly string[];
  /**
   * Jobs that can never commit what they staged: a continuation that died before a checkpoint of
   * its own, whose restore fell back to the snapshot it had been restored from (see
   * {@link prepareRestore}); a sink's restore drops their staged output.
   */
  readonly jobsAbandoned?: readonly string[];
}

/** What a JobMaster runs with. */
export interface JobMasterOptions {
  readonly jobId: JobId;
  readonly pipeline: Pipeline;
  /** Defaults + config.yaml + -D + -p; the job's code settings are applied on top. */
  readonly configuration: Configuration;
  readonly clock: Clock;
  /** Record the job in flink.db and take commands from it; unset for an untracked local run. */
  readonly tracking?: JobTracking;
  readonly restore?: RestoreSettings;
  /**
   * The job file and which of its execute() calls this job is: with more than one task slot,
   * each worker thread imports the file itself to build the job's graph. Unset = one thread.
   */
  readonly jobFile?: { readonly path: string; readonly args: readonly string[]; readonly executeIndex: number };
}

/**
 * Runs one job in this process, as Flink's JobMaster does for a job: compiles its graph with the
 * effective configuration, maps restored state onto it, deploys and drives its tasks, runs its
 * checkpoints, keeps its record (status, heartbeat, checkpoint stats) in flink.db and carries out
 * the commands the CLI leaves there.
 */
export class JobMaster {
  readonly jobId: JobId;
  readonly jobGraph: JobGraph;
  readonly configuration: Configuration;
  private execution: JobRun | undefined;
  private cancelled = false;
  private readonly tracker: JobTracker | undefined;
  private readonly reporter: MetricsReporter | undefined;
  private readonly restoreAssignment: RestoreAssignment | undefined;
  /** Decides on every failure; made with the job, so settings it refuses fail `execute()` before the job starts. */
  private readonly restartStrategy: RestartStrategy;
  /** The wait before a restart (ended early by a cancel or fencing; failures during it go to the strategy). */
  private readonly restartDelay: RestartDelay;
  /** Set once this process finds it no longer owns the job: it stops and commits nothing more. */
  private fencedBy: JobFencedError | undefined;
  /** A failure from outside the tasks ({@link failFromOutside}) not yet spent by a run's failure: it fails the next run. */
  private outsideFailure: Error | undefined;
  /** The job's worker threads (task slots), started with its first run on workers; they outlive failovers. */
  private slots: TaskSlotPool | undefined;
  /** The current run's end (a stop with savepoint reports once the run has ended). */
  private runEnded: Promise<void> | undefined;
  /** A stop with savepoint in progress; its command is answered before the job's end is recorded. */
  private stopping: Promise<unknown> | undefined;
  /** A stop is running, or succeeded (the job ends): another one is refused. */
  private stopInProgress = false;

  /**
   * The defaults the graph is compiled with: `-p` and the configuration, without the job code's
   * env.setParallelism — that one reaches only the operators added after it (their
   * envParallelism), as in Flink; the ones added before run at these defaults.
   */
  private compileDefaults(): ParallelismDefaults {
    return parallelismDefaults(this.options.configuration);
  }

  constructor(private readonly options: JobMasterOptions) {
    this.jobId = options.jobId;
    this.configuration = effectiveConfiguration(options.configuration, options.pipeline.settings);
    this.jobGraph = compilePipeline(options.pipeline, this.compileDefaults());
    this.restartStrategy = restartStrategyFrom(this.configuration);
    this.restartDelay = new RestartDelay({
      strategy: this.restartStrategy,
      now: () => options.clock.now(),
      ended: () => this.fencedBy !== undefined || this.cancelled,
      newAttempt: (late, attempt, delayMs) => this.tracker?.failedWhileRestarting(messageOf(late), stackOf(late), attempt, delayMs),
      joined: (late, delayMs) => this.log(`A failure while job ${this.jobId} waits to restart joins the pending restart (in ${delayMs} ms): ${messageOf(late)}`),
    });
    // Restored state is mapped before anything starts, so a snapshot that does not fit the job
    // is refused with no job record left behind.
    const r = options.restore;
    this.restoreAssignment = r && assignState(r.snapshot, this.jobGraph, { allowNonRestoredState: r.allowNonRestoredState });
    const t = options.tracking;
    if (t) {
      this.tracker = new JobTracker(
        t.store,
        {
          jobId: this.jobId,
          name: options.pipeline.jobName,
          jobFile: t.jobFile,
          args: t.args,
          parallelism: parallelismDefaults(this.configuration).parallelism ?? 1,
          // The parameters go with the configuration, where `flink web` finds them (its user-config).
          config: withGlobalJobParameters(this.configuration.toRecord(), options.pipeline.settings.globalJobParameters),
          preAcquired: t.preAcquired,
          restoredFrom: r?.snapshot.dir ?? null,
        },
        options.clock,
        fenceSettings(this.configuration),
        t.log,
      );
      this.reporter = new MetricsReporter({
        jobId: this.jobId,
        plan: jobPlanOf(this.jobId, this.jobGraph),
        store: t.store,
        clock: options.clock,
        log: t.log ?? ((line) => process.stderr.write(`${line}\n`)),
      });
    }
  }

  /** Calls `listener` with every metrics report (once a second while the job runs; tracked jobs only). */
  onMetrics(listener: MetricsListener): () => void {
    return this.reporter?.onReport(listener) ?? (() => {});
  }

  get jobName(): string {
    return this.options.pipeline.jobName;
  }

  /**
   * Runs the job to its end; rejects with the failure, or JobCancelledError. A failure the
   * restart strategy allows fails the job over: every task stops, state comes back from the
   * latest completed checkpoint (sources rewind, uncommitted sink data is dropped), and the job
   * runs again — RUNNING → RESTARTING → RUNNING, each restart recorded with its cause.
   */
  async run(): Promise<JobExecutionResult> {
    try {
      return await this.runAttempts();
    } finally {
      this.reporter?.stop();
      await this.slots?.shutdown();
    }
  }

  private async runAttempts(): Promise<JobExecutionResult> {
    const start = Date.now();
    const { options } = this;
    const fence = this.tracker?.start();
    fence?.onFenced((err) => {
      this.fencedBy = err;
      this.execution?.fail(err);
      this.restartDelay.wake();
    });
    const checkpointing = new JobCheckpointing({
      jobId: this.jobId,
      jobName: this.jobName,
      config: this.configuration,
      clock: options.clock,
      metadata: options.tracking?.store,
      firstCheckpointId: (options.restore?.snapshot.metadata.checkpointId ?? 0) + 1,
      log: options.tracking?.log ?? ((line) => process.stderr.write(`${line}\n`)),
      fence,
    });
    this.tracker?.listen({
      cancel: () => this.cancel(),
      checkpoint: (full) => checkpointing.checkpoint(full),
      savepoint: (dir) => checkpointing.savepoint(dir),
      stop: (dir, drain) => {
        // One at a time, as Flink's adaptive scheduler takes stop-with-savepoint only while
        // executing, not while it stops (a savepoint it still takes, as here): a second
        // would drain or suspend the run under the first (a second drain replaced the first's
        // request, whose command then failed as if it never ran; a suspend ended a drain before
        // its savepoint).
        if (this.stopInProgress) return Promise.reject(new FlinkError('job.stopping', 'A stop with a savepoint is in progress already.'));
        this.stopInProgress = true;
        const stop = stopWithSavepoint(this.execution!, this.runEnded!, checkpointing, dir, drain);
        this.stopping = stop.catch(() => {
          // The job runs on (or restarts): it may be stopped again.
          this.stopInProgress = false;
        });
        return stop;
      },
    });
    this.reporter?.start();
    if (options.restore?.claimMode === 'claim') await checkpointing.claim(options.restore.snapshot);
    let restore = this.restoreAssignment;
    for (let attempt = 0; ; attempt++) {
      // Restoring commits what the snapshot's sinks pre-committed: only the job's owner may.
      if (this.fencedBy) throw await this.abandon(checkpointing);
      if (restore) {
        try {
          fence?.check('restore the job');
        } catch (err) {
          throw await this.abandon(checkpointing, err);
        }
      }
      let execution: JobRun;
      try {
        execution = this.createRun(attempt, restore, checkpointing, fence);
      } catch (err) {
        // Building a run on the main thread restores its state: a key group of a snapshot that
        // passed its checksum and still does not decode fails here, and fails the job as a failed
        // run does (recorded FAILED with its cause), not past it (its row left RUNNING, later
        // read as "job process lost").
        const outcome = await this.handleFailure(err, checkpointing, attempt + 1);
        if ('failure' in outcome) throw outcome.failure;
        restore = outcome.restore;
        continue;
      }
      this.execution = execution;
      if (this.outsideFailure) execution.fail(this.outsideFailure);
      this.outsideFailure = undefined;
      this.reporter?.attach(execution);
      if (this.cancelled) execution.cancel();
      checkpointing.start(execution);
      try {
        const ended = execution.run();
        this.runEnded = ended;
        await ended;
        break;
      } catch (err) {
        // An outside failure that failed this run is spent; one that comes during the restart
        // delay fails the next run.
        this.outsideFailure = undefined;
        const outcome = await this.handleFailure(err, checkpointing, attempt + 1);
        if ('failure' in outcome) throw outcome.failure;
        restore = outcome.restore;
      }
    }
    // A stop whose savepoint completed answers its command first (it awaits only the run's end).
    if (checkpointing.stoppedWith !== undefined) await this.stopping;
    await checkpointing.stop('FINISHED');
    this.tracker?.finish({ status: 'FINISHED' });
    return new JobExecutionResult(this.jobId, this.jobName, Date.now() - start);
  }

  /** One run of the job: on the main thread, or on worker threads when it has more than one task slot. */
  private createRun(attempt: number, restore: RestoreAssignment | undefined, checkpointing: JobCheckpointing, fence: JobFence | undefined): JobRun {
    const { options } = this;
    const checkOwnership = fence && ((action: string) => fence.check(action));
    const finalCheckpoint = checkpointing.periodic ? () => checkpointing.finalCheckpoint() : undefined;
    const stateBackend = stateBackendSettings(this.configuration);
    const autoWatermarkIntervalMs = this.configuration.get(PipelineOptions.AUTO_WATERMARK_INTERVAL);
    const objectReuse = this.configuration.get(PipelineOptions.OBJECT_REUSE);
    const { globalJobParameters } = options.pipeline.settings;
    const jobsStillWriting = options.restore?.jobsStillWriting;
    const jobsAbandoned = options.restore?.jobsAbandoned;
    const slots = taskSlotsFor(this.configuration.get(TaskManagerOptions.NUM_TASK_SLOTS), this.jobGraph, availableParallelism());
    const file = options.jobFile;
    if (slots > 0 && file) {
      this.slots ??= new TaskSlotPool(
        taskWorkerEntry(),
        slots,
        {
          jobFile: file.path,
          args: file.args,
          executeIndex: file.executeIndex,
          graphHash: jobGraphHash(this.jobGraph),
          parallelismDefaults: this.compileDefaults(),
          jobId: this.jobId,
          channelCapacity: DEFAULT_CHANNEL_SETTINGS.channelCapacity,
          batchSize: DEFAULT_CHANNEL_SETTINGS.batchSize,
          checkpointsDir: checkpointing.storage.baseDir,
          periodicCheckpoints: checkpointing.periodic,
          stateBackend,
          autoWatermarkIntervalMs,
          objectReuse,
          ...(globalJobParameters ? { globalJobParameters } : {}),
          ...(jobsStillWriting ? { jobsStillWriting } : {}),
          ...(jobsAbandoned ? { jobsAbandoned } : {}),
        },
        checkOwnership !== undefined,
      );
      return new WorkerPoolExecution({
        pool: this.slots,
        jobGraph: this.jobGraph,
        attemptNumber: attempt,
        restore,
        responder: checkpointing.responder,
        locationOf: (id) => checkpointing.storage.location(id),
        ...(checkOwnership ? { checkOwnership } : {}),
        ...(finalCheckpoint ? { finalCheckpoint } : {}),
      });
    }
    return new JobExecution({
      jobId: this.jobId,
      jobGraph: this.jobGraph,
      clock: options.clock,
      attemptNumber: attempt,
      ...(checkOwnership ? { checkOwnership } : {}),
      checkpointing: { storage: checkpointing.storage, responder: checkpointing.responder },
      restore,
      ...(jobsStillWriting ? { jobsStillWriting } : {}),
      ...(jobsAbandoned ? { jobsAbandoned } : {}),
      stateBackend,
      autoWatermarkIntervalMs,
      objectReuse,
      ...(globalJobParameters ? { globalJobParameters } : {}),
      finalCheckpoint,
    });
  }

  /**
   * Settles a failed run: the error to fail the job with, or — once the job may run again
   * (after the restart delay) — the state the next run starts from.
   */
  private async handleFailure(
    err: unknown,
    checkpointing: JobCheckpointing,
    attempt: number,
  ): Promise<{ failure: unknown } | { restore: RestoreAssignment | undefined }> {
    if (this.fencedBy || err instanceof JobFencedError) return { failure: await this.abandon(checkpointing, err) };
    if (err instanceof JobCancelledError || this.cancelled) {
      await checkpointing.stop('CANCELED');
      this.tracker?.finish({ status: 'CANCELED' });
      return { failure: err instanceof JobCancelledError ? err : new JobCancelledError() };
    }
    // A stop's savepoint told the sinks to commit: the job is not restarted from an older
    // checkpoint (the savepoint is not retained), which would write again what they committed.
    if (checkpointing.stoppedWith !== undefined) {
      await this.stopping;
      return { failure: await this.fail(checkpointing, stopFailure(checkpointing.stoppedWith, err)) };
    }
    // Failed as it is, not unwrapped: the wrapper's message names the operator and its uid.
    if (unrecoverableCause(err)) return { failure: await this.fail(checkpointing, err) };
    const decision = this.restartStrategy.onFailure(this.options.clock.now());
    if (!decision.restart) return { failure: await this.fail(checkpointing, err, decision.reason) };
    this.tracker?.restarting(messageOf(err), stackOf(err), attempt, decision.delayMs);
    this.reporter?.restarting();
    const late = await this.restartDelay.wait(decision.delayMs, attempt);
    if (late !== undefined && !this.fencedBy && !this.cancelled) return { failure: await this.fail(checkpointing, late.failure, late.suppressedBy) };
    if (this.fencedBy) return { failure: await this.abandon(checkpointing) };
    if (this.cancelled) {
      await checkpointing.stop('CANCELED');
      this.tracker?.finish({ status: 'CANCELED' });
      return { failure: new JobCancelledError() };
    }
    let recovery: Recovery;
    try {
      recovery = recoveryAssignment({
        jobId: this.jobId,
        jobGraph: this.jobGraph,
        checkpointing,
        initial: this.options.restore,
        initialState: this.restoreAssignment,
        log: (line) => this.log(line),
      });
    } catch (recoveryError) {
      return { failure: await this.fail(checkpointing, recoveryError) };
    }
    this.tracker?.restarted(recovery.from);
    return { restore: recovery.state };
  }

  /**
   * Ends this process's part in a job it no longer owns: checkpointing stops, nothing is deleted
   * and no status written (the job's record belongs to whoever fenced it). Returns the error.
   */
  private async abandon(checkpointing: JobCheckpointing, err?: unknown): Promise<JobFencedError> {
    const fenced = this.fencedBy ?? (err instanceof JobFencedError ? err : new JobFencedError(this.jobId, 'unknown'));
    this.fencedBy = fenced;
    await checkpointing.stop(undefined);
    this.tracker?.finish({ status: 'FAILED', cause: fenced.message });
    return fenced;
  }

  /**
   * Ends the job as FAILED with `failure` (its message and stack recorded); returns `failure`.
   * `suppressedBy` is the restart strategy's reason for not restarting: written to the job's
   * log, and put before the failure's stack as Flink's scheduler wraps it ("Recovery is
   * suppressed by …", the cause below), so the exception history says why the job stopped
   * trying; the cause, the line the CLI prints, stays the failure's own message.
   */
  private async fail(checkpointing: JobCheckpointing, failure: unknown, suppressedBy?: string): Promise<unknown> {
    await checkpointing.stop('FAILED');
    let stack = stackOf(failure);
    if (suppressedBy !== undefined) {
      // To the job's log only (a detached job's file): an attached run's stderr keeps its one
      // line, the failure, as for every other job that fails.
      this.options.tracking?.log?.(`Recovery of job ${this.jobId} is suppressed: ${suppressedBy}.`);
      stack = `Recovery is suppressed: ${suppressedBy}\nCaused by: ${stack ?? messageOf(failure)}`;
    }
    this.tracker?.finish({ status: 'FAILED', cause: messageOf(failure), stack });
    return failure;
  }

  private log(line: string): void {
    (this.options.tracking?.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }

  /**
   * Fails the current run as a task failure would — the restart strategy decides — for an error
   * outside every task: a callback the job file scheduled itself (a timer, a promise) threw, or
   * its code called `process.exit`, on the main thread (on a worker thread that ends the worker,
   * which fails the run the same way). Between two runs, it fails the next one.
   */
  failFromOutside(err: Error): void {
    if (this.restartDelay.waiting) {
      this.restartDelay.fail(err);
      return;
    }
    // Kept as well as passed on: after a run ended and before the restart delay (or the next
    // run) begins, the execution is the last one, already ended.
    this.outsideFailure ??= err;
    this.execution?.fail(err);
  }

  /** Cancels the job: tasks stop at their next step and the run rejects with JobCancelledError. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.tracker?.cancelling();
    this.execution?.cancel();
    this.restartDelay.wake();
  }
}

/** The keyed state backend the job's tasks are deployed with. */
function stateBackendSettings(config: Configuration): StateBackendSettings {
  return {
    type: config.get(StateBackendOptions.STATE_BACKEND),
    incremental: config.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS),
    localDirectory: config.get(StateBackendOptions.LMDB_LOCAL_DIRECTORY),
  };
}
