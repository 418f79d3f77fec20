import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { setContextExecutor } from '../api/index.js';
import { DAMAGED_STATE_FILE, type LoadedSnapshot, loadSnapshotChecked, restoreLatestOfJob } from '../checkpoint/index.js';
import { CheckpointingOptions, type Configuration } from '../config/index.js';
import { type MetadataStore, isSavepointKind } from '../metadata/index.js';
import { onOutputClosed } from '../util/closed-output.js';
import { systemClock } from '../util/clock.js';
import { FlinkError, IllegalJobStateError, JobCancelledError, JobFileError, SnapshotRestoreError } from '../util/errors.js';
import { type JobId, isJobIdPrefix } from '../util/ids.js';
import { CliExecutor, type JobReporter } from './cli-executor.js';
import { JobFence, fenceSettings } from './job-fence.js';
import { runJobFile } from './job-loader.js';
import type { RestoreSettings } from './job-master.js';
import { type Claimant, claimContinuation, claimantProcess } from './job-continuation.js';
import { takeOverJob } from './job-takeover.js';
import { checkpointsDirOf, recordFindings, recordedHistory } from './checkpoint-reconciler.js';
import { watchJobFileEscapes } from './job-file-escapes.js';

/** What to do when the snapshot given to -s has a damaged or missing state file. */
const DAMAGED_NEXT_STEP = 'Restore from an older checkpoint or savepoint (flink run -s <jobId> skips damaged ones).';
/** What a user of `flink run -s <jobId>` can do when that job has nothing to restore. */
const NO_SNAPSHOT_NEXT_STEP = 'run the job file without -s to start it fresh, or give -s the path of a savepoint';

/** What `flink run -s <from>` starts from. */
export interface PreparedRestore {
  readonly snapshot: LoadedSnapshot;
  /**
   * Jobs that can never commit what they staged (see SinkWriterContext.jobsAbandoned): the job
   * given to -s when it died before a checkpoint or savepoint of its own and the snapshot it was
   * restored from is restored instead. None otherwise.
   */
  readonly jobsAbandoned: readonly string[];
}

/**
 * The snapshot `flink run -s <from>` starts from, read and verified before anything starts. For
 * a job id (prefix) that is not a path: that job's newest snapshot that can be restored. Either
 * way, the job the snapshot belongs to must no longer be able to commit: a job that still runs
 * is refused, and the process of one declared lost is stopped first; only then are its
 * checkpoints looked at, so none can appear or vanish meanwhile.
 *
 * @param log where skipped snapshots and stopped processes are reported
 */
export async function prepareRestore(
  store: MetadataStore,
  from: string,
  configuration: Configuration,
  log: (line: string) => void,
  continuingAs: JobId | null = null,
): Promise<PreparedRestore> {
  const me: Claimant = { ...claimantProcess(), job: continuingAs };
  if (!isJobIdPrefix(from) || existsSync(from)) return { snapshot: await restorePath(store, from, me, log), jobsAbandoned: [] };
  const jobId = store.resolveJobId(from);
  const job = await takeOverJob(store, store.getJob(jobId)!, { log });
  // Claimed before its checkpoints are looked at: none can appear or vanish meanwhile.
  await claimContinuation(store, jobId, me, { log });
  const history = recordedHistory(store, job);
  const checkpointsDir = checkpointsDirOf(job, configuration.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY));
  // flink.db learns what this restore finds (a checkpoint it lacked, one found damaged or
  // gone), even if none can be restored: `flink list` and `flink checkpoints` then name the
  // checkpoint restored here.
  let restored: ReturnType<typeof restoreLatestOfJob>;
  try {
    restored = restoreLatestOfJob({ jobId, recorded: history.recorded, checkpointsDir }, undefined, (observed) => recordFindings(store, job, history, observed), NO_SNAPSHOT_NEXT_STEP);
  } catch (err) {
    // A job restored from a snapshot that ended (killed, failed) before a checkpoint of its own
    // still stands where that snapshot left it, and its sinks committed nothing after it: the
    // snapshot is its latest state, as Flink's coordinator keeps a restored savepoint as the job's
    // latest completed checkpoint. Starting fresh instead, as the error would say, writes again
    // every record the jobs before it committed. Only a job that never completed a checkpoint
    // (rows of discarded ones stay in flink.db) and did not finish (a finished job's sinks commit
    // at the end of input) stands there: otherwise its sinks committed past the snapshot.
    if (!(err instanceof FlinkError && err.code === 'snapshot.none') || job.restoredFrom === null) throw err;
    const own = store.listCheckpoints(jobId);
    if (job.status === 'FINISHED' || own.some((c) => c.status === 'COMPLETED')) throw err;
    log(`Job ${jobId} has no completed checkpoint or savepoint of its own: restoring the snapshot it was restored from, ${job.restoredFrom}.`);
    // It can no longer write (taken over, claimed above) and has no checkpoint anywhere: none can
    // ever name what it staged as pending, so the restore drops it (its jobs' other output stays).
    // Unless it triggered a savepoint: a savepoint lives wherever its user put it, beyond the scan
    // of the job's checkpoint directory, and one published as the job was killed (recorded as
    // triggered, never as completed) names the rows it staged, which its restore commits.
    const jobsAbandoned = own.some((c) => isSavepointKind(c.kind)) ? [] : [jobId];
    try {
      return { snapshot: await restorePath(store, job.restoredFrom, me, log), jobsAbandoned };
    } catch (again) {
      if (!(again instanceof FlinkError) || again instanceof IllegalJobStateError) throw again;
      throw new SnapshotRestoreError(
        `Job ${jobId} has no completed checkpoint or savepoint of its own, and the snapshot it was restored from cannot be restored: ${again.message}`,
        again.code,
      );
    }
  }
  for (const problem of restored.skipped) log(`Skipping a snapshot of job ${jobId} that cannot be restored: ${problem}`);
  if (restored.skipped.length > 0) {
    log(`Restoring job ${jobId} from checkpoint ${restored.checkpointId} (${restored.path}): output its sinks committed after it may be written again.`);
  }
  return { snapshot: restored.state, jobsAbandoned: [] };
}

