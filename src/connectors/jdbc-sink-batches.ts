/**
 * Rows on their way into the table: buffered, and sent in batches over one connection in the
 * background — the engine never waits per record, only (through `pendingWork`) when more than a
 * couple of batches are still on their way.
 */
import { setImmediate } from 'node:timers/promises';
import type { Connection } from './jdbc-sink-connection.js';
import { type JdbcValue, columnArrays, copyText } from './jdbc-sink-encoding.js';
import { type CatalogColumn, type TableTarget, copyStatement, upsertStatement } from './jdbc-sink-table.js';

/** Batches sent and not yet done before the engine is held back. */
const MAX_IN_FLIGHT = 2;

/** Sends one batch of rows: COPY for plain inserts, an unnest upsert with an upsert key. */
export class BatchStatement {
  private readonly copy: string;
  private readonly upsert: string | undefined;

  constructor(
    private readonly target: TableTarget,
    columns: readonly CatalogColumn[],
  ) {
    this.copy = copyStatement(target);
    this.upsert = target.upsertKey ? upsertStatement(target, columns) : undefined;
  }

  /**
   * Encodes `rows` now (a bad value throws here, in the caller's turn) and sends them; the
   * promise settles when the server has them.
   */
  send(conn: Connection, rows: readonly (readonly JdbcValue[])[]): Promise<void> {
    if (this.upsert) return conn.query(this.upsert, columnArrays(rows, this.target.columns.length)).then(() => undefined);
    return conn.copy(this.copy, copyText(rows));
  }
}

/** The rows of one writer connection, buffered and sent in batches. */
export class RowBatches {
  private rows: JdbcValue[][] = [];
  private readonly inFlight: Promise<void>[] = [];
  /** Rows sent since the writer last set this to 0 (at the start of each transaction). */
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

  /**
   * The oldest batch when too many are on their way. Else, while any is, one turn of the event
   * loop: a statement's every step on the wire (the server's COPY handshake, a full socket
   * draining, its answer) waits for the event loop, which the engine lets in only between
   * slices of 10 ms — long enough to leave the connection idle most of the time. A turn per
   * batch of records from upstream costs microseconds.
   */
  pendingWork(): Promise<void> | undefined {
    if (this.inFlight.length > MAX_IN_FLIGHT) return this.inFlight[0];
    return this.inFlight.length > 0 ? setImmediate() : undefined;
  }

  /** Drops what is buffered (after a failure or at close: those rows are replayed). */
  discard(): void {
    this.rows = [];
  }
}
