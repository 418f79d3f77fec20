/**
 * `JdbcSink`: rows into a PostgreSQL table, at least once (`sink`) or exactly once with
 * two-phase commit (`exactlyOnceSink`), after Flink's JdbcSink and its XA variant.
 */
import type { Sink, SinkWriter, SinkWriterContext } from '../graph/index.js';
import { AtLeastOnceJdbcWriter } from './jdbc-sink-at-least-once-writer.js';
import type { JdbcValue } from './jdbc-sink-encoding.js';
import { ExactlyOnceJdbcWriter } from './jdbc-sink-exactly-once-writer.js';
import { checkTarget } from './jdbc-sink-table.js';
import type { TableSinkOptions } from './table-sink-options.js';
import { describeArgument } from '../util/describe-argument.js';

/**
 * Options of both JdbcSinks. The table (`name` or `schema.name`, case-sensitive) must exist. An
 * upsert is `INSERT … ON CONFLICT … DO UPDATE` and needs a primary key or unique index on
 * exactly the `upsertKey` columns; of two rows with the same key in one batch, the later wins.
 */
export interface JdbcSinkOptions<T> extends TableSinkOptions<T, JdbcValue> {
  /**
   * Where to connect, as `pg` reads it: `postgresql://user:password@host:5432/database`, or over
   * a Unix socket `postgresql://user@/database?host=/var/run/postgresql`.
   */
  readonly connectionString: string;
  /**
   * Rows per batch sent to the server (default 20,000). Large batches mean few round trips, each
   * of which waits for the job's thread to answer the server.
   */
  readonly batchSize?: number;
}

/** Options of {@link JdbcSink.exactlyOnceSink}. */
export interface JdbcExactlyOnceSinkOptions<T> extends JdbcSinkOptions<T> {
  /**
   * How long a starting run waits for an earlier run's connections to close before it recovers
   * (default 60 000 ms): an earlier run that is still connected could still commit.
   */
  readonly takeoverTimeoutMs?: number;
}

const DEFAULT_BATCH_SIZE = 20_000;
const DEFAULT_TAKEOVER_TIMEOUT_MS = 60_000;

/** The settings every writer of a JdbcSink gets, checked. */
export interface JdbcWriterSettings<T> extends Required<Omit<JdbcExactlyOnceSinkOptions<T>, 'upsertKey'>> {
  readonly upsertKey: readonly string[] | undefined;
}

/**
 * A sink into a PostgreSQL table.
 *
 * `JdbcSink.exactlyOnceSink`: each subtask writes the rows of one checkpoint interval in one
 * transaction, `PREPARE TRANSACTION`s it at the barrier, and `COMMIT PREPARED`s it when the
 * checkpoint completes; a restore commits what the checkpoint recorded and rolls back the
 * sink's other prepared transactions. Needs `max_prepared_transactions > 0` on the server.
 *
 * `JdbcSink.sink`: batches are inserted (or upserted) and committed as they go, and flushed at
 * every checkpoint; after a failure, rows since the last checkpoint are written again (with an
 * `upsertKey`, that rewrites the same rows).
 *
 * @example
 * counts.sinkTo(JdbcSink.exactlyOnceSink<[string, number]>({
 *   connectionString: 'postgresql://flink@localhost/analytics',
 *   table: 'word_counts', columns: ['word', 'n'], toRow: ([w, n]) => [w, n], upsertKey: ['word'],
 * })).uid('counts-db');
 */
export class JdbcSink<T> implements Sink<T> {
  private constructor(
    private readonly exactlyOnce: boolean,
    private readonly settings: JdbcWriterSettings<T>,
  ) {}

  /** An exactly-once sink with two-phase commit (PostgreSQL prepared transactions). */
  static exactlyOnceSink<T>(options: JdbcExactlyOnceSinkOptions<T>): JdbcSink<T> {
    return new JdbcSink(true, settingsOf(options));
  }

  /** An at-least-once sink: batched inserts or upserts, committed as they go. */
  static sink<T>(options: JdbcSinkOptions<T>): JdbcSink<T> {
    return new JdbcSink(false, settingsOf(options));
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    return this.exactlyOnce ? new ExactlyOnceJdbcWriter(this.settings, context) : new AtLeastOnceJdbcWriter(this.settings, context);
  }
}

function settingsOf<T>(o: JdbcExactlyOnceSinkOptions<T>): JdbcWriterSettings<T> {
  if (typeof o.connectionString !== 'string' || o.connectionString === '') throw new TypeError('JdbcSink needs a connectionString.');
  if (typeof o.toRow !== 'function') throw new TypeError('JdbcSink needs a toRow function.');
  checkTarget(o);
  const batchSize = o.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TypeError(`JdbcSink: batchSize must be a positive whole number, got ${describeArgument(o.batchSize)}.`);
  const takeoverTimeoutMs = o.takeoverTimeoutMs ?? DEFAULT_TAKEOVER_TIMEOUT_MS;
  if (!(typeof takeoverTimeoutMs === 'number' && takeoverTimeoutMs >= 0 && takeoverTimeoutMs <= 2 ** 31 - 1)) throw new TypeError(`JdbcSink: takeoverTimeoutMs must be between 0 and 2147483647, got ${describeArgument(o.takeoverTimeoutMs)}.`);
  return {
    connectionString: o.connectionString,
    table: o.table,
    columns: [...o.columns],
    toRow: o.toRow,
    upsertKey: o.upsertKey && [...o.upsertKey],
    batchSize,
    takeoverTimeoutMs,
  };
}
