import type { Database, Statement } from 'better-sqlite3';
import type { JobId } from '../util/ids.js';
import { foreignKeyToNotFound } from './job-table.js';
import type { JobMetricsSnapshot, JobPlan, MetricSample } from './metric-records.js';
import type { Row } from './records.js';

/** How much metric history a running job keeps: the dashboard's charts span this much. */
export const METRIC_HISTORY_MS = 5 * 60_000;
/** How many samples an ended job keeps (its last minute), so history does not grow with every job ever run. */
export const ENDED_JOB_SAMPLES = 60;

/** Checkpoint counts of one job, by status (Flink's checkpoint statistics counts). */
export interface CheckpointCounts {
  readonly total: number;
  readonly inProgress: number;
  readonly completed: number;
  readonly failed: number;
}

function parse<T>(text: unknown): T | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/**
 * Queries on `job_plans`, `job_metrics` and `job_metric_history`: each job writes its plan once
 * and its metrics every second; readers (`flink web`) never write here.
 */
export class MetricsTable {
  private readonly putPlanStmt: Statement;
  private readonly getPlanStmt: Statement;
  private readonly putLatestStmt: Statement;
  private readonly getLatestStmt: Statement;
  private readonly addSampleStmt: Statement;
  private readonly pruneStmt: Statement;
  private readonly historyStmt: Statement;
  private readonly countsStmt: Statement;
  private readonly trimStmt: Statement;

  constructor(private readonly db: Database) {
    this.putPlanStmt = db.prepare('INSERT OR REPLACE INTO job_plans (job_id, plan) VALUES (?, ?)');
    this.getPlanStmt = db.prepare('SELECT plan FROM job_plans WHERE job_id = ?');
    this.putLatestStmt = db.prepare('INSERT OR REPLACE INTO job_metrics (job_id, time, metrics) VALUES (?, ?, ?)');
    this.getLatestStmt = db.prepare('SELECT metrics FROM job_metrics WHERE job_id = ?');
    this.addSampleStmt = db.prepare('INSERT OR REPLACE INTO job_metric_history (job_id, time, sample) VALUES (?, ?, ?)');
    this.pruneStmt = db.prepare('DELETE FROM job_metric_history WHERE job_id = ? AND time < ?');
    this.trimStmt = db.prepare(
      `DELETE FROM job_metric_history WHERE job_id = @jobId AND time <
         (SELECT time FROM job_metric_history WHERE job_id = @jobId ORDER BY time DESC LIMIT 1 OFFSET @keep)`,
    );
    this.historyStmt = db.prepare('SELECT sample FROM job_metric_history WHERE job_id = ? AND time >= ? ORDER BY time');
    // A discarded checkpoint (its files deleted by retention) is still a completed one, as in
    // Flink; so are those whose rows are no longer kept (counted on the job's row).
    this.countsStmt = db.prepare(
      `SELECT COUNT(c.job_id) + COALESCE(j.forgotten_completed_checkpoints + j.forgotten_failed_checkpoints, 0) AS total,
              COALESCE(SUM(c.status = 'IN_PROGRESS'), 0) AS in_progress,
              COALESCE(SUM(c.status = 'COMPLETED'), 0) + COALESCE(j.forgotten_completed_checkpoints, 0) AS completed,
              COALESCE(SUM(c.status = 'FAILED'), 0) + COALESCE(j.forgotten_failed_checkpoints, 0) AS failed
         FROM jobs j LEFT JOIN checkpoints c ON c.job_id = j.job_id WHERE j.job_id = ?`,
    );
  }

  putPlan(jobId: JobId, plan: JobPlan): void {
    try {
      this.putPlanStmt.run(jobId, JSON.stringify(plan));
    } catch (err) {
      throw foreignKeyToNotFound(err, jobId);
    }
  }

  plan(jobId: JobId): JobPlan | undefined {
    const row = this.getPlanStmt.get(jobId) as Row | undefined;
    return parse<JobPlan>(row?.['plan']);
  }

  /** Replaces the job's latest metrics, appends `sample` and drops history older than the window, atomically. */
  report(jobId: JobId, snapshot: JobMetricsSnapshot, sample: MetricSample): void {
    this.db
      .transaction(() => {
        try {
          this.putLatestStmt.run(jobId, snapshot.time, JSON.stringify(snapshot));
        } catch (err) {
          throw foreignKeyToNotFound(err, jobId);
        }
        this.addSampleStmt.run(jobId, sample.time, JSON.stringify(sample));
        this.pruneStmt.run(jobId, sample.time - METRIC_HISTORY_MS);
      })
      .immediate();
  }

  /** Keeps only the job's newest `keep` samples. */
  trimHistory(jobId: JobId, keep: number): void {
    this.trimStmt.run({ jobId, keep: Math.max(0, keep - 1) });
  }

  latest(jobId: JobId): JobMetricsSnapshot | undefined {
    const row = this.getLatestStmt.get(jobId) as Row | undefined;
    return parse<JobMetricsSnapshot>(row?.['metrics']);
  }

  history(jobId: JobId, since: number): MetricSample[] {
    const rows = this.historyStmt.all(jobId, since) as Row[];
    return rows.map((r) => parse<MetricSample>(r['sample'])).filter((s): s is MetricSample => s !== undefined);
  }

  checkpointCounts(jobId: JobId): CheckpointCounts {
    const r = this.countsStmt.get(jobId) as { total: number; in_progress: number; completed: number; failed: number };
    return { total: r.total, inProgress: r.in_progress, completed: r.completed, failed: r.failed };
  }
}
