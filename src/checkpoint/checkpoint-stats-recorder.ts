import type { MetadataStore } from '../metadata/index.js';
import type { JobId } from '../util/ids.js';
import type { CheckpointStatsListener } from './checkpoint-coordinator.js';
import { type SnapshotMetadata, handleBytes } from './snapshot-metadata.js';

/**
 * Records every checkpoint's life in flink.db (status, durations, sizes, path, failure reason),
 * for `flink checkpoints` and `flink list`. A store error never fails a checkpoint.
 */
export class CheckpointStatsRecorder implements CheckpointStatsListener {
  constructor(
    private readonly store: MetadataStore,
    private readonly jobId: JobId,
    private readonly onError: (err: unknown) => void,
  ) {}

  triggered(id: number, kind: Parameters<CheckpointStatsListener['triggered']>[1], triggerTime: number, path: string): void {
    this.guard(() => this.store.insertCheckpoint({ jobId: this.jobId, checkpointId: id, kind, triggerTime, path }));
  }

  completed(...[c, s]: Parameters<CheckpointStatsListener['completed']>): void {
    this.guard(() =>
      this.store.completeCheckpoint(this.jobId, c.checkpointId, c.kind, {
        endTime: c.completedAt,
        // flink.db keeps whole milliseconds.
        syncMs: Math.round(s.syncMs),
        asyncMs: Math.round(s.asyncMs),
        alignmentMs: Math.round(s.alignmentMs),
        maxPauseMs: Math.round(s.maxPauseMs),
        // Flink's two sizes: the whole state (an incremental chain counted in full) and what
        // this checkpoint wrote (its own files and the newest file of each chain).
        stateSize: fullStateSize(c.metadata),
        checkpointedSize: c.stateSize,
        path: c.path,
      }),
    );
  }

  failed(...[id, kind, reason, endTime]: Parameters<CheckpointStatsListener['failed']>): void {
    this.guard(() => {
      if (!this.store.getCheckpoint(this.jobId, id, kind)) {
        this.store.insertCheckpoint({ jobId: this.jobId, checkpointId: id, kind, triggerTime: endTime });
      }
      this.store.updateCheckpoint(this.jobId, id, kind, { status: 'FAILED', endTime, failureReason: reason });
    });
  }

  /** A completed checkpoint was deleted (subsumed by newer ones, or at job end). */
  discarded(id: number, kind: Parameters<CheckpointStatsListener['failed']>[1]): void {
    // DISPOSED: its directory is gone; `flink run -s <jobId>` never picks it.
    this.guard(() => this.store.updateCheckpoint(this.jobId, id, kind, { status: 'DISPOSED' }));
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}

/** The size of all state a snapshot refers to, shared files included. */
function fullStateSize(m: SnapshotMetadata): number {
  return m.operators.reduce((n, op) => n + op.subtasks.reduce((k, h) => k + handleBytes(h), 0), 0);
}
