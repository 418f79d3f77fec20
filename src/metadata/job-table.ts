import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../util/clock.js';
import { IllegalJobStateError, JobNotFoundError, MetadataError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { ACTIVE_STATUSES, decideStatusChange, isTerminal, type JobStatus } from './job-status.js';
import { isSqliteError } from './open.js';
import { echo } from '../util/sanitize.js';
import {
  toEventRecord,
  toJobRecord,
  type Continuation,
  type JobEventRecord,
  type JobOwner,
  type JobPatch,
  type JobRecord,
  type NewJob,
  type NewJobEvent,
  type Row,
  type StatusChange,
  type TransitionFields,
} from './records.js';

/** The statuses of a job whose process may still act, as a JSON array for `json_each`. */
const ACTIVE_JSON = JSON.stringify(ACTIVE_STATUSES);

/** Max ids listed in an "ambiguous prefix" error. */
const AMBIGUOUS_SHOWN = 5;

/** Queries on `jobs` and `job_events`; statements are prepared once per connection. */
export class JobTable {
  private readonly insertJobStmt: Statement;
  private readonly getJobStmt: Statement;
  private readonly prefixStmt: Statement;
  private readonly listStmt: Statement;
  private readonly writeJobStmt: Statement;
  private readonly acquireStmt: Statement;
  private readonly renewStmt: Statement;
  private readonly ownershipStmt: Statement;
  private readonly bumpEpochStmt: Statement;
  private readonly failInFlightStmt: Statement;
  private readonly continuationStmt: Statement;
  private readonly claimContinuationStmt: Statement;
  private readonly foreignContinuationStmt: Statement;
  private readonly firstForeignContinuationStmt: Statement;
  private readonly claimForeignContinuationStmt: Statement;
  private readonly insertEventStmt: Statement;
  private readonly listEventsStmt: Statement;
  private readonly recordRestoredStmt: Statement;
  private readonly restartSummaryStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.insertJobStmt = db.prepare(
      `INSERT INTO jobs (job_id, name, job_file, args, status, pid, pid_start, parallelism, config, start_time, restored_from)
       VALUES (@jobId, @name, @jobFile, @args, @status, @pid, @pidStart, @parallelism, @config, @startTime, @restoredFrom)`,
    );
    this.getJobStmt = db.prepare('SELECT * FROM jobs WHERE job_id = ?');
    // A range on the primary key instead of LIKE: uses the index and is case-sensitive.
    this.prefixStmt = db.prepare('SELECT job_id FROM jobs WHERE job_id >= ? AND job_id < ? ORDER BY job_id LIMIT ?');
    // One statement for any status filter: the statuses arrive as a JSON array (or NULL).
    this.listStmt = db.prepare(
      `SELECT * FROM jobs
       WHERE @statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses))
       ORDER BY start_time DESC, rowid DESC LIMIT @limit`,
    );
    this.writeJobStmt = db.prepare(
      `UPDATE jobs SET name = @name, status = @status, pid = @pid, pid_start = @pidStart, parallelism = @parallelism, config = @config,
         end_time = @endTime, restored_from = @restoredFrom, failure_cause = @failureCause, failure_stack = @failureStack
       WHERE job_id = @jobId`,
    );
    // Fencing: each statement is its own compare-and-set, so no read can go stale before the write.
    this.acquireStmt = db.prepare(
      `UPDATE jobs SET epoch = epoch + 1, pid = @pid, pid_start = @pidStart, heartbeat = @heartbeat
       WHERE job_id = @jobId AND status = 'CREATED' AND epoch = 0 RETURNING epoch`,
    );
    this.renewStmt = db.prepare(
      `UPDATE jobs SET heartbeat = @time
       WHERE job_id = @jobId AND epoch = @epoch AND status IN (SELECT value FROM json_each(@active))`,
    );
    this.ownershipStmt = db.prepare('SELECT epoch, status FROM jobs WHERE job_id = ?');
    this.bumpEpochStmt = db.prepare('UPDATE jobs SET epoch = epoch + 1 WHERE job_id = ?');
    this.continuationStmt = db.prepare('SELECT continued_by_job, continued_by_pid, continued_by_pid_start FROM jobs WHERE job_id = ?');
    // Compare-and-set: only over the claim the caller saw, so two restores cannot both take it.
    this.claimContinuationStmt = db.prepare(
      `UPDATE jobs SET continued_by_job = @job, continued_by_pid = @pid, continued_by_pid_start = @pidStart
       WHERE job_id = @id AND continued_by_job IS @seenJob AND continued_by_pid IS @seenPid AND continued_by_pid_start IS @seenPidStart`,
    );
    this.foreignContinuationStmt = db.prepare('SELECT continued_by_job, continued_by_pid, continued_by_pid_start FROM foreign_continuations WHERE job_id = ?');
    // The first claim of a job makes its row (of two at once, one); later ones change it only over the claim they saw.
    this.firstForeignContinuationStmt = db.prepare(
      `INSERT INTO foreign_continuations (job_id, continued_by_job, continued_by_pid, continued_by_pid_start)
       VALUES (@id, @job, @pid, @pidStart) ON CONFLICT (job_id) DO NOTHING`,
    );
    this.claimForeignContinuationStmt = db.prepare(
      `UPDATE foreign_continuations SET continued_by_job = @job, continued_by_pid = @pid, continued_by_pid_start = @pidStart
       WHERE job_id = @id AND continued_by_job IS @seenJob AND continued_by_pid IS @seenPid AND continued_by_pid_start IS @seenPidStart`,
    );
    this.failInFlightStmt = db.prepare(
      `UPDATE checkpoints SET status = 'FAILED', end_time = @now, failure_reason = @cause WHERE job_id = @id AND status = 'IN_PROGRESS'`,
    );
    this.insertEventStmt = db.prepare(
      `INSERT INTO job_events (job_id, time, kind, status_from, status_to, cause, stack, attempt)
       VALUES (@jobId, @time, @kind, @statusFrom, @statusTo, @cause, @stack, @attempt)`,
    );
    this.listEventsStmt = db.prepare('SELECT * FROM job_events WHERE job_id = ? ORDER BY id');
    this.recordRestoredStmt = db.prepare(
      `UPDATE job_events SET restored_id = @id, restored_path = @path, restored_time = @time
       WHERE id = (SELECT max(id) FROM job_events WHERE job_id = @jobId AND kind = 'restart')`,
    );
    // One query for all jobs: the count of restarts and the cause of the latest one.
    this.restartSummaryStmt = db.prepare(
      `SELECT job_id, COUNT(*) AS restarts,
              (SELECT cause FROM job_events l WHERE l.job_id = e.job_id AND l.kind = 'restart' ORDER BY l.id DESC LIMIT 1) AS last_cause
         FROM job_events e WHERE kind = 'restart' GROUP BY job_id`,
    );
  }

  create(rec: NewJob): JobRecord {
    const status = rec.status ?? 'CREATED';
    const startTime = rec.startTime ?? this.clock.now();
    this.db
      .transaction(() => {
        try {
          this.insertJobStmt.run({
            jobId: rec.jobId,
            name: rec.name,
            jobFile: rec.jobFile,
            args: JSON.stringify(rec.args ?? []),
            status,
            pid: rec.pid ?? null,
            pidStart: rec.pidStart ?? null,
            parallelism: rec.parallelism ?? null,
            config: JSON.stringify(rec.config ?? {}),
            startTime,
            restoredFrom: rec.restoredFrom ?? null,
          });
        } catch (err) {
          if (isSqliteError(err) && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
            throw new MetadataError(`A job with id ${rec.jobId} already exists.`);
          }
          throw err;
        }
        this.recordEvent({ jobId: rec.jobId, kind: 'status', time: startTime, statusFrom: null, statusTo: status });
      })
      .immediate();
    return this.mustGet(rec.jobId);
  }

  get(id: string): JobRecord | undefined {
    const row = this.getJobStmt.get(id) as Row | undefined;
    return row === undefined ? undefined : toJobRecord(row);
  }

  mustGet(id: string): JobRecord {
    const job = this.get(id);
    if (job === undefined) throw noSuchJob(id);
    return job;
  }

  resolve(prefixOrId: string): JobId {
    const p = prefixOrId.trim().toLowerCase();
    if (!/^[0-9a-f]+$/.test(p) || p.length > 32) {
      throw new JobNotFoundError(
        `'${echo(prefixOrId)}' is not a job id: job ids are 32 hexadecimal characters (a prefix of at least 6 will do).`,
        'job.invalidId',
      );
    }
    if (p.length < 6) {
      throw new JobNotFoundError(
        `Job id prefix '${prefixOrId}' is too short: give at least 6 characters of the job id.`,
        'job.invalidId',
      );
    }
    // 'g' sorts after every hex digit, so [p, p+'g') holds exactly the ids starting with p.
    const rows = this.prefixStmt.all(p, `${p}g`, AMBIGUOUS_SHOWN + 1) as Row[];
    const ids = rows.map((r) => String(r['job_id']));
    if (ids.length === 0) throw noSuchJob(prefixOrId);
    if (ids.length > 1) {
      const shown = ids.slice(0, AMBIGUOUS_SHOWN).join(', ');
      const more = ids.length > AMBIGUOUS_SHOWN ? ' and more' : '';
      throw new JobNotFoundError(
        `Job id prefix '${prefixOrId}' is ambiguous: it matches ${shown}${more}. Give more characters.`,
        'job.ambiguous',
      );
    }
    return ids[0] as JobId;
  }

  list(opts: { statuses?: readonly JobStatus[]; limit?: number }): JobRecord[] {
    const rows = this.listStmt.all({
      statuses: opts.statuses === undefined ? null : JSON.stringify(opts.statuses),
      limit: opts.limit ?? -1,
    }) as Row[];
    return rows.map(toJobRecord);
  }

  compareAndSetStatus(id: JobId, to: JobStatus, expectedEpoch: number | undefined, fields: TransitionFields = {}): StatusChange {
    // IMMEDIATE: the write lock is held from the read to the write, so the decision stands.
    return this.db
      .transaction((): StatusChange => {
        const job = this.mustGet(id);
        const decision = decideStatusChange(job, to, expectedEpoch);
        if (decision !== 'move') return { outcome: decision, job };
        const now = this.clock.now();
        const next: JobRecord = {
          ...job,
          status: to,
          endTime: fields.endTime ?? (isTerminal(to) ? now : job.endTime),
          failureCause: fields.failureCause !== undefined ? fields.failureCause : job.failureCause,
          failureStack: fields.failureStack !== undefined ? fields.failureStack : job.failureStack,
          pid: fields.pid !== undefined ? fields.pid : job.pid,
        };
        this.write(next);
        this.recordEvent({ jobId: id, kind: 'status', time: now, statusFrom: job.status, statusTo: to, cause: fields.failureCause ?? null });
        return { outcome: 'moved', from: job.status, job: next };
      })
      .immediate();
  }

  acquire(id: JobId, owner: JobOwner): number | undefined {
    const row = this.acquireStmt.get({ jobId: id, pid: owner.pid, pidStart: owner.pidStart, heartbeat: owner.heartbeat }) as { epoch: number } | undefined;
    return row?.epoch;
  }

  renewLease(id: JobId, epoch: number, time: number): boolean {
    return this.renewStmt.run({ jobId: id, epoch, time, active: ACTIVE_JSON }).changes > 0;
  }

  ownership(id: JobId): { epoch: number; status: JobStatus } | undefined {
    return this.ownershipStmt.get(id) as { epoch: number; status: JobStatus } | undefined;
  }

  update(id: JobId, patch: JobPatch): JobRecord {
    return this.db
      .transaction(() => {
        const job = this.mustGet(id);
        const next: JobRecord = {
          ...job,
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.pid !== undefined ? { pid: patch.pid } : {}),
          ...(patch.pidStart !== undefined ? { pidStart: patch.pidStart } : {}),
          ...(patch.parallelism !== undefined ? { parallelism: patch.parallelism } : {}),
          ...(patch.config !== undefined ? { config: patch.config } : {}),
          ...(patch.restoredFrom !== undefined ? { restoredFrom: patch.restoredFrom } : {}),
        };
        this.write(next);
        return next;
      })
      .immediate();
  }

  markLost(id: JobId, cause: string, staleBefore: number | undefined): boolean {
    return this.db
      .transaction(() => {
        const job = this.get(id);
        if (job === undefined || isTerminal(job.status)) return false;
        // A heartbeat newer than the caller's threshold means the process is alive after all.
        if (staleBefore !== undefined && job.heartbeat !== null && job.heartbeat >= staleBefore) return false;
        const now = this.clock.now();
        this.write({ ...job, status: 'FAILED', endTime: now, failureCause: cause, failureStack: null });
        // A new epoch: the process, should it still run, finds itself superseded and commits nothing more.
        this.bumpEpochStmt.run(id);
        // Its checkpoints in flight end with it, as Flink fails the pending checkpoints of a job
        // that ends (one published just before the crash is still found on disk by `run -s`).
        this.failInFlightStmt.run({ id, now, cause });
        this.recordEvent({ jobId: id, kind: 'failure', time: now, cause });
        this.recordEvent({ jobId: id, kind: 'status', time: now, statusFrom: job.status, statusTo: 'FAILED', cause });
        return true;
      })
      .immediate();
  }

  /**
   * Who continues job `id` from its snapshot (see {@link Continuation}): a job of this home on its
   * row, one this flink.db does not know (its snapshot taken elsewhere) in foreign_continuations;
   * all null when nobody did.
   */
  continuation(id: string): Continuation {
    const row = (this.continuationStmt.get(id) ?? this.foreignContinuationStmt.get(id)) as ContinuationRow | undefined;
    if (row === undefined) return NOBODY;
    return { job: row.continued_by_job as JobId | null, pid: row.continued_by_pid, pidStart: row.continued_by_pid_start };
  }

  /** Sets who continues job `id` if the claim is still `seen`; false if another changed it meanwhile. */
  claimContinuation(id: string, seen: Continuation, next: Continuation): boolean {
    const params = { id, job: next.job, pid: next.pid, pidStart: next.pidStart, seenJob: seen.job, seenPid: seen.pid, seenPidStart: seen.pidStart };
    return this.db
      .transaction(() => {
        if (this.ownershipStmt.get(id) !== undefined) return this.claimContinuationStmt.run(params).changes === 1;
        const first = seen.job === null && seen.pid === null && seen.pidStart === null;
        return (first ? this.firstForeignContinuationStmt : this.claimForeignContinuationStmt).run(params).changes === 1;
      })
      .immediate();
  }

  recordEvent(ev: NewJobEvent): number {
    try {
      const info = this.insertEventStmt.run({
        jobId: ev.jobId,
        time: ev.time ?? this.clock.now(),
        kind: ev.kind,
        statusFrom: ev.statusFrom ?? null,
        statusTo: ev.statusTo ?? null,
        cause: ev.cause ?? null,
        stack: ev.stack ?? null,
        attempt: ev.attempt ?? null,
      });
      return Number(info.lastInsertRowid);
    } catch (err) {
      throw foreignKeyToNotFound(err, ev.jobId);
    }
  }

  /** The job's latest restart restored snapshot `id` at `path` (its event says so). */
  recordRestored(jobId: JobId, restored: { id: number; path: string; time: number }): void {
    this.recordRestoredStmt.run({ jobId, ...restored });
  }

  restartSummary(): Map<string, { restarts: number; lastCause: string | null }> {
    const rows = this.restartSummaryStmt.all() as Array<{ job_id: string; restarts: number; last_cause: string | null }>;
    return new Map(rows.map((r) => [r.job_id, { restarts: r.restarts, lastCause: r.last_cause }]));
  }

  listEvents(jobId: JobId): JobEventRecord[] {
    return (this.listEventsStmt.all(jobId) as Row[]).map(toEventRecord);
  }

  private write(job: JobRecord): void {
    this.writeJobStmt.run({
      jobId: job.jobId,
      name: job.name,
      status: job.status,
      pid: job.pid,
      pidStart: job.pidStart,
      parallelism: job.parallelism,
      config: JSON.stringify(job.config),
      endTime: job.endTime,
      restoredFrom: job.restoredFrom,
      failureCause: job.failureCause,
      failureStack: job.failureStack,
    });
  }
}

/** The standard "no such job" error. */
export function noSuchJob(idOrPrefix: string): JobNotFoundError {
  return new JobNotFoundError(`No job matches '${idOrPrefix}'. Run 'flink list -a' to see job ids.`);
}

/** A foreign-key failure on a job_id column means the job does not exist. */
export function foreignKeyToNotFound(err: unknown, jobId: string): unknown {
  return isSqliteError(err) && err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ? noSuchJob(jobId) : err;
}

interface ContinuationRow {
  readonly continued_by_job: string | null;
  readonly continued_by_pid: number | null;
  readonly continued_by_pid_start: number | null;
}

const NOBODY: Continuation = Object.freeze({ job: null, pid: null, pidStart: null });
