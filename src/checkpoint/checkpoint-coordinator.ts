import type { CheckpointOptions, CheckpointResponder, TaskAcknowledgement } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import { CheckpointFailedError, CheckpointFailureReason } from './checkpoint-failure.js';
import type { FsCheckpointStorage } from './checkpoint-storage.js';
import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import type { CompletedCheckpointStore } from './completed-checkpoint-store.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type OperatorMetadata, type SnapshotKind, type SnapshotMetadata } from './snapshot-metadata.js';
import { decideTrigger } from './trigger-decision.js';

/** The checkpoint settings the coordinator enforces. */
export interface CoordinatorSettings {
  /** Periodic interval in ms; undefined = only manual checkpoints and savepoints. */
  readonly interval: number | undefined;
  readonly timeout: number;
  readonly minPause: number;
  readonly maxConcurrent: number;
  readonly tolerableFailures: number;
  /** EXACTLY_ONCE: barriers are aligned. */
  readonly aligned: boolean;
}

/** The running job, as the coordinator drives it. */
export interface CheckpointTarget {
  readonly taskCount: number;
  triggerCheckpoint(checkpointId: number, timestamp: number, options: CheckpointOptions): void;
  notifyCheckpointComplete(checkpointId: number): void;
  abortCheckpoint(checkpointId: number): void;
}

/** Schedules a callback; returns a function that cancels it. Tests substitute a manual one. */
export type Schedule = (fn: () => void, delayMs: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
};

/** Receives every checkpoint's life for statistics (flink.db). */
export interface CheckpointStatsListener {
  triggered(id: number, kind: SnapshotKind, triggerTime: number, path: string): void;
  completed(c: CompletedCheckpoint, stats: { syncMs: number; asyncMs: number; alignmentMs: number; maxPauseMs: number }): void;
  failed(id: number, kind: SnapshotKind, reason: string, endTime: number): void;
}

/** Collaborators of the coordinator, all injected so tests can drive it with a fake clock. */
export interface CoordinatorDeps {
  readonly jobId: string;
  readonly jobName: string;
  readonly settings: CoordinatorSettings;
  readonly clock: Clock;
  readonly schedule: Schedule;
  readonly storage: Pick<FsCheckpointStorage, 'initializeLocation' | 'finalize' | 'discard' | 'discardPublished' | 'released'>;
  readonly store: CompletedCheckpointStore;
  readonly target: CheckpointTarget;
  /** The first id to use: 1, or one more than the restored checkpoint's. */
  readonly firstCheckpointId: number;
  readonly stats?: CheckpointStatsListener;
  /** Called when more consecutive checkpoints failed than tolerated; the job must fail. */
  readonly onTooManyFailures: (reason: string) => void;
}

interface PendingCheckpoint {
  readonly id: number;
  readonly kind: SnapshotKind;
  readonly triggerTime: number;
  readonly periodic: boolean;
  readonly acks: Map<number, TaskAcknowledgement>;
  readonly cancelTimeout: () => void;
  readonly resolve: (c: CompletedCheckpoint) => void;
  readonly reject: (e: Error) => void;
  finalizing: boolean;
  /** Aborted while `_metadata` was being written: it is deleted once that write settles. */
  aborted: boolean;
}

/** Options of one trigger. */
export interface TriggerRequest {
  readonly kind: SnapshotKind;
  /** Where a savepoint goes (its base directory). */
  readonly savepointDir?: string;
  readonly periodic?: boolean;
}

/**
 * Flink's CheckpointCoordinator for one job: triggers checkpoints (periodically and on
 * request), collects every task's acknowledgement, publishes `_metadata`, tells tasks the
 * checkpoint is complete, keeps the retained ones, and aborts on timeout, decline or I/O error.
 */
export class CheckpointCoordinator implements CheckpointResponder {
  private nextId: number;
  private readonly pending = new Map<number, PendingCheckpoint>();
  private consecutiveFailures = 0;
  private lastCompletionAt = -Infinity;
  private cancelTick: (() => void) | undefined;
  private stopped = false;
  private target: CheckpointTarget;
  /** Background work that must finish before the job's process may end: deletes, completions. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly deps: CoordinatorDeps) {
    this.nextId = deps.firstCheckpointId;
    this.target = deps.target;
  }

  /**
   * Points the coordinator at a new run of the job (after a failover): what was in flight is
   * aborted (without counting as failures); ids continue.
   */
  retarget(target: CheckpointTarget): void {
    for (const p of [...this.pending.values()]) this.abort(p, CheckpointFailureReason.JOB_ENDED, false);
    this.target = target;
  }

