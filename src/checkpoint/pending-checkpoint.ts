import type { OperatorIdentity, OperatorStateHandle, TaskAcknowledgement } from '../state/index.js';
import { CheckpointFailedError } from './checkpoint-failure.js';
import type { CompletedCheckpoint } from './completed-checkpoint.js';
import { SNAPSHOT_FORMAT_VERSION, SNAPSHOT_MAGIC, type OperatorMetadata, type SnapshotKind, type SnapshotMetadata } from './snapshot-metadata.js';

/** The durations of a completed checkpoint, over its tasks (the longest of each). */
export interface CheckpointDurations {
  readonly syncMs: number;
  readonly asyncMs: number;
  readonly alignmentMs: number;
  readonly maxPauseMs: number;
}

/**
 * Where a pending checkpoint is in its life (after Flink's PendingCheckpoint): `INITIALIZING`
 * while its directory is created → `IN_PROGRESS` once the tasks are triggered, collecting their
 * acknowledgements → `FINALIZING` while `_metadata` is written → `COMPLETED`; or `ABORTED` from
 * any of the first three (the directory is deleted by whoever holds it: an abort while it is
 * being created or `_metadata` written is carried out when that settles).
 */
export type PendingCheckpointStatus = 'INITIALIZING' | 'IN_PROGRESS' | 'FINALIZING' | 'COMPLETED' | 'ABORTED';

/** What became of a task's acknowledgement (Flink's TaskAcknowledgeResult). */
export type AcknowledgeResult = 'SUCCESS' | 'DUPLICATE' | 'UNKNOWN' | 'DISCARDED';

/** A checkpoint triggered and not yet complete or aborted. */
export class PendingCheckpoint {
  private currentStatus: PendingCheckpointStatus = 'INITIALIZING';
  private readonly acks = new Map<number, TaskAcknowledgement>();
  /** Settles when the checkpoint completes (or rejects with CheckpointFailedError). */
  readonly completion: Promise<CompletedCheckpoint>;
  private resolve!: (c: CompletedCheckpoint) => void;
  private reject!: (e: Error) => void;
  /** Cancels the checkpoint's timeout; set once it is scheduled. */
  cancelTimeout: () => void = () => {};

  constructor(
    readonly id: number,
    readonly kind: SnapshotKind,
    readonly triggerTime: number,
    /** Its failure counts towards the tolerable number: a checkpoint, not a savepoint. */
    readonly counted: boolean,
    /** The tasks that must acknowledge. */
    readonly taskCount: number,
  ) {
    this.completion = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get status(): PendingCheckpointStatus {
    return this.currentStatus;
  }

  /** Records task `ack.taskIndex`'s acknowledgement. */
  acknowledge(ack: TaskAcknowledgement): AcknowledgeResult {
    if (this.currentStatus !== 'IN_PROGRESS') return 'DISCARDED';
    if (!Number.isInteger(ack.taskIndex) || ack.taskIndex < 0 || ack.taskIndex >= this.taskCount) return 'UNKNOWN';
    if (this.acks.has(ack.taskIndex)) return 'DUPLICATE';
    this.acks.set(ack.taskIndex, ack);
    return 'SUCCESS';
  }

  get isFullyAcknowledged(): boolean {
    return this.acks.size === this.taskCount;
  }

  /** The acknowledgements, in task order. */
  acknowledgements(): TaskAcknowledgement[] {
    return [...this.acks.values()].sort((a, b) => a.taskIndex - b.taskIndex);
  }

  /**
   * The `_metadata` of the fully acknowledged checkpoint: handles grouped by operator uid,
   * subtasks in order; an operator that wrote no state but shared a task with one that did is
   * listed without handles (Flink records it with empty state, and restores it).
   */
  metadata(jobId: string, jobName: string): SnapshotMetadata {
    const byUid = new Map<string, OperatorMetadata & { subtasks: OperatorStateHandle[] }>();
    const entry = (o: OperatorIdentity) => {
      let op = byUid.get(o.uid);
      if (!op) byUid.set(o.uid, (op = { uid: o.uid, name: o.name, parallelism: o.parallelism, maxParallelism: o.maxParallelism, subtasks: [] }));
      return op;
    };
    for (const ack of this.acknowledgements()) {
      for (const h of ack.handles) entry(h).subtasks.push(h);
      for (const o of ack.stateless ?? []) entry(o);
    }
    for (const op of byUid.values()) op.subtasks.sort((a, b) => a.subtask - b.subtask);
    return {
      magic: SNAPSHOT_MAGIC,
      formatVersion: SNAPSHOT_FORMAT_VERSION,
      jobId,
      jobName,
      checkpointId: this.id,
      kind: this.kind,
      timestamp: this.triggerTime,
      operators: [...byUid.values()],
    };
  }

  /** The longest of each duration over its tasks' acknowledgements. */
  durations(): CheckpointDurations {
    const acks = [...this.acks.values()];
    return {
      syncMs: Math.max(0, ...acks.map((a) => a.syncMs)),
      asyncMs: Math.max(0, ...acks.map((a) => a.asyncMs)),
      alignmentMs: Math.max(0, ...acks.map((a) => a.alignmentMs)),
      maxPauseMs: Math.max(0, ...acks.map((a) => a.maxPauseMs)),
    };
  }

  /** Its directory exists and the tasks are being triggered: acknowledgements count from now. */
  triggered(): void {
    this.transition('INITIALIZING', 'IN_PROGRESS');
  }

  /** Every task acknowledged: `_metadata` is written now. */
  startFinalizing(): void {
    this.transition('IN_PROGRESS', 'FINALIZING');
    this.cancelTimeout();
  }

  /** `_metadata` is published and the checkpoint counts. */
  complete(completed: CompletedCheckpoint): void {
    this.transition('FINALIZING', 'COMPLETED');
    this.resolve(completed);
  }

  /** Aborts the checkpoint; returns the status it had, or undefined if it had already ended. */
  abort(reason: string): PendingCheckpointStatus | undefined {
    const was = this.currentStatus;
    if (was === 'COMPLETED' || was === 'ABORTED') return undefined;
    this.currentStatus = 'ABORTED';
    this.cancelTimeout();
    this.reject(new CheckpointFailedError(this.id, reason));
    return was;
  }

  private transition(from: PendingCheckpointStatus, to: PendingCheckpointStatus): void {
    if (this.currentStatus !== from) throw new Error(`internal: checkpoint ${this.id} is ${this.currentStatus}, not ${from}`);
    this.currentStatus = to;
  }
}
