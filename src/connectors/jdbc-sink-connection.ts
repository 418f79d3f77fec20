/**
 * The JdbcSink's connections to PostgreSQL, over `pg` (loaded on first use, so jobs without the
 * sink never load it): connecting with an application name, reading the catalog, and sending
 * batches. A connection runs its queries one after another in the order they were sent, so a
 * writer sends without waiting and awaits only where it must.
 */
import type { Client, ClientBase } from 'pg';
import { CATALOG_QUERIES, type CatalogColumn, type CatalogTable, JdbcSinkError, type TableTarget, checkTableFits, quoteTable } from './jdbc-sink-table.js';

export type Connection = Client;

/**
 * Opens a connection. `onLost` hears of errors outside a query (the server went away while the
 * connection was idle), which would otherwise crash the process.
 */
export async function connect(connectionString: string, applicationName: string, onLost: (err: Error) => void): Promise<Connection> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString, application_name: applicationName });
  client.on('error', onLost);
  try {
    await client.connect();
  } catch (err) {
    throw new JdbcSinkError('connectionFailed', `JdbcSink: cannot connect to PostgreSQL: ${(err as Error).message}`);
  }
  return client;
}

/** Closes a connection; an open transaction on it is rolled back by the server. */
export async function disconnect(client: Connection | undefined): Promise<void> {
  if (!client) return;
  await client.end().catch(() => undefined);
}

/** Reads what the catalog says of the target table and checks that it fits; returns its columns. */
export async function checkTable(client: ClientBase, target: TableTarget): Promise<readonly CatalogColumn[]> {
  const name = quoteTable(target.table);
  const [{ rows: db }, { rows: exists }] = await Promise.all([
    client.query<{ db: string }>('SELECT current_database() AS db'),
    client.query<{ exists: boolean }>(CATALOG_QUERIES.exists, [name]),
  ]);
  let catalog: CatalogTable = { columns: undefined, uniqueKeys: [] };
  if (exists[0]?.exists) {
    const [columns, keys] = await Promise.all([
      client.query<CatalogColumn>(CATALOG_QUERIES.columns, [name]),
      client.query<{ columns: string[] }>(CATALOG_QUERIES.uniqueKeys, [name]),
    ]);
    catalog = { columns: columns.rows, uniqueKeys: keys.rows.map((r) => r.columns) };
  }
  return checkTableFits(target, catalog, db[0]!.db);
}

/** `SHOW max_prepared_transactions` as a number. */
export async function maxPreparedTransactions(client: ClientBase): Promise<number> {
  const { rows } = await client.query<{ max_prepared_transactions: string }>('SHOW max_prepared_transactions');
  return Number(rows[0]?.max_prepared_transactions ?? 0);
}
