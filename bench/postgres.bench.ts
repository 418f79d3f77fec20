/**
 * Rows per second into PostgreSQL through the engine's JdbcSink, against plain loops with `pg`
 * writing the same rows in the same rounds, on a throwaway local server with fsync on
 * (test/helpers/postgres.ts). Every subject writes `rows` rows `(k, n, s)` into the emptied
 * table, one transaction per 100k rows for the loops:
 * - baseline: a loop of COPY batches of 20,000 rows (the fastest plain way; what the sink sends);
 * - a loop of `INSERT … SELECT FROM unnest($1::bigint[], …)` of 20,000 rows (the sink's upserts);
 * - a loop of multi-row `INSERT … VALUES` of 1000 rows (what most hand-written code does);
 * - the engine: `JdbcSink.exactlyOnceSink` (one prepared transaction per subtask and checkpoint,
 *   checkpoints every second) at parallelism 1 and 2, and `JdbcSink.sink` (a commit per batch).
 *
 * Checked, for every run (timed up to the check's query, the same for all): the table holds
 * `rows` rows whose n are 0..rows-1 (count, sum and sum of squares).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { JobMaster } from '../src/cluster/job-master.js';
import { CheckpointingOptions, Configuration } from '../src/config/index.js';
import { JdbcSink, type JdbcValue, StreamExecutionEnvironment, setContextExecutor } from '../src/index.js';
import { systemClock } from '../src/util/clock.js';
import { newJobId } from '../src/util/ids.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { type BenchParams, alternate, defineBench, figure, perSecond } from './harness/index.js';

interface Params extends BenchParams {
  readonly rows: number;
}

const TXN_ROWS = 100_000;
const COPY_BATCH = 20_000;
const INSERT_BATCH = 1000;

const rowOf = (n: number): JdbcValue[] => [n % 1000, n, `payload-${n}`];

/** Runs `batch(from, to)` over 0..rows in batches, one transaction per TXN_ROWS rows. */
async function loop(client: pg.Client, rows: number, size: number, batch: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let t = 0; t < rows; t += TXN_ROWS) {
    await client.query('BEGIN');
    for (let b = t; b < Math.min(rows, t + TXN_ROWS); b += size) await batch(b, Math.min(rows, b + size, t + TXN_ROWS));
    await client.query('COMMIT');
  }
}

function copyBatch(client: pg.Client, from: number, to: number): Promise<void> {
  let text = '';
  for (let n = from; n < to; n++) text += `${n % 1000}\t${n}\tpayload-${n}\n`;
  const stream = client.query(copyFrom('COPY events (k, n, s) FROM STDIN'));
  return new Promise((resolve, reject) => {
    stream.on('error', reject);
    stream.on('finish', () => resolve());
    stream.end(text);
  });
}

function unnestBatch(client: pg.Client, from: number, to: number): Promise<unknown> {
  const k: number[] = [];
  const n: number[] = [];
  const s: string[] = [];
  for (let i = from; i < to; i++) {
    k.push(i % 1000);
    n.push(i);
    s.push(`payload-${i}`);
  }
  return client.query('INSERT INTO events (k, n, s) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])', [k, n, s]);
}

function insertBatch(client: pg.Client, from: number, to: number): Promise<unknown> {
  const params: unknown[] = [];
  const values: string[] = [];
  for (let n = from; n < to; n++) {
    values.push(`($${params.length + 1}, $${params.length + 2}, $${params.length + 3})`);
    params.push(...rowOf(n));
  }
  return client.query(`INSERT INTO events (k, n, s) VALUES ${values.join(', ')}`, params);
}

/** A bounded job: 0..rows-1 into the table through the sink, checkpoints every second. */
async function engine(url: string, rows: number, parallelism: number, exactlyOnce: boolean): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'flink-ts-bench-pg-'));
  const configuration = new Configuration(home).set(CheckpointingOptions.CHECKPOINTING_INTERVAL, 1000);
  setContextExecutor({ execute: (p) => new JobMaster({ jobId: newJobId(), pipeline: p, configuration, clock: systemClock }).run() });
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(parallelism);
    const options = { connectionString: url, table: 'events', columns: ['k', 'n', 's'], toRow: rowOf };
    env
      .fromSequence(0, rows - 1)
      .sinkTo(exactlyOnce ? JdbcSink.exactlyOnceSink<number>(options) : JdbcSink.sink<number>(options))
      .uid('pg');
    await env.execute('bench-postgres');
  } finally {
    setContextExecutor(undefined);
    rmSync(home, { recursive: true, force: true });
  }
}

