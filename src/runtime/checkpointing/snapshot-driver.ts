import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { CheckpointStorageWorker, OperatorSnapshot, OperatorStateHandle } from './operator-snapshot.js';
import { encodeSharedStateFile, encodeStateFile } from './operator-snapshot.js';
import type { SharedStateRef } from '../../state/index.js';

/** A task's acknowledgement of checkpoint n: where its state went and what it cost. */
export interface TaskAcknowledgement {
  readonly checkpointId: number;
  readonly taskIndex: number;
  readonly handles: readonly OperatorStateHandle[];
  /** Duration of the synchronous cut (processing paused). */
  readonly syncMs: number;
  /** From the cut to the files being durable (processing went on). */
  readonly asyncMs: number;
  readonly alignmentMs: number;
  /** The longest single pause this snapshot caused: the cut, or encoding a key group on first touch. */
  readonly maxPauseMs: number;
  readonly stateSize: number;
}

/** Receives tasks' answers to a checkpoint (the coordinator side). */
export interface CheckpointResponder {
  acknowledge(ack: TaskAcknowledgement): void;
  decline(checkpointId: number, taskIndex: number, reason: string): void;
}

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

/** Lets go of a job's keyed snapshots (their bytes, and the backend's read view). */
function release(job: TaskSnapshot): void {
  for (const op of job.operators) op.keyed?.release();
}

interface Job extends TaskSnapshot {
  readonly cutAt: number;
  writing: boolean;
}

/** The file name of an operator subtask's state: derived from the uid, never taken from data. */
export function stateFileName(uid: string, subtask: number): string {
  return `op-${uidHash(uid)}-${subtask}.state`;
}

/** The name of an incremental snapshot's file in `shared/`: unique per checkpoint and subtask. */
export function sharedStateFileName(uid: string, subtask: number, checkpointId: number, delta: boolean): string {
  return `op-${uidHash(uid)}-${subtask}-chk${checkpointId}-${randomBytes(4).toString('hex')}.${delta ? 'delta' : 'full'}`;
}

function uidHash(uid: string): string {
  return createHash('sha256').update(uid).digest('hex').slice(0, 20);
}

/**
 * The asynchronous part of checkpoints: encodes the key groups of pending snapshots in small
 * time slices between processing slices, then writes the state files with asynchronous I/O and
 * acknowledges. Processing never waits for it.
 */
export class SnapshotDriver {
  private jobs: Job[] = [];

  constructor(
    private readonly storage: CheckpointStorageWorker,
    private readonly responder: CheckpointResponder,
  ) {}

  submit(snapshot: TaskSnapshot): void {
    this.jobs.push({ ...snapshot, cutAt: performance.now(), writing: false });
  }

  /** True while some snapshot still needs encoding on this thread. */
  get hasWork(): boolean {
    return this.jobs.some((j) => !j.writing);
  }

  /** Encodes until `deadline` (performance.now() ms) and starts the writes that are ready. */
  work(deadline: number): void {
    for (const job of this.jobs) {
      if (job.writing) continue;
      let done = true;
      for (const op of job.operators) {
        if (op.keyed && !op.keyed.encodeUntil(deadline, () => performance.now())) {
          done = false;
          break;
        }
      }
      if (!done) return;
      job.writing = true;
      void this.write(job);
      if (performance.now() >= deadline) return;
    }
  }

  /** Drops the work of a checkpoint that was aborted (and the keyed snapshots' hold on state). */
  abort(checkpointId: number): void {
    for (const j of this.jobs) if (j.checkpointId === checkpointId) release(j);
    this.jobs = this.jobs.filter((j) => j.checkpointId !== checkpointId);
  }

  /** Writes an incremental keyed snapshot to `shared/`; returns the chain the handle records. */
  private async writeShared(checkpointId: number, op: OperatorSnapshot): Promise<SharedStateRef[] | undefined> {
    const keyed = op.keyed;
    if (!keyed || keyed.form.kind === 'self-contained') return undefined;
    const file = sharedStateFileName(op.uid, op.subtask, checkpointId, keyed.isDelta);
    const { size, checksum } = await this.storage.writeSharedStateFile(checkpointId, file, encodeSharedStateFile(op));
    keyed.written = { file, size, checksum };
    return [...(keyed.form.kind === 'shared-delta' ? keyed.form.base : []), keyed.written];
  }

  private async write(job: Job): Promise<void> {
    try {
      // Runs beside the state writes; awaited (and its failure reported) after them.
      const preCommitted = job.awaiting && Promise.all(job.awaiting);
      preCommitted?.catch(() => undefined);
      const handles = await Promise.all(
        job.operators.filter((op) => !op.empty).map(async (op): Promise<OperatorStateHandle> => {
          const sharedState = await this.writeShared(job.checkpointId, op);
          const file = stateFileName(op.uid, op.subtask);
          const { size, checksum } = await this.storage.writeStateFile(job.checkpointId, file, encodeStateFile(op));
          return {
            uid: op.uid,
            name: op.name,
            subtask: op.subtask,
            parallelism: op.parallelism,
            maxParallelism: op.maxParallelism,
            file,
            size,
            checksum,
            keyGroupRange: op.keyed ? [op.keyed.keyGroupRange.start, op.keyed.keyGroupRange.end] : null,
            stateNames: Object.keys(op.keyed?.kinds ?? {}),
            ...(sharedState ? { sharedState } : {}),
          };
        }),
      );
      await preCommitted;
      release(job);
      if (!this.jobs.includes(job)) return; // aborted meanwhile
      this.jobs = this.jobs.filter((j) => j !== job);
      const maxEncode = Math.max(0, ...job.operators.map((o) => o.keyed?.maxInlineEncodeMs ?? 0));
      this.responder.acknowledge({
        checkpointId: job.checkpointId,
        taskIndex: job.taskIndex,
        handles,
        syncMs: job.syncMs,
        asyncMs: performance.now() - job.cutAt,
        alignmentMs: job.alignmentMs,
        maxPauseMs: Math.max(job.syncMs, maxEncode),
        stateSize: handles.reduce((n, h) => n + h.size + (h.sharedState?.at(-1)?.size ?? 0), 0),
      });
    } catch (err) {
      release(job);
      if (!this.jobs.includes(job)) return;
      this.jobs = this.jobs.filter((j) => j !== job);
      this.responder.decline(job.checkpointId, job.taskIndex, (err as Error).message);
    }
  }
}
