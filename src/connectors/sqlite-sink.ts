import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { Sink, SinkWriter, SinkWriterContext } from '../graph/index.js';
import { pack, unpack } from '../util/binary-codec.js';
import { type TableSinkOptions, checkRowWidth, describeValue } from './table-sink-options.js';

/** A value SQLite stores. Booleans are stored as 1/0, whole numbers as INTEGER. */
export type SqlValue = string | number | bigint | boolean | null | Uint8Array;

/** Options of a {@link SqliteSink}; its table is created with `columns` if it does not exist. */
export interface SqliteSinkOptions<T> extends TableSinkOptions<T, SqlValue> {
  /** The database file; created if missing. */
  readonly path: string;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STAGE_LIMIT = 50_000;

function ident(name: string, what: string): string {
  if (!IDENT.test(name)) throw new TypeError(`SqliteSink: ${what} '${name}' is not a plain SQL identifier (letters, digits, _).`);
  return `"${name}"`;
}

/**
 * An exactly-once sink into a SQLite table. Rows are staged in the database at checkpoint n's
 * barrier (pre-commit, durable) and moved into the table when n completes, in one transaction
 * that also records (sink, subtask, n) as committed — so a replay after a failure commits
 * nothing twice. Rows after the last checkpoint are dropped on failure and replayed.
 *
 * @example
 * counts.sinkTo(new SqliteSink({ path: 'out/counts.db', table: 'counts', columns: ['word', 'n'],
 *   toRow: ([word, n]) => [word, n], upsertKey: ['word'] })).uid('db');
 */
export class SqliteSink<T> implements Sink<T> {
  constructor(readonly options: SqliteSinkOptions<T>) {
    ident(options.table, 'table');
    if (options.columns.length === 0) throw new TypeError('SqliteSink needs at least one column.');
    for (const c of [...options.columns, ...(options.upsertKey ?? [])]) ident(c, 'column');
    for (const k of options.upsertKey ?? []) {
      if (!options.columns.includes(k)) throw new TypeError(`SqliteSink: upsert key '${k}' is not one of the columns.`);
    }
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    return new SqliteSinkWriter(this.options, context);
  }
}

/**
 * A run id: `<job id>:<16 hex>`. The job part lets a restore clean up what the snapshot's job
 * (and the restoring job's earlier attempts, and the jobs the context names abandoned) staged
 * after the snapshot, and nothing of any other job: the restore starts only once the snapshot's job can no longer write — or, for a snapshot
 * flink.db does not know the job of (the context's `jobsStillWriting`), leaves that job's rows.
 */
function newRunId(jobId: string): string {
  return `${jobId}:${randomBytes(8).toString('hex')}`;
}

/** The job of a run id; undefined for one from before run ids named their job. */
function jobOfRun(runId: string): string | undefined {
  const at = runId.lastIndexOf(':');
  return at < 0 ? undefined : runId.slice(0, at);
}

/** One checkpoint's staged rows of one subtask of one run, not yet committed: the writer's state. */
interface PendingCommit {
  readonly runId: string;
  readonly subtask: number;
  readonly checkpointId: number;
}

/** The statements over the staging and commit tables (shared by every sink of a database), by what they do. */
const STAGING_SQL = {
  stage: 'INSERT INTO _flink_sink_staging (sink_uid, subtask, run_id, checkpoint_id, seq, row) VALUES (?, ?, ?, ?, ?, ?)',
  assign: 'UPDATE _flink_sink_staging SET checkpoint_id = ? WHERE sink_uid = ? AND subtask = ? AND run_id = ? AND checkpoint_id IS NULL',
  // Staged rows are identified by run as well: a run that crashed before its checkpoint n
  // completed leaves rows under n that a later, fresh run must never commit as its own n.
  staged: 'SELECT row FROM _flink_sink_staging WHERE sink_uid = ? AND run_id = ? AND subtask = ? AND checkpoint_id = ? ORDER BY seq',
  isCommitted: 'SELECT 1 FROM _flink_sink_commits WHERE sink_uid = ? AND run_id = ? AND subtask = ? AND checkpoint_id = ?',
  markCommitted: 'INSERT INTO _flink_sink_commits (sink_uid, run_id, subtask, checkpoint_id, committed_at) VALUES (?, ?, ?, ?, ?)',
  dropStaged: 'DELETE FROM _flink_sink_staging WHERE sink_uid = ? AND run_id = ? AND subtask = ? AND checkpoint_id = ?',
  // The runs of one job: ids from '<job>:' up to (not including) '<job>;' (';' follows ':').
  dropJobStaged: 'DELETE FROM _flink_sink_staging WHERE sink_uid = ? AND run_id >= ? AND run_id < ?',
  dropLegacyStaged: "DELETE FROM _flink_sink_staging WHERE sink_uid = ? AND instr(run_id, ':') = 0",
} as const;
type StagingStatements = { readonly [K in keyof typeof STAGING_SQL]: Database.Statement };

class SqliteSinkWriter<T> implements SinkWriter<T> {
  private readonly db: Database.Database;
  private buffer: unknown[][] = [];
  private pending: PendingCommit[] = [];
  /** Tags rows staged before their checkpoint is known, so another run's never get mixed in. */
  private readonly runId: string;
  private seq = 0;
  private readonly insertStmt: Database.Statement;
  private readonly staging: StagingStatements;