interface Written {
  readonly count: string;
  readonly sum: string;
  readonly squares: string;
}

export default defineBench<Params>({
  name: 'postgres',
  description:
    "rows into PostgreSQL (fsync on) through JdbcSink.exactlyOnceSink at parallelism 1 and 2 and JdbcSink.sink, against plain `pg` loops writing the same rows in the same rounds: COPY batches of 20,000 (the baseline, as large as the sink's batches), unnest inserts of 20,000, multi-row INSERTs of 1000.",
  sizes: {
    full: { rows: 1_000_000, rounds: 3, warmups: 1 },
    smoke: { rows: 3000, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const server = await startPostgres({ durable: true });
    const client = new pg.Client({ connectionString: server.connectionString });
    try {
      await client.connect();
      await client.query('CREATE TABLE events (k bigint, n bigint, s text)');
      const url = server.connectionString;
      const N = BigInt(p.rows);
      const want: Written = { count: String(N), sum: String((N * (N - 1n)) / 2n), squares: String(((N - 1n) * N * (2n * N - 1n)) / 6n) };
      const subject = (label: string, write: () => Promise<unknown>) => ({
        label,
        prepare: async () => {
          await client.query('TRUNCATE events');
          await client.query('CHECKPOINT');
        },
        run: async (): Promise<Written> => {
          await write();
          const { rows } = await client.query<Written>('SELECT count(*)::text AS count, sum(n)::text AS sum, sum(n::numeric * n)::text AS squares FROM events');
          return rows[0]!;
        },
        verify: (w: Written) => {
          ctx.check.equal(w.count, want.count, `rows written by ${label}`);
          ctx.check.that(w.sum === want.sum && w.squares === want.squares, `the rows written by ${label} hold every n in 0..${p.rows - 1} once`, `Σn = ${w.sum}, Σn² = ${w.squares}`);
        },
      });
      const runs = await alternate(ctx, p, {
        copy: subject('pg COPY loop', () => loop(client, p.rows, COPY_BATCH, (a, b) => copyBatch(client, a, b))),
        unnest: subject('pg unnest loop', () => loop(client, p.rows, COPY_BATCH, (a, b) => unnestBatch(client, a, b))),
        insert: subject('pg multi-row INSERT loop', () => loop(client, p.rows, INSERT_BATCH, (a, b) => insertBatch(client, a, b))),
        p1: subject('engine exactly-once p=1', () => engine(url, p.rows, 1, true)),
        p2: subject('engine exactly-once p=2', () => engine(url, p.rows, 2, true)),
        alo: subject('engine at-least-once p=1', () => engine(url, p.rows, 1, false)),
      });
      const rate = (r: readonly { ms: number }[]) => perSecond(p.rows, r.map((x) => x.ms));
      const copy = { label: 'pg COPY loop', values: rate(runs.copy) };
      return {
        title: `PostgreSQL sink: ${p.rows.toLocaleString('en-US')} rows (bigint, bigint, text), fsync on`,
        figures: [
          figure('pg COPY loop', 'rows/s', copy.values),
          figure('pg unnest loop', 'rows/s', rate(runs.unnest), copy),
          figure('pg multi-row INSERT loop', 'rows/s', rate(runs.insert), copy),
          figure('engine exactly-once p=1', 'rows/s', rate(runs.p1), copy),
          figure('engine exactly-once p=2', 'rows/s', rate(runs.p2), copy),
          figure('engine at-least-once p=1', 'rows/s', rate(runs.alo), copy),
        ],
      };
    } finally {
      await client.end().catch(() => undefined);
      await server.stop();
    }
  },
});
