import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import type { JobId } from '../util/ids.js';
import { foreignKeyToNotFound } from './job-table.js';
import { toCommandRecord, type CommandKind, type CommandRecord, type Row } from './records.js';

/**
 * Queries on `commands`: the queue through which the CLI asks a job's process to cancel,
 * stop, checkpoint or savepoint. PENDING → RUNNING (taken by the JobMaster) → DONE | FAILED.
 */
export class CommandTable {
  private readonly insertStmt: Statement;
  private readonly hasPendingStmt: Statement;
  private readonly takeStmt: Statement;
  private readonly finishStmt: Statement;
  private readonly failOpenStmt: Statement;
  private readonly getStmt: Statement;
  private readonly listStmt: Statement;

  constructor(
    db: Database,
    private readonly clock: Clock,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO commands (job_id, kind, args, status, created, updated)
       VALUES (?, ?, ?, 'PENDING', ?, ?)`,
    );
    this.hasPendingStmt = db.prepare(`SELECT 1 FROM commands WHERE job_id = ? AND status = 'PENDING' LIMIT 1`);
    // One statement claims and returns the commands, so two pollers can never take the same one.
    this.takeStmt = db.prepare(
      `UPDATE commands SET status = 'RUNNING', updated = ? WHERE job_id = ? AND status = 'PENDING' RETURNING *`,
    );
    this.finishStmt = db.prepare(
      `UPDATE commands SET status = @status, result = @result, error = @error, updated = @updated
       WHERE id = @id AND status IN ('PENDING', 'RUNNING')`,
    );
    this.failOpenStmt = db.prepare(
      `UPDATE commands SET status = 'FAILED', error = ?, updated = ?
       WHERE job_id = ? AND status IN ('PENDING', 'RUNNING')`,
    );
    this.getStmt = db.prepare('SELECT * FROM commands WHERE id = ?');
    this.listStmt = db.prepare('SELECT * FROM commands WHERE job_id = ? ORDER BY id');
  }

  submit(jobId: JobId, kind: CommandKind, args: Record<string, unknown>): number {
    const now = this.clock.now();
    try {
      return Number(this.insertStmt.run(jobId, kind, JSON.stringify(args), now, now).lastInsertRowid);
    } catch (err) {
      throw foreignKeyToNotFound(err, jobId);
    }
  }

  take(jobId: JobId): CommandRecord[] {
    // Polled several times a second: a plain read first, so an idle job never takes the write lock.
    if (this.hasPendingStmt.get(jobId) === undefined) return [];
    const rows = this.takeStmt.all(this.clock.now(), jobId) as Row[];
    return rows.map(toCommandRecord).sort((a, b) => a.id - b.id);
  }

  complete(id: number, result: unknown): boolean {
    return this.finish(id, 'DONE', JSON.stringify(result ?? null), null);
  }

  fail(id: number, error: string): boolean {
    return this.finish(id, 'FAILED', null, error);
  }

  failOpen(jobId: JobId, error: string): number {
    return this.failOpenStmt.run(error, this.clock.now(), jobId).changes;
  }

  get(id: number): CommandRecord | undefined {
    const row = this.getStmt.get(id) as Row | undefined;
    return row === undefined ? undefined : toCommandRecord(row);
  }

  list(jobId: JobId): CommandRecord[] {
    return (this.listStmt.all(jobId) as Row[]).map(toCommandRecord);
  }

  private finish(id: number, status: 'DONE' | 'FAILED', result: string | null, error: string | null): boolean {
    return this.finishStmt.run({ id, status, result, error, updated: this.clock.now() }).changes > 0;
  }
}