  constructor(
    private readonly options: SqliteSinkOptions<T>,
    private readonly context: SinkWriterContext,
  ) {
    this.runId = newRunId(context.jobId);
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 10000');
    const table = ident(options.table, 'table');
    const cols = options.columns.map((c) => ident(c, 'column'));
    const key = options.upsertKey?.length ? `, PRIMARY KEY (${options.upsertKey.map((c) => ident(c, 'column')).join(', ')})` : '';
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${table} (${cols.join(', ')}${key});
      CREATE TABLE IF NOT EXISTS _flink_sink_staging (
        sink_uid TEXT NOT NULL, subtask INTEGER NOT NULL, run_id TEXT NOT NULL,
        checkpoint_id INTEGER, seq INTEGER NOT NULL, row BLOB NOT NULL);
      CREATE INDEX IF NOT EXISTS _flink_sink_staging_by_checkpoint ON _flink_sink_staging (sink_uid, run_id, subtask, checkpoint_id);
      CREATE TABLE IF NOT EXISTS _flink_sink_commits (
        sink_uid TEXT NOT NULL, run_id TEXT NOT NULL, subtask INTEGER NOT NULL, checkpoint_id INTEGER NOT NULL,
        committed_at INTEGER NOT NULL, PRIMARY KEY (sink_uid, run_id, subtask, checkpoint_id));`);
    const verb = options.upsertKey?.length ? 'INSERT OR REPLACE' : 'INSERT';
    this.insertStmt = this.db.prepare(`${verb} INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
    const staging = Object.entries(STAGING_SQL).map(([name, sql]) => [name, this.db.prepare(sql)]);
    this.staging = Object.fromEntries(staging) as StagingStatements;
  }

  write(value: T): void {
    // Checked here, not when the row's checkpoint commits: a row SQLite refuses would fail every
    // commit of that checkpoint, also after each restore, and the job could never go on.
    const { columns } = this.options;
    const row = checkRowWidth('SqliteSink', this.options.toRow(value), columns);
    const values = new Array<unknown>(row.length);
    for (let i = 0; i < row.length; i++) values[i] = toSql(row[i], columns[i]!);
    this.buffer.push(values);
    if (this.buffer.length >= STAGE_LIMIT) this.stage(null);
  }

  snapshotState(checkpointId: number): unknown[] {
    const { operatorUid, subtaskIndex } = this.context;
    this.db.transaction(() => {
      this.stage(checkpointId);
      this.staging.assign.run(checkpointId, operatorUid, subtaskIndex, this.runId);
    })();
    this.pending.push({ runId: this.runId, subtask: subtaskIndex, checkpointId });
    return this.pending.map((p) => ({ ...p }));
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const due = this.pending.filter((p) => p.checkpointId <= checkpointId);
    // The job checked its fence before it told its tasks; a process frozen since (a task on a
    // worker takes the word a few ms later) must find out before it commits, not after.
    this.commit(due, `commit checkpoint ${checkpointId} of sink '${this.context.operatorUid}'`);
    this.pending = this.pending.filter((p) => p.checkpointId > checkpointId);
  }

  restoreState(state: unknown[]): void {
    // Union state: every subtask sees every pending commit of the checkpoint; commits are idempotent.
    const recorded = state.filter(isPendingCommit);
    this.commit(recorded, `commit what the restored checkpoint left pending in sink '${this.context.operatorUid}'`);
    if (this.context.subtaskIndex !== 0) return;
    // What the snapshot's job (and this job's earlier attempts) still has staged was written
    // after the restored checkpoint: it will be replayed. Other jobs' rows are theirs.
    const uid = this.context.operatorUid;
    const jobs = new Set([this.context.jobId]);
    // A job that may still be running (another home's) stages rows for its next checkpoint: they are its own to commit.
    const stillWriting = new Set((this.context.jobsStillWriting ?? []).filter((job) => job !== this.context.jobId));
    let legacy = false;
    for (const p of recorded) {
      const job = jobOfRun(p.runId);
      if (job === undefined) legacy = true;
      else if (!stillWriting.has(job)) jobs.add(job);
    }
    // A job that died before a checkpoint of its own, whose restore fell back to the snapshot it
    // had been restored from: no snapshot names its staged rows, so nothing ever commits them.
    for (const job of this.context.jobsAbandoned ?? []) if (!stillWriting.has(job)) jobs.add(job);
    this.db.transaction(() => {
      for (const job of jobs) this.staging.dropJobStaged.run(uid, `${job}:`, `${job};`);
      // A snapshot from before run ids named their job: its runs can no longer write either.
      if (legacy && stillWriting.size === 0) this.staging.dropLegacyStaged.run(uid);
    })();
  }

