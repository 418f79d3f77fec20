import type { SnapshotKind, SnapshotMetadata } from './snapshot-metadata.js';

/** A checkpoint or savepoint whose `_metadata` is published. */
export interface CompletedCheckpoint {
  readonly checkpointId: number;
  readonly kind: SnapshotKind;
  /** The snapshot directory (absolute). */
  readonly path: string;
  readonly triggerTime: number;
  readonly completedAt: number;
  readonly metadata: SnapshotMetadata;
  readonly stateSize: number;
}

/** True for the kinds that are savepoints: never deleted by retention, owned by the user. */
export function isSavepoint(kind: SnapshotKind): boolean {
  return kind === 'SAVEPOINT' || kind === 'SAVEPOINT_SUSPEND' || kind === 'SAVEPOINT_TERMINATE';
}
