import type { CheckpointOptions, CheckpointResponder, DeclineCause, TaskAcknowledgement } from '../state/index.js';
import type { Clock } from '../util/clock.js';
import { CheckpointFailedError, CheckpointFailureReason } from './checkpoint-failure.js';
import { CheckpointFailureManager } from './checkpoint-failure-manager.js';
import type { FsCheckpointStorage } from './checkpoint-storage.js';
import { type CompletedCheckpoint, completedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import type { CompletedCheckpointStore } from './completed-checkpoint-store.js';
import { type CheckpointDurations, PendingCheckpoint } from './pending-checkpoint.js';
import type { SnapshotKind, SnapshotMetadata } from './snapshot-metadata.js';
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
  /** `completed`: the snapshot, so the job knows a savepoint that stops it has committed. */
  notifyCheckpointComplete(checkpointId: number, completed?: CompletedCheckpoint): void;
  abortCheckpoint(checkpointId: number): void;
  /** True while the trigger of `checkpointId` waits for tasks still starting (none has seen it). */
  isTriggerHeld?(checkpointId: number): boolean;
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
  /** May throw for a savepoint it cannot record: the savepoint then fails (nothing commits). */
  completed(c: CompletedCheckpoint, durations: CheckpointDurations): void;
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

/** Options of one trigger. */
export interface TriggerRequest {
  readonly kind: SnapshotKind;
  /** Where a savepoint goes (its base directory). */
  readonly savepointDir?: string;
  readonly periodic?: boolean;
  /** The job's final checkpoint (see {@link CheckpointCoordinator.triggerFinalCheckpoint}). */
  readonly final?: boolean;
}

/** Checkpoint requests that may wait for room under max-concurrent at once (Flink's CheckpointRequestDecider's default). */
const MAX_QUEUED_REQUESTS = 1000;

/**
 * Flink's CheckpointCoordinator for one job: triggers checkpoints (periodically and on
 * request), collects every task's acknowledgement into its PendingCheckpoint, publishes
 * `_metadata`, tells tasks the checkpoint is complete, keeps the retained ones, and aborts on
 * timeout, decline or I/O error.
 */
export class CheckpointCoordinator implements CheckpointResponder {
  private nextId: number;
  private readonly pending = new Map<number, PendingCheckpoint>();
  /** Counts failures towards the tolerable number; knows the newest checkpoint that completed. */
  private readonly failures: CheckpointFailureManager;
  /** Ends the final checkpoint's wait before its next attempt (shutdown: the attempt then fails at once). */
  private wakeFinal: (() => void) | undefined;
  private lastCompletionAt = -Infinity;
  private cancelTick: (() => void) | undefined;
  /** A periodic trigger found max-concurrent checkpoints in flight: it runs when one ends (as Flink queues it). */
  private periodicQueued = false;
  /** Checkpoints asked for (`flink checkpoint`, the final one) while max-concurrent were in flight, in order. */
  private readonly queued: Array<{ readonly request: TriggerRequest; readonly settle: (c: Promise<CompletedCheckpoint>) => void }> = [];
  private stopped = false;
  /**
   * The run's final checkpoint completed: its tasks close next, and no checkpoint is triggered
   * any more (until a failover's next run, {@link retarget}). Flink's task closes once told of its
   * final checkpoint and takes no later one; triggered here, finished tasks would snapshot a
   * checkpoint their functions never hear the end of (`close()` comes first), and a function that
   * prepares a transaction per snapshot would leave one prepared.
   */
  private tasksDone = false;
  /** A stop-with-savepoint is in progress: no checkpoint but savepoints and the final one (see {@link suspendPeriodic}). */
  private suspended = false;
  /** The pending checkpoints that are the job's final one (see {@link triggerFinalCheckpoint}). */
  private readonly finalIds = new Set<number>();
  private target: CheckpointTarget;
  /** Background work that must finish before the job's process may end: deletes, completions. */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly deps: CoordinatorDeps) {
    this.nextId = deps.firstCheckpointId;
    this.target = deps.target;
    this.failures = new CheckpointFailureManager(deps.settings.tolerableFailures, deps.onTooManyFailures);
  }

  /**
   * Points the coordinator at a new run of the job (after a failover): what was in flight is
   * aborted (without counting as failures); ids continue.
   */
  retarget(target: CheckpointTarget): void {
    for (const p of [...this.pending.values()]) this.abort(p, CheckpointFailureReason.JOB_ENDED, false);
    this.target = target;
    this.resumeAfterFinal();
  }

  /** A new run (or the job going on after a failed stop) after its final checkpoint: periodic checkpoints again, the first one interval after now. */
  private resumeAfterFinal(): void {
    if (!this.tasksDone) return;
    this.tasksDone = false;
    this.startPeriodic();
  }

  /** Starts periodic checkpoints, the first one interval after now. */
  startPeriodic(): void {
    const interval = this.deps.settings.interval;
    if (interval !== undefined) this.scheduleTick(interval);
  }

  /**
   * A stop-with-savepoint begins (Flink's stopCheckpointScheduler): no periodic checkpoint — nor,
   * unlike Flink, a manual one — is triggered until {@link resumePeriodic}, and those in flight or
   * queued are aborted (not counted as failures). A checkpoint triggered once the stop has paused or drained
   * the sources would hold their state after it: after a drain, the windows it fired early and
   * the timers it kept; should the stop's savepoint then fail, the job would restart from there
   * instead of from where it ran before the stop. Savepoints and the job's final checkpoint go on.
   */
  suspendPeriodic(): void {
    this.suspended = true;
    this.cancelTick?.();
    this.cancelTick = undefined;
    this.periodicQueued = false;
    const keep: typeof this.queued = [];
    for (const q of this.queued.splice(0)) {
      if (this.suspends(q.request)) q.settle(Promise.reject(new CheckpointFailedError(undefined, CheckpointFailureReason.COORDINATOR_SUSPENDED)));
      else keep.push(q);
    }
    this.queued.push(...keep);
    for (const p of [...this.pending.values()]) {
      // One writing its `_metadata` holds what every task had before the stop: it completes.
      if (!isSavepoint(p.kind) && !this.finalIds.has(p.id) && p.status !== 'FINALIZING') this.abort(p, CheckpointFailureReason.COORDINATOR_SUSPENDED, false);
    }
  }

  /** The stop-with-savepoint failed and the job goes on (or restarts): periodic checkpoints again, the first one interval after now. */
  resumePeriodic(): void {
    if (!this.suspended) return;
    this.suspended = false;
    // A failed stop after its final checkpoint completed: the job goes on, checkpointing again.
    this.tasksDone = false;
    this.startPeriodic();
  }

  /** Whether a suspension holds `request` back: any checkpoint but the final one. */
  private suspends(request: TriggerRequest): boolean {
    return !isSavepoint(request.kind) && request.final !== true;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Triggers a checkpoint or savepoint now; resolves when it is complete. Its directory is
   * created first, without blocking the event loop; then the tasks are triggered.
   */
  triggerCheckpoint(request: TriggerRequest): Promise<CompletedCheckpoint> {
    const { deps } = this;
    if (this.stopped || this.tasksDone) return Promise.reject(new CheckpointFailedError(undefined, CheckpointFailureReason.NOT_RUNNING));
    if (this.suspended && this.suspends(request)) return Promise.reject(new CheckpointFailedError(undefined, CheckpointFailureReason.COORDINATOR_SUSPENDED));
    // A checkpoint that is not periodic (full or not) waits for room under max-concurrent (Flink
    // queues requests that are not forced); a savepoint is forced and starts at once.
    if (!isSavepoint(request.kind) && request.periodic !== true && this.pending.size >= deps.settings.maxConcurrent) {
      // At most as many waiting as Flink's CheckpointRequestDecider keeps; more are refused (not counted as failures).
      if (this.queued.length >= MAX_QUEUED_REQUESTS) return Promise.reject(new CheckpointFailedError(undefined, CheckpointFailureReason.TOO_MANY_CHECKPOINT_REQUESTS));
      return new Promise<CompletedCheckpoint>((resolve, reject) => {
        this.queued.push({ request, settle: (c) => c.then(resolve, reject) });
      });
    }
    // As Flink's CheckpointFailureManager: every checkpoint's failure counts (periodic, `flink
    // checkpoint`, the final one), a savepoint's never (a manual action a failover would not help).
    const p = new PendingCheckpoint(this.nextId++, request.kind, deps.clock.now(), !isSavepoint(request.kind), this.target.taskCount);
    this.pending.set(p.id, p);
    if (request.final === true) this.finalIds.add(p.id);
    p.cancelTimeout = deps.schedule(() => {
      if (p.status !== 'INITIALIZING' && p.status !== 'IN_PROGRESS') return;
      // One whose trigger never reached a task (worker threads still starting) failed before it
      // began, as Flink refuses a trigger while not all tasks run (NOT_ALL_REQUIRED_TASKS_RUNNING,
      // a pre-flight failure its CheckpointFailureManager does not count): a job whose workers
      // start slower than the timeout must not fail for it.
      if (this.target.isTriggerHeld?.(p.id) === true) this.abort(p, CheckpointFailureReason.EXPIRED_BEFORE_RUNNING, false);
      else this.abort(p, CheckpointFailureReason.EXPIRED);
    }, deps.settings.timeout);
    void this.track(this.start(p, request.savepointDir));
    return p.completion;
  }

  /**
   * The checkpoint taken once every task has finished, on which sinks commit their last data
   * (Flink's final checkpoint, FLIP-147, where finished tasks wait for the next periodic
   * checkpoint): it waits for room under max-concurrent like a manual one; its failure counts
   * towards the tolerable number like any checkpoint's, and a failure tolerated (or a newer
   * barrier overtaking it) is followed by another attempt an interval later, as Flink's scheduler
   * triggers the next one. Resolves once an attempt completes, or a newer checkpoint completed
   * first (taken after the tasks finished, it commits the same); rejects with the attempt's error
   * once a failure is not tolerated (the job then fails over), or one that does not count (the
   * job is ending), or on shutdown.
   */
  async triggerFinalCheckpoint(): Promise<void> {
    for (;;) {
      const { failedAttempts: failed, failoversAsked: failovers } = this.failures;
      try {
        await this.triggerCheckpoint({ kind: 'CHECKPOINT', final: true });
        return;
      } catch (err) {
        if (err instanceof CheckpointFailedError && err.reason === CheckpointFailureReason.SUBSUMED) return;
        if (this.stopped || this.failures.failedAttempts === failed || this.failures.failoversAsked !== failovers) throw err;
      }
      await new Promise<void>((resume) => {
        const cancel = this.deps.schedule(() => {
          this.wakeFinal = undefined;
          resume();
        }, this.deps.settings.interval ?? 0);
        this.wakeFinal = () => {
          cancel();
          this.wakeFinal = undefined;
          resume();
        };
      });
    }
  }

  /** Creates the checkpoint's location, then triggers the tasks. */
  private async start(p: PendingCheckpoint, savepointDir: string | undefined): Promise<void> {
    const { deps } = this;
    let dir: string;
    try {
      dir = await deps.storage.initializeLocation(p.id, savepointDir);
    } catch (err) {
      this.abort(p, `${CheckpointFailureReason.IO_EXCEPTION}: ${(err as Error).message}`);
      return;
    }
    if (p.status === 'ABORTED') {
      // Aborted (shut down, timed out) while its directory was being created.
      await deps.storage.discard(p.id);
      return;
    }
    p.triggered();
    deps.stats?.triggered(p.id, p.kind, p.triggerTime, dir);
    const savepoint = isSavepoint(p.kind);
    const latestCompleted = this.failures.lastCompletedId;
    try {
      this.target.triggerCheckpoint(p.id, p.triggerTime, {
        isSavepoint: savepoint,
        aligned: savepoint || deps.settings.aligned,
        full: p.kind !== 'CHECKPOINT',
        ...(latestCompleted >= 0 ? { latestCompleted } : {}),
      });
    } catch (err) {
      this.abort(p, `${CheckpointFailureReason.NOT_RUNNING} (${(err as Error).message})`, false);
    }
  }

  acknowledge(ack: TaskAcknowledgement): void {
    const p = this.pending.get(ack.checkpointId);
    if (p?.acknowledge(ack) === 'SUCCESS' && p.isFullyAcknowledged) void this.track(this.complete(p));
  }

  decline(checkpointId: number, taskIndex: number, reason: string, cause: DeclineCause = 'error'): void {
    const p = this.pending.get(checkpointId);
    if (!p) return;
    // Overtaken by a newer barrier, the checkpoint did not fail: Flink does not count CHECKPOINT_DECLINED_SUBSUMED.
    this.abort(p, `${CheckpointFailureReason.TASK_DECLINED} (task ${taskIndex}): ${reason}`, cause === 'error');
    if (cause === 'subsumed') this.failures.handleOvertaken();
  }

  /**
   * Stops triggering and aborts what is in flight (the job ended or is failing); resolves once
   * the aborted checkpoints' directories are deleted.
   */
  async shutdown(): Promise<void> {
    this.stopped = true;
    this.cancelTick?.();
    this.wakeFinal?.();
    for (const q of this.queued.splice(0)) q.settle(Promise.reject(new CheckpointFailedError(undefined, CheckpointFailureReason.NOT_RUNNING)));
    for (const p of [...this.pending.values()]) this.abort(p, CheckpointFailureReason.JOB_ENDED, false);
    // A checkpoint whose `_metadata` is being written, or whose completion is deleting older
    // ones, finishes first: the process must not end with a half-deleted directory.
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  private scheduleTick(delay: number): void {
    if (this.stopped || this.suspended || this.tasksDone) return;
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
    if (decision.action === 'skip') {
      this.periodicQueued = true;
      return;
    }
    this.triggerCheckpoint({ kind: 'CHECKPOINT', periodic: true }).catch(() => undefined);
    this.scheduleTick(settings.interval!);
  }

  /**
   * A checkpoint left the pending ones: what waited for room goes now — the checkpoints asked
   * for first, then a queued periodic trigger (which min-pause may still delay). After the
   * current call, so that a failover's retarget has its new run in place.
   */
  private roomMade(): void {
    queueMicrotask(() => {
      if (this.stopped) return;
      while (this.queued.length > 0 && this.pending.size < this.deps.settings.maxConcurrent) {
        const q = this.queued.shift()!;
        q.settle(this.triggerCheckpoint(q.request));
      }
      if (this.periodicQueued && this.pending.size < this.deps.settings.maxConcurrent) {
        this.periodicQueued = false;
        this.cancelTick?.();
        this.tick();
      }
    });
  }

  /** Every task acknowledged: publish, then count the checkpoint as complete. */
  private async complete(p: PendingCheckpoint): Promise<void> {
    p.startFinalizing();
    const metadata = p.metadata(this.deps.jobId, this.deps.jobName);
    // A fence: a task built on files retention let go of (it must not, see latestCompleted in
    // the trigger); published, this checkpoint could never be restored.
    const unheld = await this.deps.store.unheldSharedFiles(metadata);
    if (unheld.length > 0) {
      if (p.status !== 'ABORTED') this.abort(p, `${CheckpointFailureReason.SHARED_STATE_DISCARDED}: ${unheld.slice(0, 3).join(', ')}`);
      await this.deps.storage.discard(p.id).catch(() => undefined);
      return;
    }
    const path = await this.publish(p, metadata);
    if (path === undefined) return;
    const completed = completedCheckpoint(metadata, { path, triggerTime: p.triggerTime, completedAt: this.deps.clock.now() });
    try {
      this.deps.stats?.completed(completed, p.durations());
    } catch (err) {
      // A savepoint that flink.db could not record must not let the sinks commit: a run from
      // the job's id after a crash (`-s <jobId>`) looks it up there, found no savepoint, and
      // would restore the checkpoint before it (checkpoints are found on disk too).
      this.abort(p, `${CheckpointFailureReason.IO_EXCEPTION}: cannot record the savepoint: ${(err as Error).message}`);
      await this.deps.storage.discardPublished(p.id, path).catch(() => undefined);
      return;
    }
    this.settleCompleted(p, completed);
    await this.deps.store.add(completed, this.pendingIds());
    // Sinks commit only once the store holds the snapshot: a failure restores the newest one it
    // holds (a savepoint too, while no checkpoint is newer), and output committed beyond that
    // would be written again.
    if (!this.stopped) this.target.notifyCheckpointComplete(p.id, completed);
    p.complete(completed);
  }

  /**
   * Writes `_metadata`; the checkpoint's path, or undefined if it does not count: the write
   * failed, or the checkpoint was aborted meanwhile (then it is deleted here, now the write
   * has settled: deleting under the write could race it).
   */
  private async publish(p: PendingCheckpoint, metadata: SnapshotMetadata): Promise<string | undefined> {
    const { storage } = this.deps;
    let path: string;
    try {
      path = await storage.finalize(p.id, metadata);
    } catch (err) {
      if (p.status !== 'ABORTED') this.abort(p, `${CheckpointFailureReason.IO_EXCEPTION}: ${(err as Error).message}`);
      await storage.discard(p.id).catch(() => undefined);
      return undefined;
    }
    if (p.status === 'ABORTED') {
      await storage.discardPublished(p.id, path).catch(() => undefined);
      return undefined;
    }
    return path;
  }

  /**
   * The checkpoint counts: it leaves the pending ones and, as in Flink, subsumes older pending
   * checkpoints (not savepoints), so the retained checkpoints stay in id order and nothing
   * builds on a state older than this one.
   */
  private settleCompleted(p: PendingCheckpoint, completed: CompletedCheckpoint): void {
    // It ends the final checkpoint's wait if it is the final one, or subsumes one (see triggerFinalCheckpoint).
    const endsFinal = [...this.finalIds].some((id) => id === p.id || (id < p.id && this.pending.get(id)?.status !== 'FINALIZING'));
    if (endsFinal) {
      this.tasksDone = true;
      this.cancelTick?.();
      this.cancelTick = undefined;
      this.periodicQueued = false;
    }
    this.pending.delete(p.id);
    this.finalIds.delete(p.id);
    this.deps.storage.released(p.id);
    for (const older of [...this.pending.values()]) {
      if (older.id < p.id && !isSavepoint(older.kind) && older.status !== 'FINALIZING') this.abort(older, CheckpointFailureReason.SUBSUMED, false);
    }
    this.lastCompletionAt = completed.completedAt;
    this.failures.handleSuccess(p.id);
    this.roomMade();
  }

  private abort(p: PendingCheckpoint, reason: string, countsAsFailure = true): void {
    const was = p.abort(reason);
    if (was === undefined || !this.pending.delete(p.id)) return;
    this.finalIds.delete(p.id);
    this.roomMade();
    this.target.abortCheckpoint(p.id);
    // A checkpoint whose directory is being created is deleted when that settles (start), one
    // whose `_metadata` is being written when that write settles (publish).
    if (was === 'IN_PROGRESS') this.track(this.deps.storage.discard(p.id));
    // Shared files an incremental checkpoint in flight might have used may go now.
    this.track(this.deps.store.settle(this.pendingIds()));
    this.deps.stats?.failed(p.id, p.kind, reason, this.deps.clock.now());
    // A savepoint's failure never counts (a manual action a failover would not help), nor one once the job is ending.
    if (countsAsFailure && p.counted && !this.stopped) this.failures.handleFailure(p.id, reason);
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
}