  endOfInput(): void {
    if (this.context.checkpointing) {
      // Staged without a checkpoint id: the job's final checkpoint assigns and commits them.
      this.stage(null);
      return;
    }
    const { operatorUid, subtaskIndex } = this.context;
    // The end of input is a final commit point: staged and buffered rows all go in.
    const action = `commit the rows of sink '${operatorUid}' at the end of input`;
    // Asked first too: a process that lost the job does not even stage its rows.
    this.context.checkOwnership?.(action);
    const final = -1 - Date.now();
    this.db.transaction(() => {
      this.stage(final);
      this.staging.assign.run(final, operatorUid, subtaskIndex, this.runId);
    })();
    this.commit([...this.pending, { runId: this.runId, subtask: subtaskIndex, checkpointId: final }], action);
    this.pending = [];
  }

  close(): void {
    // Rows not staged under a checkpoint came after the last one: drop them (they are replayed).
    if (this.db.open) {
      this.db.prepare('DELETE FROM _flink_sink_staging WHERE run_id = ? AND checkpoint_id IS NULL').run(this.runId);
      this.db.close();
    }
    this.buffer = [];
  }

  private stage(checkpointId: number | null): void {
    const { operatorUid, subtaskIndex } = this.context;
    const rows = this.buffer;
    this.buffer = [];
    this.db.transaction(() => {
      for (const row of rows) this.staging.stage.run(operatorUid, subtaskIndex, this.runId, checkpointId, this.seq++, pack(row));
    })();
  }

  /**
   * Moves the staged rows of `commits` (checkpoints) into the table and records each, in one
   * transaction; nothing if none. The job's fence is asked last, inside the transaction, so that
   * COMMIT follows the answer at once: the write lock is taken first, and that may wait (up to
   * the busy timeout) on another connection — another subtask's, another job's — and a process
   * frozen in that wait, checked before it, committed on waking after it was declared lost.
   */
  private commit(commits: readonly PendingCommit[], action: string): void {
    if (commits.length === 0) return;
    const uid = this.context.operatorUid;
    this.db.transaction(() => {
      for (const p of commits) {
        if (this.staging.isCommitted.get(uid, p.runId, p.subtask, p.checkpointId)) continue;
        for (const { row } of this.staging.staged.all(uid, p.runId, p.subtask, p.checkpointId) as Array<{ row: Buffer }>) {
          this.insertStmt.run(...(unpack(row) as unknown[]));
        }
        this.staging.markCommitted.run(uid, p.runId, p.subtask, p.checkpointId, Date.now());
        this.staging.dropStaged.run(uid, p.runId, p.subtask, p.checkpointId);
      }
      // A throw rolls the transaction back: nothing of it was committed.
      this.context.checkOwnership?.(action);
    }).immediate();
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A value as it is bound: booleans as 1/0; whole numbers as integers (better-sqlite3 would bind
 * every number as REAL); undefined as NULL, as the JdbcSink takes it. Refused: what SQLite
 * cannot store — a bigint beyond 64 bits, an object (better-sqlite3 takes it for named
 * parameters) — and NaN, which SQLite would store as NULL.
 */
function toSql(v: SqlValue | undefined, column: string): unknown {
  switch (typeof v) {
    case 'string':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number':
      if (Number.isSafeInteger(v)) return BigInt(v);
      if (Number.isNaN(v)) throw new TypeError(`SqliteSink: column '${column}' got NaN, which SQLite would store as NULL; map it to null or a number in toRow.`);
      return v;
    case 'bigint':
      if (v >= INT64_MIN && v <= INT64_MAX) return v;
      throw new TypeError(`SqliteSink: column '${column}' got the bigint ${v}, beyond SQLite's 64-bit integers; store it as a string.`);
    case 'undefined':
      return null;
    default:
      if (v === null || v instanceof Uint8Array) return v;
  }
  throw new TypeError(
    `SqliteSink: column '${column}' got ${describeValue(v)}; a value must be a string, number, bigint, boolean, Uint8Array or null (JSON.stringify an object, toISOString a Date).`,
  );
}

function isPendingCommit(v: unknown): v is PendingCommit {
  const p = v as PendingCommit | null;
  return typeof p?.runId === 'string' && typeof p.subtask === 'number' && typeof p.checkpointId === 'number';
}
