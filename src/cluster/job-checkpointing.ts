import { type CheckpointingModeName, CheckpointingOptions, type Configuration } from '../config/index.js';
import {
  type CompletedCheckpoint,
  type LoadedSnapshot,
  CheckpointCoordinator,
  CheckpointStatsRecorder,
  CompletedCheckpointStore,
  type CoordinatorSettings,
  FsCheckpointStorage,
  completedCheckpoint,
  loadSnapshot,
  realSchedule,
} from '../checkpoint/index.js';
import type { MetadataStore } from '../metadata/index.js';
import type { CheckpointResponder, JobExecution } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import { FlinkError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';

/** What a failover restores: the checkpoint used and the retained ones skipped because they failed to load. */
export interface RecoveredState<T> {
  readonly checkpointId: number;
  readonly path: string;
  readonly state: T;
  /** One line per newer checkpoint that could not be used: its id and the problem. */
  readonly skipped: readonly string[];
}

/**
 * Picks the newest of `retained` (oldest first, as the store keeps them) that `load`s and
 * `assign`s without error. A damaged latest checkpoint must not leave the job unable to
 * restart when an older retained one is intact; if none is, the error names each one tried.
 */
export function recoverFromRetained<S, T>(
  retained: readonly CompletedCheckpoint[],
  load: (path: string) => S,
  assign: (snapshot: S) => T,
): RecoveredState<T> | undefined {
  const problems: string[] = [];
  for (const c of [...retained].reverse()) {
    try {
      return { checkpointId: c.checkpointId, path: c.path, state: assign(load(c.path)), skipped: problems };
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
      problems.push(message.includes(c.path) ? `checkpoint ${c.checkpointId}: ${message}` : `checkpoint ${c.checkpointId} (${c.path}): ${message}`);
    }
  }
  if (problems.length === 0) return undefined;
  throw new FlinkError('checkpoint.recoveryFailed', `Cannot recover the job: no retained checkpoint can be restored; ${problems.join('; ')}`);
}

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
  private execution: JobExecution | undefined;
  private readonly stats: CheckpointStatsRecorder | undefined;
  readonly responder: CheckpointResponder = {
    acknowledge: (ack) => this.coordinator?.acknowledge(ack),
    decline: (id, task, reason) => this.coordinator?.decline(id, task, reason),
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
    },
  ) {
    this.storage = new FsCheckpointStorage(opts.config.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY), opts.jobId);
    this.stats =
      opts.metadata && new CheckpointStatsRecorder(opts.metadata, opts.jobId, (err) => opts.log(`cannot record checkpoint statistics: ${(err as Error).message}`));
    this.store = new CompletedCheckpointStore(opts.config.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS), this.storage, {
      discarded: (c) => this.stats?.discarded(c),
      deleteFailed: (message) => opts.log(`Retention: ${message}`),
    });
  }

  /**
   * Attaches a run of the job: the first creates the coordinator and starts periodic
   * checkpoints; a later one (after a failover) takes over, with ids continuing.
   */
  start(execution: JobExecution): void {
    const { opts } = this;
    this.execution = execution;
    if (this.coordinator) {
      this.coordinator.retarget(execution);
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
      target: execution,
      firstCheckpointId: opts.firstCheckpointId,
      stats: this.stats,
      onTooManyFailures: (reason) => this.execution?.fail(new Error(reason)),
    });
    this.coordinator.startPeriodic();
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
   * The state a run after a failure starts from: the newest retained checkpoint that loads and
   * maps onto the job (`assign`), falling back to older ones; undefined if none completed yet.
   *
   * @throws FlinkError (`checkpoint.recoveryFailed`) if no retained checkpoint can be used.
   */
  recover<T>(assign: (snapshot: LoadedSnapshot) => T): RecoveredState<T> | undefined {
    return recoverFromRetained(this.store.all(), loadSnapshot, assign);
  }

  /** Periodic checkpoints are configured. */
  get periodic(): boolean {
    return this.opts.config.get(CheckpointingOptions.CHECKPOINTING_INTERVAL) !== undefined;
  }

  /** The checkpoint taken when every task has finished; sinks commit their last data on it. */
  async finalCheckpoint(): Promise<void> {
    if (!this.coordinator) throw new Error('the job is not running');
    await this.coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
  }

  /** Takes a checkpoint now (`flink checkpoint`). */
  async checkpoint(full: boolean): Promise<{ checkpointId: number; path: string }> {
    if (!this.coordinator) throw new Error('the job is not running yet');
    const c = await this.coordinator.triggerCheckpoint({ kind: full ? 'FULL_CHECKPOINT' : 'CHECKPOINT' });
    return { checkpointId: c.checkpointId, path: c.path };
  }

  /** Stops checkpointing and applies the retention policy for how the job ended. */
  async stop(outcome: 'FINISHED' | 'CANCELED' | 'FAILED'): Promise<void> {
    // Waits for aborted checkpoints' directories to be gone, so none outlives the process.
    await this.coordinator?.shutdown();
    const retention = this.opts.config.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION);
    // Checkpoints of a failed job are always kept: they are what it recovers from.
    const discard =
      (outcome === 'CANCELED' && retention !== 'RETAIN_ON_CANCELLATION') ||
      (outcome === 'FINISHED' && retention === 'NO_EXTERNALIZED_CHECKPOINTS');
    if (discard) await this.store.discardAll().catch(() => undefined);
  }
}
