import { performance } from 'node:perf_hooks';
import {
  type CheckpointResponder,
  type CheckpointStorageWorker,
  type OperatorStateHandle,
  type SharedStateRef,
  encodeStateFile,
} from '../../state/index.js';
import { type OperatorSnapshot, sharedStateFileParts, stateFileParts } from './operator-snapshot.js';

/** A task's snapshot after its synchronous cut, waiting to be encoded and written. */
export interface TaskSnapshot {
  readonly checkpointId: number;
  readonly taskIndex: number;
  readonly operators: readonly OperatorSnapshot[];
  readonly syncMs: number;
  readonly alignmentMs: number;
  /** Asynchronous work the cut started (a sink's pre-commit): the task acknowledges only once it succeeds. */
  readonly awaiting?: readonly Promise<unknown>[];
}

/** A task snapshot on its way to storage: encoded in slices, then written. */
interface PendingWrite extends TaskSnapshot {
  readonly cutAt: number;
  writing: boolean;
}

/** Lets go of a snapshot's parts: keyed (their bytes, and the backend's read view) and the operator states it froze. */
function release(snapshot: TaskSnapshot): void {
  for (const op of snapshot.operators) {
    op.lists.release();
    op.keyed?.release();
  }
}

/**
 * The asynchronous part of checkpoints: encodes the operator lists and key groups of pending snapshots in small
 * time slices between processing slices, then writes the state files with asynchronous I/O and
 * acknowledges. Processing never waits for it.
 */
export class SnapshotDriver {
  private pendingWrites: PendingWrite[] = [];

  constructor(
    private readonly storage: CheckpointStorageWorker,
    private readonly responder: CheckpointResponder,
  ) {}

  submit(snapshot: TaskSnapshot): void {
    this.pendingWrites.push({ ...snapshot, cutAt: performance.now(), writing: false });
  }

  /** True while some snapshot still needs encoding on this thread. */
  get hasWork(): boolean {
    return this.pendingWrites.some((w) => !w.writing);
  }

  /** Encodes until `deadline` (performance.now() ms) and starts the writes that are ready. */
  work(deadline: number): void {
    for (const w of this.pendingWrites) {
      if (w.writing) continue;
      let done: boolean;
      try {
        done = w.operators.every((op) => op.lists.encodeUntil(deadline, () => performance.now()) && (!op.keyed || op.keyed.encodeUntil(deadline, () => performance.now())));
      } catch (err) {
        // A value its serializer refuses: this checkpoint fails (declined, as a failed write is), not the task.
        release(w);
        if (this.finish(w)) this.responder.decline(w.checkpointId, w.taskIndex, (err as Error).message);
        return;
      }
      if (!done) return;
      w.writing = true;
      void this.write(w);
      if (performance.now() >= deadline) return;
    }
  }

  /** Drops the work of a checkpoint that was aborted (and the keyed snapshots' hold on state). */
  abort(checkpointId: number): void {
    for (const w of this.pendingWrites) if (w.checkpointId === checkpointId) release(w);
    this.pendingWrites = this.pendingWrites.filter((w) => w.checkpointId !== checkpointId);
  }

  /** Writes an incremental keyed snapshot to `shared/`; returns the chain the handle records. */
  private async writeShared(checkpointId: number, op: OperatorSnapshot): Promise<SharedStateRef[] | undefined> {
    const keyed = op.keyed;
    if (!keyed || keyed.form.kind === 'self-contained') return undefined;
    const owner = { uid: op.uid, subtask: op.subtask };
    const file = await this.storage.writeSharedStateFile(checkpointId, owner, keyed.isDelta ? 'delta' : 'full', encodeStateFile(sharedStateFileParts(op, keyed)));
    return keyed.written(file);
  }

  private async writeOperator(checkpointId: number, op: OperatorSnapshot): Promise<OperatorStateHandle> {
    const sharedState = await this.writeShared(checkpointId, op);
    const own = await this.storage.writeStateFile(checkpointId, { uid: op.uid, subtask: op.subtask }, encodeStateFile(stateFileParts(op)));
    return {
      uid: op.uid,
      name: op.name,
      subtask: op.subtask,
      parallelism: op.parallelism,
      maxParallelism: op.maxParallelism,
      ...own,
      keyGroupRange: op.keyed ? [op.keyed.keyGroupRange.start, op.keyed.keyGroupRange.end] : null,
      stateNames: Object.keys(op.keyed?.kinds ?? {}),
      ...(sharedState ? { sharedState } : {}),
    };
  }

  private async write(w: PendingWrite): Promise<void> {
    try {
      // Runs beside the state writes; awaited (and its failure reported) after them.
      const preCommitted = w.awaiting && Promise.all(w.awaiting);
      preCommitted?.catch(() => undefined);
      const handles = await Promise.all(w.operators.filter((op) => !op.empty).map((op) => this.writeOperator(w.checkpointId, op)));
      // A task with any state names its stateless operators too (Flink's task reports an empty
      // state for each), so a restore restores them; a wholly stateless task names none.
      const stateless = handles.length === 0 ? [] : w.operators.filter((op) => op.empty).map(({ uid, name, subtask, parallelism, maxParallelism }) => ({ uid, name, subtask, parallelism, maxParallelism }));
      await preCommitted;
      release(w);
      if (!this.finish(w)) return; // aborted meanwhile
      const maxEncode = Math.max(0, ...w.operators.map((o) => Math.max(o.keyed?.maxInlineEncodeMs ?? 0, o.lists.maxInlineEncodeMs)));
      this.responder.acknowledge({
        checkpointId: w.checkpointId,
        taskIndex: w.taskIndex,
        handles,
        ...(stateless.length > 0 ? { stateless } : {}),
        syncMs: w.syncMs,
        asyncMs: performance.now() - w.cutAt,
        alignmentMs: w.alignmentMs,
        maxPauseMs: Math.max(w.syncMs, maxEncode),
      });
    } catch (err) {
      release(w);
      if (this.finish(w)) this.responder.decline(w.checkpointId, w.taskIndex, (err as Error).message);
    }
  }

  /** Forgets a write that ended; false if it was aborted meanwhile (nobody waits for its answer). */
  private finish(w: PendingWrite): boolean {
    if (!this.pendingWrites.includes(w)) return false;
    this.pendingWrites = this.pendingWrites.filter((x) => x !== w);
    return true;
  }
}
