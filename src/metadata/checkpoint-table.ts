import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import { MetadataError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { foreignKeyToNotFound } from './job-table.js';
import { isSqliteError } from './open.js';
import {
  isSavepointKind,
  toCheckpointRecord,
  type CheckpointHistoryFix,
  type CheckpointKind,
  type CheckpointPatch,
  type CheckpointRecord,
  type NewCheckpoint,
  type Row,
} from './records.js';

/**
 * How many of a job's checkpoints that are over — failed, or completed and deleted by retention —
 * flink.db keeps listing: the newest ones. Older ones are deleted as new ones end and counted on
 * the job's row instead, so a job checkpointing every second for weeks keeps flink.db, and every
 * read of its history (`flink checkpoints`, the REST API the dashboard polls), the same size.
 * Savepoints, and completed checkpoints whose files still exist, are always kept: they are what
 * `flink run -s` and `flink savepoint -d` look up. (The REST history shows 10, its charts 100.)
 */
export const ENDED_CHECKPOINTS_KEPT = 1000;

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
  private readonly toReconcileStmt: Statement;
  private readonly foundStmt: Statement;
  private readonly discardedStmt: Statement;
  private readonly restoreProblemStmt: Statement;
  private readonly failInProgressStmt: Statement;
  private readonly setLastCheckpointStmt: Statement;
  private readonly forgettableStmt: Statement;
  private readonly forgetStmt: Statement;
  private readonly countForgottenStmt: Statement;

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
       WHERE job_id = @jobId AND status = 'COMPLETED' AND discarded = 0 AND restore_problem IS NULL AND (@savepoints OR kind NOT LIKE 'SAVEPOINT%')
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
    this.toReconcileStmt = db.prepare(
      `SELECT * FROM checkpoints WHERE job_id = ? AND (status = 'IN_PROGRESS' OR (status = 'COMPLETED' AND discarded = 0))
       ORDER BY checkpoint_id DESC`,
    );
    // A row completed meanwhile (or since) keeps what its own process recorded.
    this.foundStmt = db.prepare(
      `INSERT INTO checkpoints (job_id, checkpoint_id, kind, status, trigger_time, end_time, duration_ms, state_size, checkpointed_size, path, restore_problem)
       VALUES (@jobId, @checkpointId, @kind, 'COMPLETED', @triggerTime, @endTime, @durationMs, @stateSize, @checkpointedSize, @path, @restoreProblem)
       ON CONFLICT (job_id, checkpoint_id, kind) DO UPDATE SET status = 'COMPLETED', discarded = 0, end_time = excluded.end_time,
         duration_ms = excluded.duration_ms, state_size = excluded.state_size, checkpointed_size = excluded.checkpointed_size,
         path = excluded.path, failure_reason = NULL, restore_problem = excluded.restore_problem
       WHERE status <> 'COMPLETED' OR discarded = 1`,
    );
    this.discardedStmt = db.prepare(`UPDATE checkpoints SET discarded = 1 WHERE job_id = ? AND path = ? AND status = 'COMPLETED'`);
    this.restoreProblemStmt = db.prepare(`UPDATE checkpoints SET restore_problem = ? WHERE job_id = ? AND path = ? AND status = 'COMPLETED'`);
    this.failInProgressStmt = db.prepare(
      `UPDATE checkpoints SET status = 'FAILED', end_time = @endTime, failure_reason = @reason
       WHERE job_id = @jobId AND checkpoint_id = @checkpointId AND kind = @kind AND status = 'IN_PROGRESS'`,
    );
    this.setLastCheckpointStmt = db.prepare(
      'UPDATE jobs SET last_checkpoint_id = @id, last_checkpoint_path = @path, last_checkpoint_time = @time WHERE job_id = @jobId',
    );
    this.forgettableStmt = db.prepare(
      `SELECT checkpoint_id, kind, status FROM checkpoints
       WHERE job_id = ? AND kind IN ('CHECKPOINT', 'FULL_CHECKPOINT') AND (status = 'FAILED' OR (status = 'COMPLETED' AND discarded = 1))
       ORDER BY checkpoint_id DESC LIMIT -1 OFFSET ?`,
    );
    this.forgetStmt = db.prepare('DELETE FROM checkpoints WHERE job_id = ? AND checkpoint_id = ? AND kind = ?');
    this.countForgottenStmt = db.prepare(
      `UPDATE jobs SET forgotten_completed_checkpoints = forgotten_completed_checkpoints + @completed,
         forgotten_failed_checkpoints = forgotten_failed_checkpoints + @failed
       WHERE job_id = @jobId`,
    );
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
        if (next.status === 'FAILED' || next.discarded) this.forgetOld(jobId);
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

  toReconcile(jobId: JobId): CheckpointRecord[] {
    return (this.toReconcileStmt.all(jobId) as Row[]).map(toCheckpointRecord);
  }

  /** Applies `fix` in one transaction (see {@link CheckpointHistoryFix}). */
  reconcile(jobId: JobId, fix: CheckpointHistoryFix): void {
    this.db
      .transaction(() => {
        for (const c of fix.completed) {
          this.foundStmt.run({ jobId, ...c, durationMs: Math.max(0, c.endTime - c.triggerTime) });
        }
        for (const path of fix.discarded) this.discardedStmt.run(jobId, path);
        for (const p of fix.restoreProblems) this.restoreProblemStmt.run(p.problem, jobId, p.path);
        for (const c of fix.failed) this.failInProgressStmt.run({ jobId, ...c, endTime: fix.failedAt, reason: fix.failedReason });
        if (fix.lastCheckpoint !== undefined) {
          const last = fix.lastCheckpoint;
          this.setLastCheckpointStmt.run({ jobId, id: last?.id ?? null, path: last?.path ?? null, time: last?.time ?? null });
        }
        this.forgetOld(jobId);
      })
      .immediate();
  }

  /**
   * Deletes the job's rows of checkpoints that are over beyond the newest
   * {@link ENDED_CHECKPOINTS_KEPT}, counting them on the job's row. Called inside the
   * transaction that ended one, so usually one row goes.
   */
  private forgetOld(jobId: JobId): void {
    const rows = this.forgettableStmt.all(jobId, ENDED_CHECKPOINTS_KEPT) as Row[];
    if (rows.length === 0) return;
    let completed = 0;
    for (const r of rows) {
      this.forgetStmt.run(jobId, r['checkpoint_id'], r['kind']);
      if (r['status'] === 'COMPLETED') completed++;
    }
    this.countForgottenStmt.run({ jobId, completed, failed: rows.length - completed });
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
