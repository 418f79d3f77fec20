/**
 * Rows on their way into the table: buffered, and sent in batches over one connection in the
 * background — the engine never waits per record, only (through `pendingWork`) when more than a
 * couple of batches are still on their way.
 */
import type { Connection } from './jdbc-sink-connection.js';
import { type JdbcValue, columnArrays, copyText } from './jdbc-sink-encoding.js';
import { type CatalogColumn, type TableTarget, copyStatement, upsertStatement } from './jdbc-sink-table.js';

/** Batches sent and not yet done before the engine is held back. */
const MAX_IN_FLIGHT = 2;

/** Sends one batch of rows: COPY for plain inserts, an unnest upsert with an upsert key. */
export class BatchStatement {
  private readonly copy: string;
  private readonly upsert: string | undefined;
  private copyFrom: typeof import('pg-copy-streams').from | undefined;

  constructor(
    private readonly target: TableTarget,
    columns: readonly CatalogColumn[],
  ) {
    this.copy = copyStatement(target);
    this.upsert = target.upsertKey ? upsertStatement(target, columns) : undefined;
  }

  /** Loads the COPY client (once) before the first batch. */
  async load(): Promise<void> {
    if (!this.upsert) this.copyFrom = (await import('pg-copy-streams')).from;
  }

  /**
   * Encodes `rows` now (a bad value throws here, in the caller's turn) and sends them; the
   * promise settles when the server has them.
   */
  send(client: Connection, rows: readonly (readonly JdbcValue[])[]): Promise<void> {
    if (this.upsert) {
      const params = columnArrays(rows, this.target.columns.length);
      return client.query(this.upsert, params).then(() => undefined);
    }
    const text = copyText(rows);
    const stream = client.query(this.copyFrom!(this.copy));
    return new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.on('finish', () => resolve());
      stream.end(text);
    });
  }
}

/** The rows of one writer connection, buffered and sent in batches. */
export class RowBatches {
  private rows: JdbcValue[][] = [];
  private readonly inFlight: Promise<void>[] = [];
  /** Rows sent since the last `resetCount` (the open transaction's). */
  sent = 0;

  constructor(
    private readonly client: Connection,
    private readonly statement: BatchStatement,
    private readonly batchSize: number,
    /** Wraps every batch's promise: records a failure, keeps the rejection handled. */
    private readonly track: (work: Promise<void>, what: string) => Promise<void>,
  ) {}

  get buffered(): number {
    return this.rows.length;
  }

  add(row: JdbcValue[]): void {
    this.rows.push(row);
    if (this.rows.length >= this.batchSize) this.flush();
  }

  /** Sends what is buffered; settles when the server has everything sent so far, and rejects if any of it failed. */
  flush(): Promise<void> {
    if (this.rows.length > 0) {
      const rows = this.rows;
      this.rows = [];
      this.sent += rows.length;
      const batch = this.track(this.statement.send(this.client, rows), `writing ${rows.length} rows`);
      this.inFlight.push(batch);
      void batch.finally(() => this.inFlight.splice(this.inFlight.indexOf(batch), 1)).catch(() => undefined);
    }
    const all = Promise.all(this.inFlight).then(() => undefined);
    all.catch(() => undefined);
    return all;
  }

  /** The oldest batch when too many are on their way; undefined otherwise. */
  pendingWork(): Promise<void> | undefined {
    return this.inFlight.length > MAX_IN_FLIGHT ? this.inFlight[0] : undefined;
  }

  /** Drops what is buffered (after a failure or at close: those rows are replayed). */
  discard(): void {
    this.rows = [];
  }
}
