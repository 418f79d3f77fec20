import type { MetadataStore } from '../metadata/index.js';
import type { JobId } from '../util/ids.js';
import type { CheckpointStatsListener } from './checkpoint-coordinator.js';
import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';

/**
 * Records every checkpoint's life in flink.db (status, durations, sizes, path, failure reason),
 * for `flink checkpoints` and `flink list`. A store error never fails a checkpoint (one whose
 * record is missing is found on disk), but it fails a savepoint: a savepoint lives wherever
 * the user put it, and only its record lets `flink run -s <jobId>` find it after a crash.
 */
export class CheckpointStatsRecorder implements CheckpointStatsListener {
  constructor(
    private readonly store: MetadataStore,
    private readonly jobId: JobId,
    private readonly onError: (err: unknown) => void,
  ) {}

  triggered(...[id, kind, triggerTime, path]: Parameters<CheckpointStatsListener['triggered']>): void {
    this.guard(() => this.store.insertCheckpoint({ jobId: this.jobId, checkpointId: id, kind, triggerTime, path }));
  }

  completed(...[c, d]: Parameters<CheckpointStatsListener['completed']>): void {
    const record = () =>
      this.store.completeCheckpoint(this.jobId, c.checkpointId, c.kind, {
        endTime: c.completedAt,
        // flink.db keeps whole milliseconds.
        syncMs: Math.round(d.syncMs),
        asyncMs: Math.round(d.asyncMs),
        alignmentMs: Math.round(d.alignmentMs),
        maxPauseMs: Math.round(d.maxPauseMs),
        stateSize: c.stateSize,
        checkpointedSize: c.checkpointedSize,
        path: c.path,
      });
    if (isSavepoint(c.kind)) record();
    else this.guard(record);
  }

  failed(...[id, kind, reason, endTime]: Parameters<CheckpointStatsListener['failed']>): void {
    this.guard(() => {
      if (!this.store.getCheckpoint(this.jobId, id, kind)) {
        this.store.insertCheckpoint({ jobId: this.jobId, checkpointId: id, kind, triggerTime: endTime });
      }
      this.store.updateCheckpoint(this.jobId, id, kind, { status: 'FAILED', endTime, failureReason: reason });
    });
  }

  /**
   * A completed checkpoint was deleted by retention (subsumed by newer ones, or at job end): it
   * stays COMPLETED, marked discarded (as Flink's statistics do); `flink run -s <jobId>` never
   * picks it.
   */
  discarded(c: CompletedCheckpoint): void {
    // A claimed snapshot (`--claim-mode claim`) is another job's: its record is that job's, and
    // a snapshot copied in from elsewhere may have none.
    const owner = c.metadata.jobId as JobId;
    this.guard(() => {
      if (owner !== this.jobId && !this.store.getCheckpoint(owner, c.checkpointId, c.kind)) return;
      this.store.updateCheckpoint(owner, c.checkpointId, c.kind, { discarded: true });
    });
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err);
    }
  }
}
