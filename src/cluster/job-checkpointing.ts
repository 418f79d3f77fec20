import { renameSync, rmSync } from 'node:fs';
import { type CheckpointingModeName, CheckpointingOptions, type Configuration } from '../config/index.js';
import {
  type CheckpointTarget,
  type CompletedCheckpoint,
  type LoadedSnapshot,
  type RecoveredState,
  type WriteSteps,
  CheckpointCoordinator,
  CheckpointStatsRecorder,
  CompletedCheckpointStore,
  type CoordinatorSettings,
  FsCheckpointStorage,
  completedCheckpoint,
  discardsCheckpointsOnEnd,
  loadSnapshot,
  nodeWriteSteps,
  realSchedule,
  recoverFromRetained,
} from '../checkpoint/index.js';
import type { MetadataStore } from '../metadata/index.js';
import type { CheckpointResponder, JobRun } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import type { JobId } from '../util/ids.js';
import type { CommitFence } from './job-fence.js';

/** The checkpoint settings of a configuration. */
export function coordinatorSettings(config: Configuration): CoordinatorSettings {
  const mode: CheckpointingModeName = config.get(CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE);
  return {
    interval: config.get(CheckpointingOptions.CHECKPOINTING_INTERVAL),
    timeout: config.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT),
    minPause: config.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS),
    maxConcurrent: config.get(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS),
    tolerableFailures: config.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER),
    aligned: mode === 'EXACTLY_ONCE',
  };
}

/**
 * A job's checkpointing: storage under `execution.checkpointing.dir/<jobId>`, the retained
 * checkpoints, and the coordinator. The JobExecution is attached once it exists, because the
 * tasks answer the coordinator (a responder is needed to build them).
 */
export class JobCheckpointing {
  readonly storage: FsCheckpointStorage;
  readonly store: CompletedCheckpointStore;
  private coordinator: CheckpointCoordinator | undefined;
  private execution: JobRun | undefined;
  private readonly stats: CheckpointStatsRecorder | undefined;
  /**
   * The path of the savepoint of a stop (suspend or drain) once the tasks were told to commit
   * it: from then on the job is stopped, and a failure must not restart it from an older
   * checkpoint (what the savepoint committed would be written again).
   */
  stoppedWith: string | undefined;
  readonly responder: CheckpointResponder = {
    acknowledge: (ack) => this.coordinator?.acknowledge(ack),
    decline: (id, task, reason, cause) => this.coordinator?.decline(id, task, reason, cause),
  };

