import type { MetadataStore } from '../metadata/index.js';
import type { JobId } from '../util/ids.js';
import type { CheckpointStatsListener } from './checkpoint-coordinator.js';

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
        stateSize: c.stateSize,
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
