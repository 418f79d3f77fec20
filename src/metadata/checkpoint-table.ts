import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import { MetadataError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { foreignKeyToNotFound } from './job-table.js';
import { isSqliteError } from './open.js';
import {
  isSavepointKind,
  toCheckpointRecord,
  type CheckpointKind,
  type CheckpointPatch,
  type CheckpointRecord,
  type NewCheckpoint,
  type Row,
} from './records.js';

/** Queries on `checkpoints` (checkpoint and savepoint history with stats). */
export class CheckpointTable {
  private readonly insertStmt: Statement;
  private readonly getStmt: Statement;
  private readonly writeStmt: Statement;
  private readonly listStmt: Statement;
  private readonly latestStmt: Statement;
  private readonly byPathStmt: Statement;
  private readonly disposeByPathStmt: Statement;
  private readonly lastCheckpointStmt: Statement;
  private readonly lastSavepointStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO checkpoints (job_id, checkpoint_id, kind, status, trigger_time, path)
       VALUES (@jobId, @checkpointId, @kind, @status, @triggerTime, @path)`,
    );
    this.getStmt = db.prepare('SELECT * FROM checkpoints WHERE job_id = ? AND checkpoint_id = ? AND kind = ?');
    this.writeStmt = db.prepare(
      `UPDATE checkpoints SET status = @status, discarded = @discardedFlag, end_time = @endTime, duration_ms = @durationMs, sync_ms = @syncMs,
         async_ms = @asyncMs, alignment_ms = @alignmentMs, max_pause_ms = @maxPauseMs, state_size = @stateSize,
         checkpointed_size = @checkpointedSize, path = @path, failure_reason = @failureReason
       WHERE job_id = @jobId AND checkpoint_id = @checkpointId AND kind = @kind`,
    );
    this.listStmt = db.prepare(
      'SELECT * FROM checkpoints WHERE job_id = ? ORDER BY checkpoint_id DESC, trigger_time DESC LIMIT ?',
    );
    this.latestStmt = db.prepare(
      `SELECT * FROM checkpoints
       WHERE job_id = @jobId AND status = 'COMPLETED' AND discarded = 0 AND (@savepoints OR kind NOT LIKE 'SAVEPOINT%')
       ORDER BY checkpoint_id DESC, end_time DESC LIMIT 1`,
    );
    this.byPathStmt = db.prepare('SELECT * FROM checkpoints WHERE path = ? ORDER BY trigger_time DESC LIMIT 1');
    this.disposeByPathStmt = db.prepare(
      `UPDATE checkpoints SET discarded = 1 WHERE path = ? AND status = 'COMPLETED' AND discarded = 0`,
    );
    // Only moves forward, so a late completion of an older checkpoint cannot hide a newer one.
    this.lastCheckpointStmt = db.prepare(
      `UPDATE jobs SET last_checkpoint_id = @id, last_checkpoint_path = @path, last_checkpoint_time = @time
       WHERE job_id = @jobId AND (last_checkpoint_id IS NULL OR last_checkpoint_id <= @id)`,
    );
    this.lastSavepointStmt = db.prepare('UPDATE jobs SET savepoint_path = @path WHERE job_id = @jobId');
  }

  insert(cp: NewCheckpoint): CheckpointRecord {
    try {
      this.insertStmt.run({
        jobId: cp.jobId,
        checkpointId: cp.checkpointId,
        kind: cp.kind,
        status: cp.status ?? 'IN_PROGRESS',
        triggerTime: cp.triggerTime,
        path: cp.path ?? null,
      });
    } catch (err) {
      if (isSqliteError(err) && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new MetadataError(`Checkpoint ${cp.checkpointId} (${cp.kind}) of job ${cp.jobId} is already recorded.`);
      }
      throw foreignKeyToNotFound(err, cp.jobId);
    }
    return this.mustGet(cp.jobId, cp.checkpointId, cp.kind);
  }

  get(jobId: JobId, checkpointId: number, kind: CheckpointKind): CheckpointRecord | undefined {
    const row = this.getStmt.get(jobId, checkpointId, kind) as Row | undefined;
    return row === undefined ? undefined : toCheckpointRecord(row);
  }

  /**
   * Applies `patch`; when it completes the row, the job's last checkpoint (or savepoint path)
   * is set in the same transaction so `flink list` never shows a checkpoint without its row.
   */
  update(jobId: JobId, checkpointId: number, kind: CheckpointKind, patch: CheckpointPatch): CheckpointRecord {
    return this.db
      .transaction(() => {
        const cur = this.mustGet(jobId, checkpointId, kind);
        const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
        const next: CheckpointRecord = { ...cur, ...defined };
        this.writeStmt.run({ ...next, discardedFlag: next.discarded ? 1 : 0 });
        if (next.status === 'COMPLETED' && cur.status !== 'COMPLETED') {
          const time = next.endTime ?? this.clock.now();
          if (isSavepointKind(kind)) this.lastSavepointStmt.run({ jobId, path: next.path });
          else this.lastCheckpointStmt.run({ jobId, id: checkpointId, path: next.path, time });
        }
        return next;
      })
      .immediate();
  }

  /** Marks the row COMPLETED with its stats; end time defaults to now, duration to end - trigger. */
  complete(jobId: JobId, checkpointId: number, kind: CheckpointKind, stats: Omit<CheckpointPatch, 'status'>): CheckpointRecord {
    const cur = this.mustGet(jobId, checkpointId, kind);
    const endTime = stats.endTime ?? this.clock.now();
    return this.update(jobId, checkpointId, kind, {
      ...stats,
      status: 'COMPLETED',
      endTime,
      durationMs: stats.durationMs ?? Math.max(0, endTime - cur.triggerTime),
    });
  }

  list(jobId: JobId, limit: number | undefined): CheckpointRecord[] {
    return (this.listStmt.all(jobId, limit ?? -1) as Row[]).map(toCheckpointRecord);
  }

  latestCompleted(jobId: JobId, includeSavepoints: boolean): CheckpointRecord | undefined {
    const row = this.latestStmt.get({ jobId, savepoints: includeSavepoints ? 1 : 0 }) as Row | undefined;
    return row === undefined ? undefined : toCheckpointRecord(row);
  }

  findByPath(path: string): CheckpointRecord | undefined {
    const row = this.byPathStmt.get(path) as Row | undefined;
    return row === undefined ? undefined : toCheckpointRecord(row);
  }

  disposeByPath(path: string): number {
    return this.disposeByPathStmt.run(path).changes;
  }

  private mustGet(jobId: JobId, checkpointId: number, kind: CheckpointKind): CheckpointRecord {
    const cp = this.get(jobId, checkpointId, kind);
    if (cp === undefined) throw new MetadataError(`No checkpoint ${checkpointId} (${kind}) is recorded for job ${jobId}.`);
    return cp;
  }
}
