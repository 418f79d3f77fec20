/**
 * The chaos run's PostgreSQL part: a database with the table the chaos job's JdbcSink writes
 * (`events(k, n, i)`, exactly once), and its committed rows read back as `k,n,i` lines with the
 * prepared transactions left over. Separate from run-chaos.ts so the run takes it or not.
 *
 * Left over, and expected: transactions of a fresh start killed after its first prepare and
 * before its first checkpoint completed — no checkpoint of that job can be restored, so nothing
 * ever rolls them back (of another lineage, a later fresh start must not). Not expected: any of
 * the finished run's lineage.
 */
import { type TestPostgres, sharedPostgres } from '../helpers/postgres.js';

export interface ChaosPostgres {
  /** The connection string the chaos job gets. */
  readonly url: string;
  /** Committed rows as `k,n,i` lines, and the transactions still prepared (their names). */
  read(): Promise<{ lines: string[]; prepared: string[] }>;
}

let databases = 0;

/** A fresh database (on this process's throwaway server) with the chaos job's table. */
export async function chaosPostgres(): Promise<ChaosPostgres> {
  const server: TestPostgres = await sharedPostgres();
  const database = `chaos_${process.pid}_${++databases}`;
  const url = await server.createDatabase(database);
  await server.query('CREATE TABLE events (k bigint NOT NULL, n bigint NOT NULL, i bigint NOT NULL)', [], database);
  return {
    url,
    async read() {
      const rows = await server.query<{ k: string; n: string; i: string }>('SELECT k, n, i FROM events', [], database);
      const prepared = await server.query<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE database = $1', [database], database);
      return { lines: rows.map((r) => `${r.k},${r.n},${r.i}`), prepared: prepared.map((p) => p.gid) };
    },
  };
}
