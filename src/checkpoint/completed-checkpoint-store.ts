import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';

/**
 * The retained completed checkpoints of a running job (Flink's CompletedCheckpointStore): the
 * `num-retained` newest are kept; an older one is deleted only after a newer one is complete.
 * Savepoints are never added: they belong to the user.
 */
export class CompletedCheckpointStore {
  private readonly retained: CompletedCheckpoint[] = [];

  constructor(
    private readonly numRetained: number,
    private readonly discard: (checkpoint: CompletedCheckpoint) => Promise<void>,
  ) {}

  /** Adds a newly completed checkpoint and deletes those beyond the retained number. */
  async add(checkpoint: CompletedCheckpoint): Promise<void> {
    if (isSavepoint(checkpoint.kind)) return;
    this.retained.push(checkpoint);
    while (this.retained.length > this.numRetained) await this.discard(this.retained.shift()!);
  }

  /**
   * Takes ownership of a snapshot the job was restored from (`--claim-mode claim`): it is then
   * deleted like any retained checkpoint once newer ones subsume it, savepoint or not.
   */
  async claim(checkpoint: CompletedCheckpoint): Promise<void> {
    this.retained.push(checkpoint);
    while (this.retained.length > this.numRetained) await this.discard(this.retained.shift()!);
  }

  latest(): CompletedCheckpoint | undefined {
    return this.retained.at(-1);
  }

  all(): readonly CompletedCheckpoint[] {
    return this.retained;
  }

  /** Deletes every retained checkpoint (cancel with DELETE_ON_CANCELLATION, or no externalization). */
  async discardAll(): Promise<void> {
    while (this.retained.length > 0) await this.discard(this.retained.shift()!);
  }
}
