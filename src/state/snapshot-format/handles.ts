/** A file a snapshot consists of: its name (never a path), size and sha256 (Flink's StreamStateHandle). */
export interface StateFileRef {
  /** File name inside the snapshot directory, or inside the job's `shared/` directory (never a path). */
  readonly file: string;
  readonly size: number;
  /** sha256 of the file, hex. */
  readonly checksum: string;
}

/** A file of an incremental checkpoint's `shared/` directory, as `_metadata` records it. */
export type SharedStateRef = StateFileRef;

/** Where one operator subtask's state was written, as `_metadata` records it. */
export interface OperatorStateHandle extends StateFileRef {
  readonly uid: string;
  readonly name: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** The key groups the subtask owned (inclusive); null for an operator without keyed state. */
  readonly keyGroupRange: readonly [number, number] | null;
  /** Keyed states in the snapshot (for inspection). */
  readonly stateNames: readonly string[];
  /**
   * Incremental checkpoints: the keyed state is the chain of these files in the job's
   * `shared/` directory (a full base, then deltas in order) instead of being in `file`.
   */
  readonly sharedState?: readonly SharedStateRef[];
}

/**
 * Flink's two sizes of a checkpoint, per subtask handle. The state size is all the state the
 * checkpoint stands for: the subtask's own file and its whole chain in `shared/`.
 */
export function stateSize(h: OperatorStateHandle): number {
  return h.size + (h.sharedState ?? []).reduce((n, r) => n + r.size, 0);
}

/**
 * The checkpointed size is what taking the checkpoint wrote: the subtask's own file and, for an
 * incremental checkpoint, the newest file of its chain (each incremental checkpoint writes one:
 * a new base or a delta); the rest of the chain was written by earlier checkpoints.
 */
export function checkpointedSize(h: OperatorStateHandle): number {
  return h.size + (h.sharedState?.at(-1)?.size ?? 0);
}
