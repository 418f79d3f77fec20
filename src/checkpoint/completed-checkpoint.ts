import { checkpointedSize, stateSize } from '../state/index.js';
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
  /** All the state the checkpoint stands for, in bytes: an incremental chain counted in full. */
  readonly stateSize: number;
  /** What taking the checkpoint wrote, in bytes: smaller than the state size for an incremental one. */
  readonly checkpointedSize: number;
}

/** A published snapshot as a completed checkpoint, its sizes taken from its handles. */
export function completedCheckpoint(
  metadata: SnapshotMetadata,
  at: { readonly path: string; readonly triggerTime: number; readonly completedAt: number },
): CompletedCheckpoint {
  const handles = metadata.operators.flatMap((op) => op.subtasks);
  return {
    checkpointId: metadata.checkpointId,
    kind: metadata.kind,
    ...at,
    metadata,
    stateSize: handles.reduce((n, h) => n + stateSize(h), 0),
    checkpointedSize: handles.reduce((n, h) => n + checkpointedSize(h), 0),
  };
}

/** True for the kinds that are savepoints: never deleted by retention, owned by the user. */
export function isSavepoint(kind: SnapshotKind): boolean {
  return kind === 'SAVEPOINT' || kind === 'SAVEPOINT_SUSPEND' || kind === 'SAVEPOINT_TERMINATE';
}
