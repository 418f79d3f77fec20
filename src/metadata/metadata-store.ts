import * as path from 'node:path';
import type { Database } from 'better-sqlite3';
import { systemClock, type Clock } from '../util/clock.js';
import { IllegalJobStateError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { CheckpointTable } from './checkpoint-table.js';
import { CommandTable } from './command-table.js';
import type { JobStatus } from './job-status.js';
import { JobTable } from './job-table.js';
import type { JobMetricsSnapshot, JobPlan, MetricSample } from './metric-records.js';
import { type CheckpointCounts, MetricsTable } from './metrics-table.js';
import { guard, openDatabase } from './open.js';
import type {
  CheckpointHistoryFix,
  CheckpointKind,
  CheckpointPatch,
  CheckpointRecord,
  CommandKind,
  CommandRecord,
  Continuation,
  JobEventRecord,
  JobOwner,
  JobPatch,
  JobRecord,
  NewCheckpoint,
  NewJob,
  NewJobEvent,
  StatusChange,
  TransitionFields,
} from './records.js';

/** How {@link MetadataStore.open} opens the database. */
export interface OpenOptions {
  /** Open without writing: no file creation, no migrations (for readers such as `flink list`). */
  readonly readonly?: boolean;
  /** Source of the times the store writes itself (events, command updates); for tests. */
  readonly clock?: Clock;
}

/** The cause written by {@link MetadataStore.markLost} unless the caller gives one. */
export const JOB_PROCESS_LOST = 'job process lost';

/**
 * The typed face of `flink.db`, the one place every process meets (see ARCHITECTURE.md): job
 * rows and their status machine, events, checkpoint history and the command queue. Nothing
 * else in the codebase writes SQL.
 *
 * Synchronous (better-sqlite3). Every read-modify-write runs in an IMMEDIATE transaction:
 * taking the write lock up front means two processes never both hold a read lock and then
 * deadlock trying to upgrade, which SQLite would answer with SQLITE_BUSY despite the timeout.
 * Failures surface as FlinkErrors with one-line messages.
 */
export class MetadataStore {
  /** Absolute path of the database file. */
  readonly path: string;
  private readonly db: Database;
  private readonly jobs: JobTable;
  private readonly checkpoints: CheckpointTable;
  private readonly commands: CommandTable;
  private readonly metrics: MetricsTable;

  private constructor(file: string, db: Database, clock: Clock) {
    this.path = file;
    this.db = db;
    this.jobs = new JobTable(db, clock);
    this.checkpoints = new CheckpointTable(db, clock);
    this.commands = new CommandTable(db, clock);
    this.metrics = new MetricsTable(db);
  }

  /**
   * Opens (and unless read-only creates, with mode 0600, and migrates) the store at `dbPath`.
   *
   * @throws MetadataError if the file is not a usable database, e.g.
   * `Cannot open /x/flink.db: file is not a database. Move it aside to start with a fresh job history.`
   */
  static open(dbPath: string, opts: OpenOptions = {}): MetadataStore {
    const file = path.resolve(dbPath);
    const db = openDatabase(file, opts.readonly ?? false);
    try {
      // Preparing statements reads the schema, so a failure here is still a failure to open.
      return guard(file, () => new MetadataStore(file, db, opts.clock ?? systemClock));
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** Closes the connection; later calls fail. Safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  private run<T>(fn: () => T): T {
    return guard(this.path, fn);
  }

  // ---- jobs ----

  /** Inserts a job (status CREATED unless given) and its first status event. */
  createJob(rec: NewJob): JobRecord {
    return this.run(() => this.jobs.create(rec));
  }

  /** The job with exactly this id, or undefined. */
  getJob(id: string): JobRecord | undefined {
    return this.run(() => this.jobs.get(id));
  }

  /**
   * The full id of the one job whose id is `prefixOrId` or starts with it (at least 6 hex
   * characters, case-insensitive).
   *
   * @throws JobNotFoundError: `job.notFound` for no match, `job.ambiguous` for several,
   * `job.invalidId` for a non-hex or too short prefix.
   */
  resolveJobId(prefixOrId: string): JobId {
    return this.run(() => this.jobs.resolve(prefixOrId));
  }

  /** Jobs, newest first, optionally only those in `statuses`, at most `limit`. */
  listJobs(opts: { statuses?: readonly JobStatus[]; limit?: number } = {}): JobRecord[] {
    return this.run(() => this.jobs.list(opts));
  }

  /**
   * Compare-and-set of the job's status: moves it to `to` if the transition table allows that
   * from its current status and (given `epoch`) the job's fencing epoch is still `epoch`, writing
   * `fields` and a status event, all in one transaction. The end time defaults to now for a
   * terminal status. Says what happened; a refused or fenced attempt changes nothing.
   *
   * @throws JobNotFoundError
   */
  compareAndSetStatus(id: JobId, to: JobStatus, opts: { readonly epoch?: number; readonly fields?: TransitionFields } = {}): StatusChange {
    return this.run(() => this.jobs.compareAndSetStatus(id, to, opts.epoch, opts.fields));
  }

  /**
   * {@link compareAndSetStatus} without an epoch, for a move that must happen.
   *
   * @throws JobNotFoundError, or IllegalJobStateError
   * (`Illegal job status change FINISHED -> CANCELLING for job <id>`).
   */
  transitionJob(id: JobId, to: JobStatus, fields?: TransitionFields): JobRecord {
    const change = this.compareAndSetStatus(id, to, { fields });
    if (change.outcome !== 'moved') throw new IllegalJobStateError(`Illegal job status change ${change.job.status} -> ${to} for job ${id}`);
    return change.job;
  }

  /** Who continues job `id` from its snapshot, whether this home knows the job or not; all null when nobody did. */
  continuation(id: string): Continuation {
    return this.run(() => this.jobs.continuation(id));
  }

  /** Sets who continues job `id`, if the claim is still `seen` (compare-and-set); false if not. */
  claimContinuation(id: string, seen: Continuation, next: Continuation): boolean {
    return this.run(() => this.jobs.claimContinuation(id, seen, next));
  }

  /** Changes fields that are not part of the status machine (name, pid, parallelism, ...). */
  updateJob(id: JobId, patch: JobPatch): JobRecord {
    return this.run(() => this.jobs.update(id, patch));
  }

  /**
   * A process takes over a CREATED job to run it: the job's epoch goes up by one and is returned
   * (the process's fencing token), with the process recorded and its first heartbeat. Undefined if
   * the job is not CREATED or was taken already (by another process, or failed before it
   * started): then this process must not run it.
   */
  acquireJob(id: JobId, owner: JobOwner): number | undefined {
    return this.run(() => this.jobs.acquire(id, owner));
  }

  /**
   * The owner's heartbeat: records `time` only if the job still has this `epoch` and is not
   * terminal. False means the caller no longer owns the job (declared lost, or superseded).
   */
  renewLease(id: JobId, epoch: number, time: number): boolean {
    return this.run(() => this.jobs.renewLease(id, epoch, time));
  }

  /** The job's current epoch and status (a cheap read for fencing checks), or undefined. */
  jobOwnership(id: JobId): { readonly epoch: number; readonly status: JobStatus } | undefined {
    return this.run(() => this.jobs.ownership(id));
  }

  /**
   * For a job whose process is gone: atomically moves it to FAILED with `cause` and an end
   * time, and to a new epoch (fencing out the process should it still run), only if it is still
   * non-terminal and (given `staleBefore`) its heartbeat is older than that; its commands not
   * yet answered fail with the cause. Returns true if it changed the job.
   */
  markLost(id: JobId, cause: string = JOB_PROCESS_LOST, opts: { staleBefore?: number } = {}): boolean {
    return this.run(() =>
      this.db
        .transaction(() => {
          if (!this.jobs.markLost(id, cause, opts.staleBefore)) return false;
          // No process will answer its commands now: they fail at once, so a `flink stop` waiting
          // for one says why instead of waiting out its timeout (the job ended while another
          // process, `flink list` say, was the one to find it lost).
          this.commands.failOpen(id, `the job ended as FAILED (${cause}) before it answered`);
          return true;
        })
        .immediate(),
    );
  }

  // ---- events (status changes, failures, restarts) ----

  /** Appends an event; returns its id. */
  recordEvent(ev: NewJobEvent): number {
    return this.run(() => this.jobs.recordEvent(ev));
  }

  /** The job's latest restart restored snapshot `id` at `path`, running again at `time`. */
  recordRestored(jobId: JobId, restored: { id: number; path: string; time: number }): void {
    this.run(() => this.jobs.recordRestored(jobId, restored));
  }

  /** The job's events, oldest first. */
  listEvents(jobId: JobId): JobEventRecord[] {
    return this.run(() => this.jobs.listEvents(jobId));
  }

  /** Per job with restarts: how many, and the cause of the latest. */
  restartSummary(): Map<string, { restarts: number; lastCause: string | null }> {
    return this.run(() => this.jobs.restartSummary());
  }

  // ---- checkpoints and savepoints ----

  /** Records a triggered checkpoint or savepoint (IN_PROGRESS unless given). */
  insertCheckpoint(cp: NewCheckpoint): CheckpointRecord {
    return this.run(() => this.checkpoints.insert(cp));
  }

  /**
   * Updates a checkpoint row; completing it also sets the job's last checkpoint (or, for a
   * savepoint, its savepoint path) in the same transaction.
   */
  updateCheckpoint(jobId: JobId, checkpointId: number, kind: CheckpointKind, patch: CheckpointPatch): CheckpointRecord {
    return this.run(() => this.checkpoints.update(jobId, checkpointId, kind, patch));
  }

  /** {@link updateCheckpoint} to COMPLETED; end time defaults to now, duration to end - trigger. */
  completeCheckpoint(
    jobId: JobId,
    checkpointId: number,
    kind: CheckpointKind,
    stats: Omit<CheckpointPatch, 'status'> = {},
  ): CheckpointRecord {
    return this.run(() => this.checkpoints.complete(jobId, checkpointId, kind, stats));
  }

  /** One checkpoint row, or undefined. */
  getCheckpoint(jobId: JobId, checkpointId: number, kind: CheckpointKind): CheckpointRecord | undefined {
    return this.run(() => this.checkpoints.get(jobId, checkpointId, kind));
  }

  /** The job's checkpoints and savepoints, newest (highest id) first. */
  listCheckpoints(jobId: JobId, opts: { limit?: number } = {}): CheckpointRecord[] {
    return this.run(() => this.checkpoints.list(jobId, opts.limit));
  }

  /**
   * The job's completed checkpoint with the highest id that is neither discarded nor known to
   * be damaged, savepoints included unless `includeSavepoints` is false: what `flink run -s
   * <jobId>` restores from once flink.db is level with the disk. As in
   * Flink, savepoints and checkpoints draw ids from one counter, so the highest id is the
   * newest state.
   */
  latestCompletedCheckpoint(jobId: JobId, opts: { includeSavepoints?: boolean } = {}): CheckpointRecord | undefined {
    return this.run(() => this.checkpoints.latestCompleted(jobId, opts.includeSavepoints ?? true));
  }

  /**
   * The job's rows that bringing its history level with the disk looks at: completed and not
   * discarded (what `flink run -s <jobId>` may restore), or still in progress; newest first.
   */
  checkpointsToReconcile(jobId: JobId): CheckpointRecord[] {
    return this.run(() => this.checkpoints.toReconcile(jobId));
  }

  /**
   * Brings a job's checkpoint history level with its checkpoint directory, in one transaction:
   * records checkpoints found published, marks deleted ones discarded and damaged ones with
   * their problem, fails those left in progress, and sets the job's latest checkpoint (which,
   * unlike a completion's, may move back). Only for a job whose process has ended.
   */
  reconcileCheckpoints(jobId: JobId, fix: CheckpointHistoryFix): void {
    this.run(() => this.checkpoints.reconcile(jobId, fix));
  }

  /** The newest checkpoint or savepoint recorded at exactly `path`, or undefined. */
  findCheckpointByPath(path: string): CheckpointRecord | undefined {
    return this.run(() => this.checkpoints.findByPath(path));
  }

  /** Marks COMPLETED rows at `path` discarded (after `flink savepoint -d`); returns how many. */
  disposeCheckpointByPath(path: string): number {
    return this.run(() => this.checkpoints.disposeByPath(path));
  }

  // ---- commands ----

  /** Queues a command for the job's process; returns its id. @throws JobNotFoundError */
  submitCommand(jobId: JobId, kind: CommandKind, args: Record<string, unknown> = {}): number {
    return this.run(() => this.commands.submit(jobId, kind, args));
  }

  /** Claims the job's PENDING commands (marking them RUNNING atomically), oldest first. */
  takePendingCommands(jobId: JobId): CommandRecord[] {
    return this.run(() => this.commands.take(jobId));
  }

  /** Marks a command DONE with a JSON-serialisable result; false if it was already finished. */
  completeCommand(id: number, result: unknown = null): boolean {
    return this.run(() => this.commands.complete(id, result));
  }

  /** Marks a command FAILED with a one-line error; false if it was already finished. */
  failCommand(id: number, error: string): boolean {
    return this.run(() => this.commands.fail(id, error));
  }

  /**
   * Fails every PENDING or RUNNING command of the job, e.g. when it ends, so a CLI waiting on
   * one is not left hanging. Returns how many.
   */
  failOpenCommands(jobId: JobId, error: string): number {
    return this.run(() => this.commands.failOpen(jobId, error));
  }

  /** One command, or undefined. */
  getCommand(id: number): CommandRecord | undefined {
    return this.run(() => this.commands.get(id));
  }

  /** The job's commands, oldest first. */
  listCommands(jobId: JobId): CommandRecord[] {
    return this.run(() => this.commands.list(jobId));
  }

  // ---- plans and metrics (flink web, the live status line) ----

  /** Records the job's chained graph, so readers can show it without loading the engine. */
  recordPlan(jobId: JobId, plan: JobPlan): void {
    this.run(() => this.metrics.putPlan(jobId, plan));
  }

  /** The job's recorded plan; undefined for jobs recorded before plans were. */
  getPlan(jobId: JobId): JobPlan | undefined {
    return this.run(() => this.metrics.plan(jobId));
  }

  /** Replaces the job's latest metrics and adds a history sample (older samples are pruned). */
  reportMetrics(jobId: JobId, snapshot: JobMetricsSnapshot, sample: MetricSample): void {
    this.run(() => this.metrics.report(jobId, snapshot, sample));
  }

  /** Keeps only the job's newest `keep` history samples (when it ends). */
  trimMetricHistory(jobId: JobId, keep: number): void {
    this.run(() => this.metrics.trimHistory(jobId, keep));
  }

  /** The job's latest reported metrics, or undefined if it never reported. */
  latestMetrics(jobId: JobId): JobMetricsSnapshot | undefined {
    return this.run(() => this.metrics.latest(jobId));
  }

  /** The job's metric samples since `since` (epoch ms), oldest first. */
  metricHistory(jobId: JobId, since = 0): MetricSample[] {
    return this.run(() => this.metrics.history(jobId, since));
  }

  /** How many of the job's checkpoints and savepoints are in progress, completed, failed. */
  checkpointCounts(jobId: JobId): CheckpointCounts {
    return this.run(() => this.metrics.checkpointCounts(jobId));
  }
}
