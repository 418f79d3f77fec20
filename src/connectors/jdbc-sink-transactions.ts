/**
 * Prepared transactions of the exactly-once JdbcSink as data: their names, the writer state that
 * records them, and the decision of what a restore commits and rolls back — pure functions over
 * what the checkpoint recorded and what the server has prepared; the I/O is in
 * jdbc-sink-recovery.ts.
 *
 * A name (PostgreSQL's gid) says whose transaction it is:
 *
 *   fts.<sink>.<lineage>.<job>.<attempt>.<subtask>.<checkpoint>
 *
 * `sink` is a hash of the sink's uid; `lineage` is the job id of the fresh start that this run
 * descends from through restores (kept in the sink's state), so a restore finds every
 * transaction of its predecessors — and never one of an unrelated job writing to the same table;
 * `job` and `attempt` name the run (the process and its failover count); `subtask` and
 * `checkpoint` the barrier that prepared it.
 */
import { createHash } from 'node:crypto';

/** A transaction this sink prepared and that waits for its checkpoint to complete. */
export interface RecordedTransaction {
  /** Its name (gid). */
  readonly gid: string;
  /** The checkpoint whose barrier prepared it. */
  readonly checkpointId: number;
  /**
   * PostgreSQL's id of the transaction (xid8, as text) when the writer knew it at the barrier:
   * after a crash it tells a transaction that was committed from one that was rolled back.
   */
  readonly xid: string | null;
}

/** What a restore recovered from the sink's state (the union of every subtask's). */
export interface RestoredSinkState {
  readonly lineage: string;
  readonly recorded: readonly RecordedTransaction[];
}

/** The parts of a name. */
export interface TransactionName {
  readonly sink: string;
  readonly lineage: string;
  readonly job: string;
  readonly attempt: number;
  readonly subtask: number;
  readonly checkpointId: number;
}

const ID = /^[A-Za-z0-9-]{1,40}$/;
const NAME = /^fts\.([0-9a-f]{12})\.([A-Za-z0-9-]{1,40})\.([A-Za-z0-9-]{1,40})\.(\d{1,9})\.(\d{1,9})\.(\d{1,15})$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The sink part of names: a hash of the operator uid. */
export function sinkKey(uid: string): string {
  return sha256(uid).slice(0, 12);
}

/** A job id as it goes into names: itself when it is plain, else a hash of it. */
export function nameSafeId(id: string): string {
  return ID.test(id) ? id : sha256(id).slice(0, 32);
}

export function transactionName(t: TransactionName): string {
  return `fts.${t.sink}.${t.lineage}.${t.job}.${t.attempt}.${t.subtask}.${t.checkpointId}`;
}

export function parseTransactionName(gid: string): TransactionName | undefined {
  const m = NAME.exec(gid);
  if (!m) return undefined;
  return { sink: m[1]!, lineage: m[2]!, job: m[3]!, attempt: Number(m[4]), subtask: Number(m[5]), checkpointId: Number(m[6]) };
}

/** A name as an SQL string literal (PREPARE TRANSACTION and COMMIT PREPARED take no parameters). */
export function gidLiteral(gid: string): string {
  return `'${gid.replace(/'/g, "''")}'`;
}

/** Every name of one sink's lineage starts with this. */
export function lineagePrefix(sink: string, lineage: string): string {
  return `fts.${sink}.${lineage}.`;
}

/**
 * The PostgreSQL `application_name` of a run's connections: a hash of sink and lineage (what a
 * restore looks for) and one of the run (so it can tell its own connections from others').
 * At most 63 characters, as PostgreSQL keeps.
 */
export function applicationName(sink: string, lineage: string, job: string, attempt: number): string {
  return `${applicationNamePrefix(sink, lineage)}${sha256(`${job}/${attempt}`).slice(0, 16)}`;
}

export function applicationNamePrefix(sink: string, lineage: string): string {
  return `fts.${sha256(`${sink}/${lineage}`).slice(0, 16)}.`;
}

/** One subtask's state: its lineage, and the transactions it prepared that are not yet committed. */
export function sinkStateEntries(lineage: string, pending: readonly RecordedTransaction[]): unknown[] {
  return [{ lineage }, ...pending.map((t) => ({ gid: t.gid, checkpointId: t.checkpointId, xid: t.xid }))];
}

/**
 * Reads restored state (data from disk: checked, never trusted). Every entry must be this sink's:
 * a name of another sink or lineage, or an entry of another kind of sink, is refused.
 *
 * @throws Error naming the entry that does not fit
 */
