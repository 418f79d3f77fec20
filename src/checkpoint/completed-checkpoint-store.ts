import * as fsp from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import { SHARED_DIR } from './paths.js';

/**
 * The retained completed checkpoints of a running job (Flink's CompletedCheckpointStore): the
 * `num-retained` newest are kept; an older one is deleted only after a newer one is complete.
 * Savepoints are never added: they belong to the user.
 *
 * Incremental checkpoints share files in `shared/`; a shared file is deleted when the last
 * retained checkpoint referring to it is (reference counting over the retained checkpoints),
 * so retention never deletes a file a retained checkpoint needs.
 */
export class CompletedCheckpointStore {
  private readonly retained: CompletedCheckpoint[] = [];
  /** Claimed snapshots belong to another job's directory: their shared files are left alone. */
  private readonly claimed = new Set<CompletedCheckpoint>();

  constructor(
    private readonly numRetained: number,
    private readonly discard: (checkpoint: CompletedCheckpoint) => Promise<void>,
  ) {}

  /** Adds a newly completed checkpoint and deletes those beyond the retained number. */
  async add(checkpoint: CompletedCheckpoint): Promise<void> {
    if (isSavepoint(checkpoint.kind)) return;
    this.retained.push(checkpoint);
    await this.trim();
  }

  /**
   * Takes ownership of a snapshot the job was restored from (`--claim-mode claim`): it is then
   * deleted like any retained checkpoint once newer ones subsume it, savepoint or not.
   */
  async claim(checkpoint: CompletedCheckpoint): Promise<void> {
    this.retained.push(checkpoint);
    this.claimed.add(checkpoint);
    await this.trim();
  }

  private async trim(): Promise<void> {
    while (this.retained.length > this.numRetained) await this.drop(this.retained.shift()!);
  }

  /** Deletes a checkpoint no longer retained, then the shared files only it referred to. */
  private async drop(checkpoint: CompletedCheckpoint): Promise<void> {
    await this.discard(checkpoint);
    if (this.claimed.delete(checkpoint)) return;
    const stillUsed = new Set(this.retained.flatMap(sharedFiles));
    const shared = join(dirname(checkpoint.path), SHARED_DIR);
    const unused = sharedFiles(checkpoint).filter((f) => !stillUsed.has(f));
    await Promise.all(unused.map((f) => fsp.rm(join(shared, f), { force: true })));
  }

  latest(): CompletedCheckpoint | undefined {
    return this.retained.at(-1);
  }

  all(): readonly CompletedCheckpoint[] {
    return this.retained;
  }

  /** Deletes every retained checkpoint (cancel with DELETE_ON_CANCELLATION, or no externalization). */
  async discardAll(): Promise<void> {
    while (this.retained.length > 0) await this.drop(this.retained.shift()!);
  }
}

/** The `shared/` files a checkpoint refers to. */
export function sharedFiles(checkpoint: CompletedCheckpoint): string[] {
  return checkpoint.metadata.operators.flatMap((op) => op.subtasks.flatMap((h) => (h.sharedState ?? []).map((r) => r.file)));
}