  /** Starts periodic checkpoints, the first one interval after now. */
  startPeriodic(): void {
    const interval = this.deps.settings.interval;
    if (interval !== undefined) this.scheduleTick(interval);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Triggers a checkpoint or savepoint now; resolves when it is complete. */
  triggerCheckpoint(request: TriggerRequest): Promise<CompletedCheckpoint> {
    const { deps } = this;
    if (this.stopped) return Promise.reject(new CheckpointFailedError(undefined, CheckpointFailureReason.NOT_RUNNING));
    const id = this.nextId++;
    const triggerTime = deps.clock.now();
    let dir: string;
    try {
      dir = deps.storage.initializeLocation(id, request.savepointDir);
    } catch (err) {
      const reason = `${CheckpointFailureReason.IO_EXCEPTION}: ${(err as Error).message}`;
      deps.stats?.failed(id, request.kind, reason, deps.clock.now());
      this.countFailure(request.periodic === true, reason);
      return Promise.reject(new CheckpointFailedError(id, reason));
    }
    deps.stats?.triggered(id, request.kind, triggerTime, dir);
    return new Promise<CompletedCheckpoint>((resolve, reject) => {
      const cancelTimeout = deps.schedule(() => {
        const p = this.pending.get(id);
        if (p && !p.finalizing) this.abort(p, CheckpointFailureReason.EXPIRED);
      }, deps.settings.timeout);
      const p: PendingCheckpoint = {
        id,
        kind: request.kind,
        triggerTime,
        periodic: request.periodic === true,
        acks: new Map(),
        cancelTimeout,
        resolve,
        reject,
        finalizing: false,
        aborted: false,
      };
      this.pending.set(id, p);
      const aligned = isSavepoint(request.kind) || deps.settings.aligned;
      try {
        this.target.triggerCheckpoint(id, triggerTime, { isSavepoint: isSavepoint(request.kind), aligned, full: request.kind !== 'CHECKPOINT' });
      } catch (err) {
        this.abort(p, `${CheckpointFailureReason.NOT_RUNNING} (${(err as Error).message})`, false);
      }
    });
  }

  acknowledge(ack: TaskAcknowledgement): void {
    const p = this.pending.get(ack.checkpointId);
    if (!p || p.finalizing) return;
    p.acks.set(ack.taskIndex, ack);
    if (p.acks.size === this.target.taskCount) void this.track(this.complete(p));
  }

  decline(checkpointId: number, taskIndex: number, reason: string): void {
    const p = this.pending.get(checkpointId);
    if (p) this.abort(p, `${CheckpointFailureReason.TASK_DECLINED} (task ${taskIndex}): ${reason}`);
  }

  /**
   * Stops triggering and aborts what is in flight (the job ended or is failing); resolves once
   * the aborted checkpoints' directories are deleted.
   */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    for (const p of [...this.pending.values()]) this.abort(p, CheckpointFailureReason.JOB_ENDED, false);
    // A checkpoint whose `_metadata` is being written, or whose completion is deleting older
    // ones, finishes first: the process must not end with a half-deleted directory.
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private scheduleTick(delay: number): void {
    if (this.stopped) return;
    this.cancelTick = this.deps.schedule(() => this.tick(), Math.max(0, delay));
  }

  private tick(): void {
    const { settings, clock } = this.deps;
    const decision = decideTrigger({
      now: clock.now(),
      pendingCount: this.pending.size,
      lastCompletionAt: this.lastCompletionAt,
      minPause: settings.minPause,
      maxConcurrent: settings.maxConcurrent,
    });
    if (decision.action === 'wait') {
      this.scheduleTick(decision.until - clock.now());
      return;
    }
    if (decision.action === 'trigger') {
      this.triggerCheckpoint({ kind: 'CHECKPOINT', periodic: true }).catch(() => undefined);
    }
    this.scheduleTick(settings.interval!);
  }

  private async complete(p: PendingCheckpoint): Promise<void> {
    const { deps } = this;
    p.finalizing = true;
    p.cancelTimeout();
    const acks = [...p.acks.values()];
    const byUid = new Map<string, OperatorMetadata & { subtasks: TaskAcknowledgement['handles'][number][] }>();
    for (const h of acks.flatMap((a) => a.handles)) {
      let op = byUid.get(h.uid);
      if (!op) {
        op = { uid: h.uid, name: h.name, parallelism: h.parallelism, maxParallelism: h.maxParallelism, subtasks: [] };
        byUid.set(h.uid, op);
      }
      op.subtasks.push(h);
    }
    for (const op of byUid.values()) op.subtasks.sort((a, b) => a.subtask - b.subtask);
    const metadata: SnapshotMetadata = {
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId: deps.jobId,
      jobName: deps.jobName,
      checkpointId: p.id,
      kind: p.kind,
      timestamp: p.triggerTime,
      operators: [...byUid.values()],
    };
    let path: string;
    try {
      path = await deps.storage.finalize(p.id, metadata);
    } catch (err) {
      if (p.aborted) {
        // abort() left the directory to us (it was being written): delete it now it settled.
        await deps.storage.discard(p.id).catch(() => undefined);
        return;
      }
      p.finalizing = false;
      this.abort(p, `${CheckpointFailureReason.IO_EXCEPTION}: ${(err as Error).message}`);
      return;
    }
    if (p.aborted) {
      // Shut down or failed over while `_metadata` was written: this checkpoint never counts.
      await deps.storage.discardPublished(p.id, path).catch(() => undefined);
      return;
    }
    this.pending.delete(p.id);
    deps.storage.released(p.id);
    // As in Flink, a completed checkpoint subsumes older pending ones (not savepoints): the
    // retained checkpoints stay in id order, and nothing builds on a state older than this one.
    for (const older of [...this.pending.values()]) {
      if (older.id < p.id && !isSavepoint(older.kind) && !older.finalizing) this.abort(older, CheckpointFailureReason.SUBSUMED, false);
    }
    const completedAt = deps.clock.now();
    this.lastCompletionAt = completedAt;
    if (p.periodic) this.consecutiveFailures = 0;
    const completed: CompletedCheckpoint = {
      checkpointId: p.id,
      kind: p.kind,
      path,
      triggerTime: p.triggerTime,
      completedAt,
      metadata,
      stateSize: acks.reduce((n, a) => n + a.stateSize, 0),
    };
    deps.stats?.completed(completed, {
      syncMs: Math.max(0, ...acks.map((a) => a.syncMs)),
      asyncMs: Math.max(0, ...acks.map((a) => a.asyncMs)),
      alignmentMs: Math.max(0, ...acks.map((a) => a.alignmentMs)),
      maxPauseMs: Math.max(0, ...acks.map((a) => a.maxPauseMs)),
    });
    if (!this.stopped) this.target.notifyCheckpointComplete(p.id);
    try {
      await deps.store.add(completed, this.pendingIds());
    } catch {
      // A failed delete of an old checkpoint leaves an extra directory; the new one stands.
    }
    p.resolve(completed);
  }

  private abort(p: PendingCheckpoint, reason: string, countsAsFailure = true): void {
    if (!this.pending.delete(p.id)) return;
    p.cancelTimeout();
    this.target.abortCheckpoint(p.id);
    // A checkpoint whose `_metadata` is being written is deleted when that write settles, not
    // now: deleting under the write could race it.
    if (p.finalizing) p.aborted = true;
    else this.track(this.deps.storage.discard(p.id));
    // Shared files an incremental checkpoint in flight might have used may go now.
    this.track(this.deps.store.settle(this.pendingIds()));
    this.deps.stats?.failed(p.id, p.kind, reason, this.deps.clock.now());
    this.lastCompletionAt = this.deps.clock.now();
    p.reject(new CheckpointFailedError(p.id, reason));
    if (countsAsFailure) this.countFailure(p.periodic, reason);
  }

  private pendingIds(): number[] {
    return [...this.pending.keys()];
  }

  private track(work: Promise<void>): Promise<unknown> {
    const p = work.catch(() => undefined);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  private countFailure(periodic: boolean, reason: string): void {
    if (!periodic || this.stopped) return;
    this.consecutiveFailures++;
    if (this.consecutiveFailures > this.deps.settings.tolerableFailures) {
      this.deps.onTooManyFailures(
        `Exceeded checkpoint tolerable failure threshold (${this.deps.settings.tolerableFailures}); last failure: ${reason}`,
      );
    }
  }
}