/** The snapshot at a path, once the job it belongs to can no longer commit and this restore has claimed it. */
async function restorePath(store: MetadataStore, from: string, me: Claimant, log: (line: string) => void): Promise<LoadedSnapshot> {
  let snapshot: LoadedSnapshot;
  try {
    snapshot = loadSnapshotChecked(from);
  } catch (err) {
    // This snapshot is damaged; the job's others may not be, and -s <jobId> finds the newest of them.
    if (err instanceof SnapshotRestoreError && err.code === DAMAGED_STATE_FILE) throw new SnapshotRestoreError(`${err.message} ${DAMAGED_NEXT_STEP}`, err.code);
    throw err;
  }
  const owner = store.getJob(snapshot.metadata.jobId);
  if (owner) await takeOverJob(store, owner, { log });
  await claimContinuation(store, snapshot.metadata.jobId, me, { log });
  return snapshot;
}

/**
 * The jobs that may still write into the output a restore of `snapshot` finds. None when flink.db
 * knows the snapshot's job: {@link prepareRestore} made sure it can no longer commit (its process
 * gone, ended or stopped), or refused. The snapshot's job when flink.db does not know it — a
 * snapshot taken under another FLINK_TS_HOME, whose job may be running there now, into the same
 * directories: nothing here can tell, so the sinks' restores leave its files alone.
 */
export function jobsStillWritingAfter(store: MetadataStore, snapshot: LoadedSnapshot): readonly string[] {
  return store.getJob(snapshot.metadata.jobId) === undefined ? [snapshot.metadata.jobId] : [];
}

/** How a tracked run restores what {@link prepareRestore} prepared (its own, or, detached, its parent's). */
function restoreSettings(store: MetadataStore, prepared: PreparedRestore, run: TrackedRun): RestoreSettings {
  const jobsAbandoned = [...new Set([...prepared.jobsAbandoned, ...(run.jobsAbandoned ?? [])])];
  return {
    snapshot: prepared.snapshot,
    allowNonRestoredState: run.allowNonRestoredState,
    claimMode: run.claimMode,
    jobsStillWriting: jobsStillWritingAfter(store, prepared.snapshot),
    ...(jobsAbandoned.length > 0 ? { jobsAbandoned } : {}),
  };
}

/** What {@link runJobFileTracked} runs. */
export interface TrackedRun {
  readonly store: MetadataStore;
  readonly configuration: Configuration;
  readonly jobFile: string;
  readonly args: readonly string[];
  readonly reporter: JobReporter;
  /** `-s`: what to start from (path or job id), restored by the first execute(). */
  readonly fromSavepoint?: string;
  readonly allowNonRestoredState: boolean;
  readonly claimMode: 'claim' | 'no_claim';
  /** The row `flink run -d` created for this process; unset for an attached run. */
  readonly preCreated?: JobId;
  /**
   * A detached run's: the jobs its `flink run -d -s <job>` found abandoned (see
   * {@link PreparedRestore.jobsAbandoned}); its own `-s` is then the snapshot's path.
   */
  readonly jobsAbandoned?: readonly string[];
  /** Where warnings (skipped snapshots, stopped processes) and a detached job's status changes go. */
  readonly log: (line: string) => void;
}

