/**
 * What both JdbcSink writers share: a writer connection with its batches, the first failure of
 * any background work (reported at the writer's next turn), and closing.
 */
import type { SinkWriter, SinkWriterContext } from '../graph/index.js';
import type { JdbcWriterSettings } from './jdbc-sink.js';
import { BatchStatement, RowBatches } from './jdbc-sink-batches.js';
import { type Connection, checkTable, connect } from './jdbc-sink-connection.js';
import type { JdbcValue } from './jdbc-sink-encoding.js';
import { checkRowWidth } from './table-sink-options.js';

export abstract class JdbcWriterBase<T> implements SinkWriter<T> {
  protected writer: Connection | undefined;
  protected batches: RowBatches | undefined;
  /** The first failure of background work; every later turn of the writer throws it. */
  protected failure: Error | undefined;
  /** Work started by `endOfInput`, handed to the engine once through `pendingWork`. */
  protected ending: Promise<void> | undefined;
  private readonly connections: Connection[] = [];
  /** Closed (maybe while `open` still ran): a connection opened after that is closed at once. */
  private closed = false;

  constructor(
    protected readonly settings: JdbcWriterSettings<T>,
    protected readonly context: SinkWriterContext,
  ) {}

  abstract open(): Promise<void>;
  abstract endOfInput(): void;

  /** Opens a connection that `close` closes. */
  protected async connect(applicationName: string): Promise<Connection> {
    const c = await connect(this.settings.connectionString, applicationName, (err) => this.fail(err, 'the connection to PostgreSQL'));
    if (this.closed) {
      await c.end();
      throw new Error('JdbcSink: the writer was closed while it was opening.');
    }
    this.connections.push(c);
    return c;
  }

  /** Checks the table on the writer connection and gets batches ready on it. */
  protected async prepareBatches(writer: Connection): Promise<void> {
    const columns = await checkTable(writer, this.settings);
    const statement = new BatchStatement(this.settings, columns);
    this.writer = writer;
    this.batches = new RowBatches(writer, statement, this.settings.batchSize, (work, what) => this.track(work, what));
  }

  write(value: T): void {
    if (this.failure) throw this.failure;
    const row = checkRowWidth('JdbcSink', this.settings.toRow(value), this.settings.columns);
    this.batches!.add(row as JdbcValue[]);
  }

  pendingWork(): Promise<unknown> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    const ending = this.ending;
    this.ending = undefined;
    return ending ?? this.batches?.pendingWork();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.batches?.discard();
    // The server rolls back a transaction left open; prepared ones stay for a restore.
    await Promise.all(this.connections.splice(0).map((c) => c.end()));
  }

  /**
   * Watches background work: its failure becomes the writer's (named by `what`). The returned
   * promise rejects like `work` but never goes unhandled, since nobody may await it.
   */
  protected track<R>(work: Promise<R>, what: string): Promise<R> {
    const p = work.catch((err: unknown) => {
      throw this.fail(err, what);
    });
    p.catch(() => undefined);
    return p;
  }

  /** Records a failure (the first one wins) and returns it. */
  protected fail(err: unknown, what: string): Error {
    // PostgreSQL's hint says what to do (e.g. "Increase max_prepared_transactions (currently 2).").
    const hint = (err as { hint?: unknown } | null)?.hint;
    const message = `${err instanceof Error ? err.message : String(err)}${typeof hint === 'string' ? ` (${hint.replace(/\.$/, '')})` : ''}`;
    this.failure ??= new Error(`JdbcSink failed ${what}: ${message}`, { cause: err });
    return this.failure;
  }

  /** Resolves when `work` did, unless anything has failed meanwhile. */
  protected async succeeded(work: Promise<unknown>): Promise<void> {
    await work;
    if (this.failure) throw this.failure;
  }
}
