import * as fsp from 'node:fs/promises';
import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import { sharedFilePath } from './paths.js';

/**
 * The retained completed checkpoints of a running job (Flink's CompletedCheckpointStore): the
 * `num-retained` newest are kept; an older one is deleted only after a newer one is complete.
 * Savepoints are never added: they belong to the user.
 *
 * Incremental checkpoints share files in `shared/`; a shared file is deleted when the last
 * retained checkpoint referring to it is (reference counting over the retained checkpoints),
 * so retention never deletes a file a retained checkpoint needs. A checkpoint still in flight
 * may refer to files of checkpoints dropped meanwhile, so what becomes unused while
 * checkpoints are pending is deleted only once those have ended — and only if no retained
 * checkpoint refers to it then.
 */
export class CompletedCheckpointStore {
  private readonly retained: CompletedCheckpoint[] = [];
  /** Claimed snapshots belong to another job's directory: their shared files are left alone. */
  private readonly claimed = new Set<CompletedCheckpoint>();
  /** Unused shared files waiting for the checkpoints pending when they became unused. */
  private deferred: Array<{ readonly files: readonly string[]; readonly waitFor: Set<number> }> = [];

  constructor(
    private readonly numRetained: number,
    private readonly discard: (checkpoint: CompletedCheckpoint) => Promise<void>,
  ) {}

  /**
   * Adds a newly completed checkpoint and deletes those beyond the retained number.
   * @param pending ids of the checkpoints still in flight
   */
  async add(checkpoint: CompletedCheckpoint, pending: readonly number[] = []): Promise<void> {
    const latest = this.retained.at(-1);
    if (isSavepoint(checkpoint.kind)) {
      // Savepoints belong to the user.
    } else if (latest && checkpoint.checkpointId < latest.checkpointId) {
      // Finished after a newer one (concurrent checkpoints): already subsumed.
      await this.drop(checkpoint, pending);
    } else {
      this.retained.push(checkpoint);
      await this.trim(pending);
    }
    await this.settle(pending);
  }

  /**
   * Checkpoints in flight ended (completed or aborted); `pending` are those still in flight.
   * Shared files that waited on the ended ones are deleted if no retained checkpoint uses them.
   */
  async settle(pending: readonly number[]): Promise<void> {
    const still = new Set(pending);
    const ready: string[] = [];
    this.deferred = this.deferred.filter((d) => {
      for (const id of d.waitFor) if (!still.has(id)) d.waitFor.delete(id);
      if (d.waitFor.size > 0) return true;
      ready.push(...d.files);
      return false;
    });
    const used = this.sharedInUse();
    await Promise.all(ready.filter((f) => !used.has(f)).map((f) => fsp.rm(f, { force: true })));
  }

  /**
   * Takes ownership of a snapshot the job was restored from (`--claim-mode claim`): it is then
   * deleted like any retained checkpoint once newer ones subsume it, savepoint or not.
   */
  async claim(checkpoint: CompletedCheckpoint): Promise<void> {
    this.retained.push(checkpoint);
    this.claimed.add(checkpoint);
    await this.trim([]);
  }

  private async trim(pending: readonly number[]): Promise<void> {
    while (this.retained.length > this.numRetained) await this.drop(this.retained.shift()!, pending);
  }

  /** Deletes a checkpoint no longer retained, then the shared files only it referred to. */
  private async drop(checkpoint: CompletedCheckpoint, pending: readonly number[]): Promise<void> {
    await this.discard(checkpoint);
    if (this.claimed.delete(checkpoint)) return;
    const used = this.sharedInUse();
    const unused = sharedPaths(checkpoint).filter((f) => !used.has(f));
    if (pending.length > 0) this.deferred.push({ files: unused, waitFor: new Set(pending) });
    else await Promise.all(unused.map((f) => fsp.rm(f, { force: true })));
  }

  latest(): CompletedCheckpoint | undefined {
    return this.retained.at(-1);
  }

  all(): readonly CompletedCheckpoint[] {
    return this.retained;
  }

  /** Deletes every retained checkpoint (cancel with DELETE_ON_CANCELLATION, or no externalization). */
  /** The shared files the retained checkpoints refer to. */
  private sharedInUse(): Set<string> {
    return new Set(this.retained.flatMap(sharedPaths));
  }

  async discardAll(): Promise<void> {
    while (this.retained.length > 0) await this.drop(this.retained.shift()!, []);
    await this.settle([]);
  }
}

/** The `shared/` files a checkpoint refers to, as paths. */
function sharedPaths(checkpoint: CompletedCheckpoint): string[] {
  return checkpoint.metadata.operators.flatMap((op) => op.subtasks.flatMap((h) => (h.sharedState ?? []).map((r) => sharedFilePath(checkpoint.path, r.file))));
}
