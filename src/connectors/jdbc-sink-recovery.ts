/**
 * What the exactly-once JdbcSink does on the server when a run starts (the I/O around the
 * decisions of jdbc-sink-transactions.ts): wait until no other run of the lineage is connected,
 * then commit the transactions the restored checkpoint recorded and roll back every other
 * prepared transaction of the lineage.
 *
 * Waiting first is the sink's own fencing: a run that still has a connection open may still
 * commit or roll back (a frozen process, a failover whose old attempt has not closed), so a
 * restore that acted beside it could roll back what it is about to commit, or commit what a
 * restore from an older checkpoint must roll back. A killed process's connections close with it.
 * Only runs connected before this one are waited for (the later one yields), so two runs that
 * start together never wait for each other; only connections to this database count, since a
 * prepared transaction can be committed or rolled back only from its own database (two jobs
 * started from one savepoint into two databases of one server do not block each other); and
 * right before it acts, the job's own fence is checked (`checkOwnership`), so a process that
 * lost the job while it waited changes nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from './jdbc-sink-connection.js';
import { JdbcSinkError, JdbcSinkUnavailableError } from './jdbc-sink-table.js';
import { type PreparedTransaction, type RestoredSinkState, gidLiteral, judgeMissing, planRecovery } from './jdbc-sink-transactions.js';

export interface RecoveryTarget {
  readonly uid: string;
  readonly sink: string;
  readonly lineage: string;
  /** The application name of this run's connections, and the prefix every run of the lineage shares. */
  readonly applicationName: string;
  readonly applicationNamePrefix: string;
  readonly restored: RestoredSinkState | undefined;
  /** How long to wait for another run's connections to close. */
  readonly timeoutMs: number;
  readonly warn: (line: string) => void;
  /** Throws unless this process still owns the job (the job's fence; absent for untracked runs). */
  readonly checkOwnership?: (action: string) => void;
}

/** What recovery did, by transaction name. */
export interface RecoveryOutcome {
  readonly committed: readonly string[];
  readonly rolledBack: readonly string[];
  /** Recorded transactions found already committed (the crash came after their commit). */
  readonly alreadyCommitted: readonly string[];
}

const POLL_MS = 200;

/** Waits until no connection of an earlier run of the lineage is open; throws after `timeoutMs`. */
export async function waitForOtherRuns(client: Connection, target: RecoveryTarget): Promise<void> {
  const deadline = Date.now() + target.timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE starts_with(application_name, $1) AND application_name <> $2 AND datname = current_database()
         AND backend_start < (SELECT min(backend_start) FROM pg_stat_activity WHERE application_name = $2) ORDER BY pid`,
      [target.applicationNamePrefix, target.applicationName],
    );
    if (rows.length === 0) return;
    if (Date.now() >= deadline) {
      const pids = rows.map((r) => r.pid).join(', ');
      throw new JdbcSinkUnavailableError(
        'previousRunAlive',
        `JdbcSink '${target.uid}': another run of this job still has ${rows.length} connection(s) open to PostgreSQL (server process ${pids}) after ${Math.round(target.timeoutMs / 1000)} s; it could still commit, so this run cannot take over its transactions. Stop that job's process (or SELECT pg_terminate_backend(pid)) and start this one again.`,
      );
    }
    await sleep(POLL_MS);
  }
}

/** Carries out a restore's plan; see the file comment. */
export async function recover(client: Connection, target: RecoveryTarget): Promise<RecoveryOutcome> {
  await waitForOtherRuns(client, target);
  const [{ rows: db }, { rows: prepared }] = await Promise.all([
    client.query<{ db: string }>('SELECT current_database() AS db'),
    client.query<PreparedTransaction>('SELECT gid, database FROM pg_prepared_xacts WHERE starts_with(gid, $1)', [`fts.${target.sink}.`]),
  ]);
  const database = db[0]!.db;
  const plan = planRecovery(target.restored, prepared, target.sink, target.lineage, database);
  const who = `JdbcSink '${target.uid}'`;
  const [elsewhere] = plan.elsewhere;
  if (elsewhere) {
    const where = prepared.find((p) => p.gid === elsewhere.gid)!.database;
    throw new JdbcSinkError(
      'preparedElsewhere',
      `${who}: transaction ${elsewhere.gid} of checkpoint ${elsewhere.checkpointId} is prepared in database "${where}", not in "${database}"; restore with the connection string the job had.`,
    );
  }
  // Verified before anything changes: a restore that cannot succeed leaves the server as it was.
  const alreadyCommitted: string[] = [];
  for (const t of plan.verify) {
    const status = t.xid === null ? null : (await client.query<{ status: string | null }>('SELECT pg_xact_status($1::xid8) AS status', [t.xid])).rows[0]?.status;
    const verdict = judgeMissing(status);
    if (verdict === 'lost') {
      throw new JdbcSinkError(
        'transactionLost',
        `${who}: transaction ${t.gid} of checkpoint ${t.checkpointId} was rolled back (by hand or by another job), so its rows are lost; restore from an earlier checkpoint or savepoint to write them again.`,
      );
    }
    if (verdict === 'unknown') target.warn(`${who}: cannot tell whether transaction ${t.gid} of checkpoint ${t.checkpointId} was committed; taking it as committed.`);
    alreadyCommitted.push(t.gid);
  }
  // Asked before each statement, each one a round trip after the last: a process frozen during
  // one must not send the next on waking.
  const check = () => target.checkOwnership?.(`commit and roll back the prepared transactions of sink '${target.uid}'`);
  check();
  for (const t of plan.commit) await client.commitChecked(`COMMIT PREPARED ${gidLiteral(t.gid)}`, check);
  for (const gid of plan.rollback) await client.commitChecked(`ROLLBACK PREPARED ${gidLiteral(gid)}`, check);
  return { committed: plan.commit.map((t) => t.gid), rolledBack: plan.rollback, alreadyCommitted };
}