  constructor(
    private readonly opts: {
      readonly jobId: JobId;
      readonly jobName: string;
      readonly config: Configuration;
      readonly clock: Clock;
      readonly metadata: MetadataStore | undefined;
      /** One more than the restored checkpoint's id, or 1. */
      readonly firstCheckpointId: number;
      readonly log: (line: string) => void;
      /** The job's fencing token in this process; unset for an untracked run (no other process can own it). */
      readonly fence?: CommitFence;
    },
  ) {
    const steps = opts.fence ? fencedWriteSteps(nodeWriteSteps, opts.fence) : nodeWriteSteps;
    this.storage = new FsCheckpointStorage(opts.config.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY), opts.jobId, steps);
    this.stats =
      opts.metadata && new CheckpointStatsRecorder(opts.metadata, opts.jobId, (err) => opts.log(`cannot record checkpoint statistics: ${(err as Error).message}`));
    // Retention deletes through the storage's steps: fenced, a process that lost the job deletes
    // nothing the new owner may restore from (it logs, and the checkpoint stays undiscarded).
    this.store = new CompletedCheckpointStore(opts.config.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS), this.storage, {
      discarded: (c) => this.stats?.discarded(c),
      deleteFailed: (message) => opts.log(`Retention: ${message}`),
    });
  }

  /**
   * Attaches a run of the job: the first creates the coordinator and starts periodic
   * checkpoints; a later one (after a failover) takes over, with ids continuing.
   */
  start(execution: JobRun): void {
    const { opts } = this;
    this.execution = execution;
    const target = this.fencedTarget(execution);
    if (this.coordinator) {
      this.coordinator.retarget(target);
      return;
    }
    this.coordinator = new CheckpointCoordinator({
      jobId: opts.jobId,
      jobName: opts.jobName,
      settings: coordinatorSettings(opts.config),
      clock: opts.clock,
      schedule: realSchedule,
      storage: this.storage,
      store: this.store,
      target,
      firstCheckpointId: opts.firstCheckpointId,
      stats: this.stats,
      onTooManyFailures: (reason) => this.execution?.fail(new Error(reason)),
    });
    this.coordinator.startPeriodic();
  }

  /** A stop-with-savepoint begins: no checkpoint until {@link resumePeriodic} (see CheckpointCoordinator.suspendPeriodic). */
  suspendPeriodic(): void {
    this.coordinator?.suspendPeriodic();
  }

  /** The stop-with-savepoint failed: periodic checkpoints go on. */
  resumePeriodic(): void {
    this.coordinator?.resumePeriodic();
  }

  /** Takes a savepoint now (`flink savepoint`, `flink stop`) into `dir` or `execution.checkpointing.savepoint-dir`. */
  async savepoint(dir: string | undefined, kind: 'SAVEPOINT' | 'SAVEPOINT_SUSPEND' | 'SAVEPOINT_TERMINATE' = 'SAVEPOINT'): Promise<{ checkpointId: number; path: string }> {
    if (!this.coordinator) throw new Error('the job is not running yet');
    const target = dir ?? this.opts.config.get(CheckpointingOptions.SAVEPOINT_DIRECTORY);
    const c = await this.coordinator.triggerCheckpoint({ kind, savepointDir: target });
    return { checkpointId: c.checkpointId, path: c.path };
  }

  /** `--claim-mode claim`: the job owns the snapshot it was restored from and may delete it. */
  async claim(snapshot: LoadedSnapshot): Promise<void> {
    const m = snapshot.metadata;
    await this.store.claim(completedCheckpoint(m, { path: snapshot.dir, triggerTime: m.timestamp, completedAt: m.timestamp }));
  }

  /**
   * The state a run after a failure starts from: the newest retained checkpoint — or savepoint,
   * while none is newer — that loads and maps onto the job (`assign`), falling back to older
   * ones; undefined if none completed yet.
   *
   * @throws SnapshotRestoreError (`checkpoint.recoveryFailed`) if no retained checkpoint can be used.
   */
  recover<T>(assign: (snapshot: LoadedSnapshot) => T): RecoveredState<T> | undefined {
    return recoverFromRetained(this.store.recoveryCandidates(), loadSnapshot, assign);
  }

  /** Periodic checkpoints are configured. */
  get periodic(): boolean {
    return this.opts.config.get(CheckpointingOptions.CHECKPOINTING_INTERVAL) !== undefined;
  }

  /** The checkpoint taken when every task has finished; sinks commit their last data on it (retried as Flink's, see CheckpointCoordinator.triggerFinalCheckpoint). */
  async finalCheckpoint(): Promise<void> {
    if (!this.coordinator) throw new Error('the job is not running');
    await this.coordinator.triggerFinalCheckpoint();
  }

  /** Takes a checkpoint now (`flink checkpoint`). */
  async checkpoint(full: boolean): Promise<{ checkpointId: number; path: string }> {
    if (!this.coordinator) throw new Error('the job is not running yet');
    const c = await this.coordinator.triggerCheckpoint({ kind: full ? 'FULL_CHECKPOINT' : 'CHECKPOINT' });
    return { checkpointId: c.checkpointId, path: c.path };
  }

  /**
   * Stops checkpointing and applies the retention policy for how the job ended — unless the
   * process lost the job (`outcome` undefined, or fenced): then nothing is deleted.
   */
  async stop(outcome: 'FINISHED' | 'CANCELED' | 'FAILED' | undefined): Promise<void> {
    // Waits for aborted checkpoints' directories to be gone, so none outlives the process.
    await this.coordinator?.shutdown();
    if (outcome === undefined) return;
    const retention = this.opts.config.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION);
    if (discardsCheckpointsOnEnd(outcome, retention) && this.mayCommit('delete its retained checkpoints')) {
      await this.store.discardAll().catch(() => undefined);
    }
  }

  /** True if this process still owns the job (always, untracked); logs why not otherwise. */
  private mayCommit(action: string): boolean {
    try {
      this.opts.fence?.check(action);
      return true;
    } catch (err) {
      this.opts.log(`Not allowed to ${action}: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * The run as the coordinator drives it, with the fence checked right before tasks are told a
   * checkpoint is complete: that call commits the sinks, synchronously, so a process that lost
   * the job commits nothing. A skipped notification is made up by the next checkpoint's (sinks
   * commit everything up to the checkpoint they are told of) or by a restore.
   */
  private fencedTarget(execution: JobRun): CheckpointTarget {
    return {
      get taskCount() {
        return execution.taskCount;
      },
      triggerCheckpoint: (id, timestamp, options) => execution.triggerCheckpoint(id, timestamp, options),
      notifyCheckpointComplete: (id, completed) => {
        if (completed?.kind === 'SAVEPOINT_SUSPEND' || completed?.kind === 'SAVEPOINT_TERMINATE') this.stoppedWith = completed.path;
        if (this.mayCommit(`commit checkpoint ${id}`)) execution.notifyCheckpointComplete(id);
      },
      abortCheckpoint: (id) => execution.abortCheckpoint(id),
      isTriggerHeld: (id) => execution.isTriggerHeld?.(id) === true,
    };
  }
}

/**
 * Write steps whose rename — the step that publishes a checkpoint's `_metadata` — first checks
 * that this process still owns the job, and whose removals fail once it does not (retention
 * then logs that it could not delete, and leaves the checkpoint to the new owner).
 *
 * The publishing rename runs synchronously, right after the check: a rename handed to libuv's
 * thread pool waits behind the pool's other work (state files' writes and fsyncs, tens of ms on
 * a loaded disk), and a process frozen (SIGSTOP) in that wait published the checkpoint on waking,
 * after another process had declared the job lost (a full-suite run caught it). Now the only
 * window is between the check's return and the system call, as for the sinks' commits.
 */
export function fencedWriteSteps(
  steps: WriteSteps,
  fence: CommitFence,
  renameNow: (from: string, to: string) => void = renameSync,
  removeNow: (path: string) => void = removeFileSync,
): WriteSteps {
  return {
    writeAndSync: (path, data) => steps.writeAndSync(path, data),
    rename: async (from, to) => {
      fence.check('publish a checkpoint');
      renameNow(from, to);
    },
    syncDir: (dir) => steps.syncDir(dir),
    // Synchronous for the same reason as the rename: retention deletes a checkpoint's `_metadata`
    // (then its shared files) this way, and an unlink queued on the thread pool ran on waking.
    remove: async (path) => {
      fence.check('delete checkpoint files');
      removeNow(path);
    },
    removeDir: async (path) => {
      fence.check('delete checkpoint files');
      await steps.removeDir(path);
    },
  };
}

/** Removes a file; a missing one is fine (as WriteSteps.remove). */
function removeFileSync(path: string): void {
  rmSync(path, { force: true });
}
