import type { CheckpointStorageWorker, StateFileOwner, StateFileRef } from '../../state/index.js';

/** The storage view of a worker: it writes state files into directories the main thread created. */
export interface WorkerStorage extends CheckpointStorageWorker {
  /** Checkpoint `checkpointId` is written into `dir` (created by the coordinator). */
  adoptLocation(checkpointId: number, dir: string): void;
  /** Checkpoint `checkpointId` ended (completed or aborted): no more writes for it. */
  forgetLocation(checkpointId: number): void;
}

/**
 * The worker's storage as its tasks see it: a write for a checkpoint whose directory the worker
 * has not been told yet waits for it. A barrier from another worker can overtake the trigger
 * message that carries the directory (they travel on different ports). Control messages come in
 * order and checkpoint ids grow, so a write for an id at or below the highest one the worker has
 * been told of (adopted or ended) that has no entry belongs to a checkpoint that ended: it fails
 * at once instead of waiting for a directory that will never come.
 */
export class LocatedStorage implements CheckpointStorageWorker {
  private readonly located = new Map<number, { promise: Promise<void>; resolve: () => void; reject: (err: Error) => void }>();

  /** The highest checkpoint id adopted or ended here. */
  private highestKnown = 0;

  constructor(private readonly inner: WorkerStorage) {}

  private entry(checkpointId: number) {
    let e = this.located.get(checkpointId);
    if (!e && checkpointId <= this.highestKnown) return { promise: Promise.reject(ended(checkpointId)) };
    if (!e) {
      let resolve!: () => void;
      let reject!: (err: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      promise.catch(() => undefined);
      e = { promise, resolve, reject };
      this.located.set(checkpointId, e);
    }
    return e;
  }

  adopt(checkpointId: number, dir: string): void {
    this.inner.adoptLocation(checkpointId, dir);
    const e = this.located.get(checkpointId);
    if (e) e.resolve();
    else this.located.set(checkpointId, { promise: Promise.resolve(), resolve: () => {}, reject: () => {} });
    this.highestKnown = Math.max(this.highestKnown, checkpointId);
  }

  forget(checkpointId: number): void {
    this.inner.forgetLocation(checkpointId);
    this.located.get(checkpointId)?.reject(ended(checkpointId));
    this.located.delete(checkpointId);
    this.highestKnown = Math.max(this.highestKnown, checkpointId);
  }

  async writeStateFile(checkpointId: number, owner: StateFileOwner, chunks: readonly Uint8Array[]): Promise<StateFileRef> {
    await this.entry(checkpointId).promise;
    return this.inner.writeStateFile(checkpointId, owner, chunks);
  }

  async writeSharedStateFile(checkpointId: number, owner: StateFileOwner, form: 'full' | 'delta', chunks: readonly Uint8Array[]): Promise<StateFileRef> {
    await this.entry(checkpointId).promise;
    return this.inner.writeSharedStateFile(checkpointId, owner, form, chunks);
  }
}

function ended(checkpointId: number): Error {
  return new Error(`checkpoint ${checkpointId} has ended`);
}