export function parseSinkState(entries: readonly unknown[], sink: string, uid: string): RestoredSinkState | undefined {
  let lineage: string | undefined;
  const recorded = new Map<string, RecordedTransaction>();
  const refuse = (what: string): never => {
    throw new Error(`the restored state of sink '${uid}' was not written by this JdbcSink: ${what}`);
  };
  const sameLineage = (l: string) => {
    if (lineage !== undefined && l !== lineage) refuse(`it names two lineages (${lineage} and ${l})`);
    lineage = l;
  };
  for (const e of entries) {
    if (typeof e !== 'object' || e === null) return refuse(`an entry is ${e === null ? 'null' : typeof e}`);
    const entry = e as Record<string, unknown>;
    if ('gid' in entry) {
      const { gid, checkpointId, xid } = entry;
      const name = typeof gid === 'string' ? parseTransactionName(gid) : undefined;
      if (!name || name.sink !== sink) return refuse(`transaction ${JSON.stringify(gid)} is not one of this sink's`);
      if (checkpointId !== name.checkpointId) return refuse(`transaction ${gid} is recorded under checkpoint ${String(checkpointId)}`);
      if (xid !== null && (typeof xid !== 'string' || !/^\d{1,20}$/.test(xid))) return refuse(`transaction ${gid} has a bad xid`);
      sameLineage(name.lineage);
      recorded.set(name.checkpointId + ':' + (gid as string), { gid: gid as string, checkpointId: name.checkpointId, xid });
    } else if (typeof entry.lineage === 'string' && ID.test(entry.lineage)) {
      sameLineage(entry.lineage);
    } else {
      return refuse(`unexpected entry ${JSON.stringify(e).slice(0, 80)}`);
    }
  }
  if (lineage === undefined) return undefined;
  return { lineage, recorded: [...recorded.values()].sort((a, b) => a.checkpointId - b.checkpointId || (a.gid < b.gid ? -1 : 1)) };
}

/** What a restore does with the server's prepared transactions of the sink's lineage. */
export interface RecoveryPlan {
  /** Recorded and still prepared here: commit them (oldest checkpoint first). */
  readonly commit: readonly RecordedTransaction[];
  /** Recorded but no longer prepared: committed before the crash, or lost — to be checked. */
  readonly verify: readonly RecordedTransaction[];
  /** Recorded but prepared in another database: cannot be committed from here. */
  readonly elsewhere: readonly RecordedTransaction[];
  /** Prepared here, of the lineage, not recorded: after the checkpoint, so replayed — roll back. */
  readonly rollback: readonly string[];
}

/** A prepared transaction as `pg_prepared_xacts` lists it. */
export interface PreparedTransaction {
  readonly gid: string;
  readonly database: string;
}

/**
 * Decides a restore: the checkpoint's transactions are committed (those gone are verified), and
 * every other prepared transaction of the lineage in this database is rolled back — including
 * those of checkpoints newer than the restored one, which a restore from an older checkpoint
 * replays. Transactions of other sinks or lineages are never touched.
 */
export function planRecovery(
  restored: RestoredSinkState | undefined,
  prepared: readonly PreparedTransaction[],
  sink: string,
  lineage: string,
  database: string,
): RecoveryPlan {
  const recorded = restored?.recorded ?? [];
  const where = new Map(prepared.map((p) => [p.gid, p.database]));
  const prefix = lineagePrefix(sink, lineage);
  const keep = new Set(recorded.map((r) => r.gid));
  return {
    commit: recorded.filter((r) => where.get(r.gid) === database),
    verify: recorded.filter((r) => !where.has(r.gid)),
    elsewhere: recorded.filter((r) => where.has(r.gid) && where.get(r.gid) !== database),
    rollback: prepared.filter((p) => p.database === database && p.gid.startsWith(prefix) && !keep.has(p.gid)).map((p) => p.gid),
  };
}

/** What `pg_xact_status` says of a recorded transaction that is no longer prepared. */
export type MissingTransactionVerdict = 'committed' | 'lost' | 'unknown';

/**
 * A recorded transaction that is no longer prepared was committed (a crash came after its
 * commit) — or rolled back by hand or by another job, and its rows are lost. PostgreSQL still
 * knows which for transactions younger than its freeze horizon; an xid not recorded (the
 * barrier came before the writer learnt it) or too old cannot be told.
 */
export function judgeMissing(status: string | null | undefined): MissingTransactionVerdict {
  if (status === 'committed') return 'committed';
  if (status === 'aborted') return 'lost';
  return 'unknown';
}
