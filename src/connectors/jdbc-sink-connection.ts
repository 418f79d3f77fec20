/**
 * The JdbcSink's connections to PostgreSQL, over `pg` (loaded on first use, so jobs without the
 * sink never load it): connecting with an application name, one statement at a time in the
 * order they were sent (so a writer sends without waiting and awaits only where it must), COPY,
 * and reading the catalog.
 */
import type { Client, QueryResult, QueryResultRow } from 'pg';
import { CATALOG_QUERIES, type CatalogColumn, type CatalogTable, JdbcSinkError, JdbcSinkUnavailableError, type TableTarget, checkTableFits, quoteTable } from './jdbc-sink-table.js';

type CopyFrom = typeof import('pg-copy-streams').from;

const CONNECT_TIMEOUT_MS = 30_000;

/**
 * SQLSTATEs of a server that answered and refused the connection — no such database, no such
 * role, a wrong password, no pg_hba.conf entry: a restart meets the same answer. Anything else
 * (refused, not found, the server starting up or shutting down) may pass.
 */
const REFUSED_FOR_GOOD = new Set(['3D000', '28000', '28P01']);

/** One connection; statements run one after another, in the order they were sent. */
export class Connection {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: Client,
    private readonly copyFrom: CopyFrom,
  ) {}

  /** Runs `text` once everything sent before it has settled (a failure of one does not stop the next). */
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.enqueue(() => this.client.query<R>(text, params as unknown[] | undefined));
  }

  /**
   * {@link query} of a statement that commits: `check` runs right before it is sent (after what
   * was sent before it has settled, which takes round trips), and a throw sends nothing. A check
   * made before the wait would let a process frozen in it commit on waking.
   */
  commitChecked(text: string, check: () => void): Promise<QueryResult> {
    return this.enqueue(() => {
      check();
      return this.client.query(text);
    });
  }

  /** `COPY … FROM STDIN` of `data` (COPY text format); settles when the server has it all. */
  copy(statement: string, data: string): Promise<void> {
    return this.enqueue(
      () =>
        new Promise<void>((resolve, reject) => {
          const stream = this.client.query(this.copyFrom(statement));
          stream.on('error', reject);
          stream.on('finish', () => resolve());
          stream.end(data);
        }),
    );
  }

  /** Closes the connection; the server rolls back a transaction left open on it. */
  async end(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }

  private enqueue<T>(run: () => Promise<T>): Promise<T> {
    const result = this.tail.then(run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Opens a connection. `onLost` hears of errors outside a statement (the server went away while
 * the connection was idle), which would otherwise crash the process.
 */
export async function connect(connectionString: string, applicationName: string, onLost: (err: Error) => void): Promise<Connection> {
  const [{ default: pg }, { from }] = await Promise.all([import('pg'), import('pg-copy-streams')]);
  // Keep-alive: a connection idles inside its transaction for a checkpoint interval, and a
  // server that vanished must fail the job, not hang it.
  let client: Client;
  try {
    client = new pg.Client({ connectionString, application_name: applicationName, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  } catch (err) {
    // Not echoed: the string may hold a password.
    throw new JdbcSinkError(
      'badConnectionString',
      `JdbcSink: its connectionString cannot be read (${(err as Error).message}); write it as postgresql://user:password@host:5432/database, or postgresql://user@/database?host=/socket/directory.`,
    );
  }
  client.on('error', onLost);
  try {
    await client.connect();
  } catch (err) {
    const message = `JdbcSink: cannot connect to PostgreSQL: ${(err as Error).message}`;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && REFUSED_FOR_GOOD.has(code)) throw new JdbcSinkError('connectionRefused', message);
    throw new JdbcSinkUnavailableError('connectionFailed', message);
  }
  // An application_name in the connection string would win over the one given above; the
  // exactly-once sink tells runs apart by it, so it is set again on the connection.
  await client.query("SELECT set_config('application_name', $1, false)", [applicationName]);
  return new Connection(client, from);
}

/** Reads what the catalog says of the target table and checks that it fits; returns its columns. */
export async function checkTable(conn: Connection, target: TableTarget): Promise<readonly CatalogColumn[]> {
  const name = quoteTable(target.table);
  const { rows: db } = await conn.query<{ db: string }>('SELECT current_database() AS db');
  const { rows: exists } = await conn.query<{ exists: boolean }>(CATALOG_QUERIES.exists, [name]);
  let catalog: CatalogTable = { columns: undefined, uniqueKeys: [] };
  if (exists[0]?.exists) {
    const columns = await conn.query<CatalogColumn>(CATALOG_QUERIES.columns, [name]);
    const keys = await conn.query<{ columns: string[] }>(CATALOG_QUERIES.uniqueKeys, [name]);
    catalog = { columns: columns.rows, uniqueKeys: keys.rows.map((r) => r.columns) };
  }
  return checkTableFits(target, catalog, db[0]!.db);
}

/** `SHOW max_prepared_transactions` as a number. */
export async function maxPreparedTransactions(conn: Connection): Promise<number> {
  const { rows } = await conn.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions');
  return Number(rows[0]?.max_prepared_transactions ?? 0);
}