/**
 * Runs a job file in this process, each `execute()` under a tracked JobMaster: `flink run`
 * attached, or the background process of `flink run -d` — which takes over the row created for
 * it before anything else, so a start-up failure (the snapshot, the job file) is recorded as its
 * cause. Resolves to the exit code: 0, or 128 + the signal's number when SIGINT, SIGTERM or a
 * closed stdout (SIGPIPE) cancelled the jobs.
 *
 * Signals cancel the jobs cleanly only once the first `execute()` is reached; before it, a job
 * file stuck at top level (a long await, a busy loop) is ended by the signal itself.
 *
 * @throws the first job's failure, or the job file's error
 */
export async function runJobFileTracked(run: TrackedRun): Promise<number> {
  const { store, configuration } = run;
  const settings = fenceSettings(configuration);
  const preAcquired = run.preCreated && JobFence.acquire(store, run.preCreated, settings, { clock: systemClock, log: run.log });
  let executor: CliExecutor | undefined;
  let error: unknown;
  try {
    const prepared = run.fromSavepoint === undefined ? undefined : await prepareRestore(store, run.fromSavepoint, configuration, run.log, run.preCreated ?? null);
    const restore: RestoreSettings | undefined = prepared && restoreSettings(store, prepared, run);
    executor = new CliExecutor(configuration, store, run.jobFile, run.args, run.reporter, preAcquired, restore, preAcquired ? run.log : undefined);
    setContextExecutor(executor);
    // stdout's reader gone (`flink run job.ts | head`): cancel, as SIGPIPE ends `yes | head`.
    const cli = executor;
    const offClosed = onOutputClosed((stream) => stream === process.stdout && cli.cancelAll('SIGPIPE'));
    // What the job file's code does outside every operator (see watchJobFileEscapes): a failure
    // of the running jobs' runs, or — with none running — of the job file (its top level may be
    // waiting for what a callback that threw would have done).
    let failFile: (err: JobFileError) => void = () => {};
    let escapedAfter: JobFileError | undefined;
    const uncaught = new Promise<never>((_, reject) => (failFile = (err) => {
      escapedAfter ??= err;
      reject(err);
    }));
    uncaught.catch(() => undefined);
    const offUncaught = watchJobFileEscapes(
      run.jobFile,
      () => cli.hasRunningJobs,
      (err) => cli.failRunning(err),
      failFile,
    );
    try {
      await Promise.race([runJobFile(run.jobFile, run.args), uncaught]);
    } catch (err) {
      error = err;
    } finally {
      await executor.settled();
      // Node reports a promise rejected in the job's last steps (or after its env.execute())
      // only once the microtasks have run, and a callback scheduled then for 0 ms in the next
      // timers phase: still watched here, or `flink run` would end 0 in silence where Node ends 1.
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (error === undefined && escapedAfter !== undefined) error = escapedAfter;
      executor.dispose();
      offClosed();
      offUncaught();
    }
  } catch (err) {
    error = err;
  }
  // 128 + the signal's number, as a shell reports a process that a signal ended.
  if (executor?.cancelledBy) return 128 + osConstants.signals[executor.cancelledBy];
  if (executor?.failure) throw executor.failure;
  // Cancelled from elsewhere (`flink cancel`, `flink web`): an attached run ends 1, as Flink's
  // client does (its execute() throws JobCancellationException). A detached job's process has
  // nobody to tell, and its log says so already.
  if (error instanceof JobCancelledError && run.preCreated !== undefined) error = undefined;
  if (error === undefined && executor?.started !== true) {
    error = new JobFileError(
      'job.noExecute',
      `Job file ${run.jobFile} finished without calling env.execute(): define the job, then run it with 'await env.execute(name)'.`,
    );
  }
  const unused = executor ? executor.unusedPreAcquired : preAcquired;
  if (unused) {
    // A detached job that failed before it ran: its row records why, not a generic cause.
    if (error !== undefined) {
      run.store.compareAndSetStatus(unused.jobId, 'FAILED', {
        epoch: unused.epoch,
        fields: {
          failureCause: error instanceof Error ? error.message : String(error),
          failureStack: error instanceof FlinkError ? (error.details ?? null) : error instanceof Error ? (error.stack ?? null) : null,
        },
      });
    }
    unused.stop();
  }
  if (error !== undefined) throw error;
  return 0;
}
