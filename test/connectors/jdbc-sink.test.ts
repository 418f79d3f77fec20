/**
 * JdbcSink against a real PostgreSQL server (test/helpers/postgres.ts): bounded jobs in this
 * process, and the exactly-once writer's two-phase commit driven directly — what is prepared at
 * a barrier and under which name, what a completed checkpoint commits, and what a restore
 * commits, verifies and rolls back (including a restore from an older checkpoint than the
 * newest prepared one); the errors for a server without prepared transactions and for a table
 * that does not fit; and the wait for an earlier run that is still connected.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { JdbcSink, type JdbcValue, type SinkWriter, type SinkWriterContext } from '../../src/index.js';
import { sinkKey } from '../../src/connectors/jdbc-sink-transactions.js';
import { unrecoverableCause } from '../../src/cluster/failure-classification.js';
import { runJob } from '../helpers/run-job.js';
import { type TestPostgres, sharedPostgres, startPostgres } from '../helpers/postgres.js';

let server: TestPostgres;
let url: string;
const database = `jdbc_sink_${process.pid}`;
const openWriters: SinkWriter<unknown>[] = [];

before(async () => {
  server = await sharedPostgres();
  url = await server.createDatabase(database);
});

after(async () => {
  for (const w of openWriters.splice(0)) await Promise.resolve(w.close()).catch(() => undefined);
  await server.stop();
});

const sql = <R extends pg.QueryResultRow = Record<string, unknown>>(text: string, params: unknown[] = []) => server.query<R>(text, params, database);

let tables = 0;
/** A fresh table `(k bigint, v text)` (with a primary key on k for upserts) and a uid of its own. */
async function freshTable(opts: { key?: boolean } = {}): Promise<{ table: string; uid: string }> {
  const table = `t${++tables}`;
  await sql(`CREATE TABLE ${table} (k bigint${opts.key ? ' PRIMARY KEY' : ''}, v text)`);
  return { table, uid: `sink-${table}` };
}

type Row = [number, string];
const toRow = ([k, v]: Row): JdbcValue[] => [k, v];
const row = (k: number): Row => [k, `v${k}`];
const range = (from: number, to: number): Row[] => Array.from({ length: to - from }, (_, i) => row(from + i));

async function rowsOf(table: string): Promise<Row[]> {
  return (await sql<{ k: string; v: string }>(`SELECT k, v FROM ${table} ORDER BY k, v`)).map((r) => [Number(r.k), r.v]);
}

async function prepared(uid: string): Promise<string[]> {
  return (await sql<{ gid: string }>('SELECT gid FROM pg_prepared_xacts WHERE starts_with(gid, $1) ORDER BY gid', [`fts.${sinkKey(uid)}.`])).map((r) => r.gid);
}

function ctx(uid: string, over: Partial<SinkWriterContext> = {}): SinkWriterContext {
  return { subtaskIndex: 0, parallelism: 1, jobId: 'a'.repeat(32), operatorUid: uid, attemptNumber: 0, checkpointing: true, ...over };
}

async function exactlyOnce(table: string, uid: string, over: Partial<SinkWriterContext> = {}, restored?: unknown[], opts: { batchSize?: number; takeoverTimeoutMs?: number } = {}): Promise<SinkWriter<Row>> {
  const w = JdbcSink.exactlyOnceSink<Row>({ connectionString: url, table, columns: ['k', 'v'], toRow, ...opts }).createWriter(ctx(uid, over));
  openWriters.push(w as SinkWriter<unknown>);
  if (restored) w.restoreState!(restored);
  await w.open!();
  return w;
}

/**
 * A fresh table and an exactly-once writer that wrote rows 0–2 before checkpoint 1 and rows 3–5
 * before checkpoint 2, neither completed yet; `state` is what checkpoint 2 recorded.
 */
async function preparedTwice(): Promise<{ table: string; uid: string; w: SinkWriter<Row>; state: unknown[] }> {
  const { table, uid } = await freshTable();
  const w = await exactlyOnce(table, uid);
  for (const r of range(0, 3)) w.write(r);
  await checkpoint(w, 1);
  for (const r of range(3, 6)) w.write(r);
  const state = await checkpoint(w, 2);
  return { table, uid, w, state };
}

/** A barrier: the cut, then the asynchronous pre-commit (as the task and its snapshot driver do). */
async function checkpoint(w: SinkWriter<Row>, id: number): Promise<unknown[]> {
  const state = w.snapshotState!(id);
  await w.prepareCommit!(id);
  return state;
}

async function closeWriter(w: SinkWriter<Row>): Promise<void> {
  openWriters.splice(openWriters.indexOf(w as SinkWriter<unknown>), 1);
  await w.close();
}

describe('JdbcSink in a bounded job', () => {
  test('exactly-once without checkpoints: every record once, visible at the end; values of every kind round-trip', async () => {
    await sql('CREATE TABLE kinds (n bigint, x double precision, s text, b boolean, t timestamptz, bytes bytea, nothing text)');
    await runJob(
      (env) => {
        env
          .fromSequence(1, 12_345)
          .map((n) => n)
          .setParallelism(2)
          .sinkTo(
            JdbcSink.exactlyOnceSink<number>({
              connectionString: url,
              table: 'kinds',
              columns: ['n', 'x', 's', 'b', 't', 'bytes', 'nothing'],
              toRow: (n) => [n, n / 4, n === 7 ? 'tab\there\nnew line \\ back' : `s${n}`, n % 2 === 0, new Date(Date.UTC(2024, 0, 1) + n * 1000), new Uint8Array([n & 255, 0]), null],
              batchSize: 1000,
            }),
          )
          .setParallelism(2)
          .uid('kinds-db');
      },
      { parallelism: 2 },
    );
    const [{ count, distinct }] = await sql<{ count: string; distinct: string }>('SELECT count(*) AS count, count(DISTINCT n) AS distinct FROM kinds');
    assert.deepEqual([count, distinct], ['12345', '12345']);
    const [r] = await sql<Record<string, unknown>>("SELECT n, x, s, b, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS t, encode(bytes, 'hex') AS bytes, nothing FROM kinds WHERE n = 7");
    assert.deepEqual(r, { n: '7', x: 1.75, s: 'tab\there\nnew line \\ back', b: false, t: '2024-01-01 00:00:07', bytes: '0700', nothing: null });
    assert.deepEqual(await prepared('kinds-db'), []);
  });

  test('upserts: the last row per key wins, within a batch and across batches; at-least-once sink too', async () => {
    for (const [exactly, uid] of [[true, 'upsert-eo'], [false, 'upsert-alo']] as const) {
      const { table } = await freshTable({ key: true });
      const make = exactly ? JdbcSink.exactlyOnceSink : JdbcSink.sink;
      await runJob((env) => {
        env
          .fromSequence(0, 9_999)
          .map((i): Row => [i % 10, `last ${i}`])
          .sinkTo(make<Row>({ connectionString: url, table, columns: ['k', 'v'], toRow, upsertKey: ['k'], batchSize: 777 }))
          .uid(uid);
      });
      assert.deepEqual(await rowsOf(table), Array.from({ length: 10 }, (_, k): Row => [k, `last ${9990 + k}`]), uid);
    }
  });
});

describe('JdbcSink.exactlyOnceSink two-phase commit', () => {
  test('rows are prepared at the barrier under the run’s name and visible only once the checkpoint completes', async () => {
    const { table, uid } = await freshTable();
    const w = await exactlyOnce(table, uid, { subtaskIndex: 0, parallelism: 1, attemptNumber: 2 }, undefined, { batchSize: 2 });
    for (const r of range(0, 5)) w.write(r);
    const state = await checkpoint(w, 1);
    const job = 'a'.repeat(32);
    const name = `fts.${sinkKey(uid)}.${job}.${job}.2.0.1`;
    assert.deepEqual(await prepared(uid), [name]);
    assert.deepEqual(state.slice(0, 1), [{ lineage: job }]);
    assert.equal((state[1] as { gid: string }).gid, name);
    assert.match(String((state[1] as { xid: unknown }).xid), /^\d+$/, 'the xid is recorded with the name');
    assert.deepEqual(await rowsOf(table), [], 'prepared, not committed');
    await w.notifyCheckpointComplete!(1);
    assert.deepEqual(await rowsOf(table), range(0, 5));
    assert.deepEqual(await prepared(uid), []);
    // A barrier with nothing written prepares nothing, and the state records nothing pending.
    assert.deepEqual(await checkpoint(w, 2), [{ lineage: job }]);
    assert.deepEqual(await prepared(uid), []);
    await closeWriter(w);
  });

  test('a completed checkpoint commits the earlier pending ones too (an aborted checkpoint’s)', async () => {
    const { table, uid, w, state } = await preparedTwice(); // checkpoint 1 never completes
    assert.deepEqual(state.slice(1).map((e) => (e as { checkpointId: number }).checkpointId), [1, 2]);
    assert.equal((await prepared(uid)).length, 2);
    await w.notifyCheckpointComplete!(2);
    assert.deepEqual(await rowsOf(table), range(0, 6));
    assert.deepEqual(await prepared(uid), []);
    await closeWriter(w);
  });

  test('completing checkpoint n never commits the transaction prepared for n+1 (a restore from n replays its rows)', async () => {
    const { table, uid, w } = await preparedTwice();
    await w.notifyCheckpointComplete!(1);
    assert.deepEqual(await rowsOf(table), range(0, 3));
    assert.deepEqual(
      (await prepared(uid)).map((gid) => gid.split('.').at(-1)),
      ['2'],
      "checkpoint 2's transaction stays prepared",
    );
    await w.notifyCheckpointComplete!(2);
    assert.deepEqual(await rowsOf(table), range(0, 6));
    await closeWriter(w);
  });

  test('a restore commits exactly what its checkpoint recorded and rolls back the later prepared ones', async () => {
    const { table, uid } = await freshTable();
    // The first run: checkpoint 1 committed, 2 and 3 prepared (3's _metadata may have been
    // published too), then the process dies.
    const a = await exactlyOnce(table, uid, { subtaskIndex: 0, parallelism: 2 });
    const a1 = await exactlyOnce(table, uid, { subtaskIndex: 1, parallelism: 2 });
    a.write(row(1));
    a1.write(row(101));
    await checkpoint(a, 1);
    await checkpoint(a1, 1);
    await a.notifyCheckpointComplete!(1);
    await a1.notifyCheckpointComplete!(1);
    a.write(row(2));
    a1.write(row(102));
    const at2 = [...(await checkpoint(a, 2)), ...(await checkpoint(a1, 2))];
    a.write(row(3));
    a1.write(row(103));
    await checkpoint(a, 3);
    await checkpoint(a1, 3);
    await closeWriter(a);
    await closeWriter(a1);
    assert.equal((await prepared(uid)).length, 4);
    assert.deepEqual(await rowsOf(table), [row(1), row(101)]);

    // A restore from checkpoint 2 (older than the newest prepared) in a new job, rescaled to 1.
    const b = await exactlyOnce(table, uid, { jobId: 'b'.repeat(32), parallelism: 1 }, at2);
    assert.deepEqual(await rowsOf(table), [row(1), row(2), row(101), row(102)]);
    assert.deepEqual(await prepared(uid), [], "checkpoint 3's transactions were rolled back, not committed");
    // The new run continues the lineage: its names carry the first run's job id.
    b.write(row(4));
    const state = await checkpoint(b, 4);
    assert.equal((state[0] as { lineage: string }).lineage, 'a'.repeat(32));
    assert.deepEqual(await prepared(uid), [`fts.${sinkKey(uid)}.${'a'.repeat(32)}.${'b'.repeat(32)}.0.0.4`]);
    await b.notifyCheckpointComplete!(4);
    assert.deepEqual(await rowsOf(table), [row(1), row(2), row(4), row(101), row(102)]);
    await closeWriter(b);
  });

  test('a restore after a crash during the commit finds the transaction committed and commits nothing twice', async () => {
    const { table, uid } = await freshTable();
    const a = await exactlyOnce(table, uid);
    for (const r of range(0, 3)) a.write(r);
    const at1 = await checkpoint(a, 1);
    await a.notifyCheckpointComplete!(1);
    await closeWriter(a);
    const b = await exactlyOnce(table, uid, { jobId: 'b'.repeat(32) }, at1);
    assert.deepEqual(await rowsOf(table), range(0, 3));
    await closeWriter(b);
  });

  test('a restore whose recorded transaction was rolled back fails with one line, changing nothing', async () => {
    const { table, uid } = await freshTable();
    const a = await exactlyOnce(table, uid);
    a.write(row(1));
    const at1 = await checkpoint(a, 1);
    a.write(row(2));
    await checkpoint(a, 2);
    await closeWriter(a);
    const [first, second] = await prepared(uid);
    await sql(`ROLLBACK PREPARED '${first}'`);
    await assert.rejects(
      exactlyOnce(table, uid, { jobId: 'b'.repeat(32) }, at1),
      (e: Error & { code?: string }) => e.code === 'connector.jdbc.transactionLost' && /transaction fts\.\S+\.1 of checkpoint 1 was rolled back \(by hand or by another job\), so its rows are lost/.test(e.message),
    );
    assert.deepEqual(await prepared(uid), [second], 'nothing was rolled back by the failed restore');
    await sql(`ROLLBACK PREPARED '${second}'`);
  });

  test('a fresh start never touches prepared transactions of another job writing the same table', async () => {
    const { table, uid } = await freshTable();
    const other = await exactlyOnce(table, uid, { jobId: 'c'.repeat(32) });
    other.write(row(9));
    await checkpoint(other, 1);
    await closeWriter(other);
    const fresh = await exactlyOnce(table, uid, { jobId: 'd'.repeat(32) });
    assert.equal((await prepared(uid)).length, 1, "the other job's prepared transaction stays");
    await closeWriter(fresh);
    // A failover of that other job (a later attempt, nothing restored) rolls it back: same lineage.
    const retry = await exactlyOnce(table, uid, { jobId: 'c'.repeat(32), attemptNumber: 1 });
    assert.deepEqual(await prepared(uid), []);
    await closeWriter(retry);
    assert.deepEqual(await rowsOf(table), []);
  });

  test('a restore waits while an earlier run is still connected, and gives up with one line after the timeout', async () => {
    const { table, uid } = await freshTable();
    const plain = url;
    // An application name in the connection string must not hide one run from another.
    url = `${plain}&application_name=mine`;
    try {
      const a = await exactlyOnce(table, uid);
      a.write(row(1));
      const at1 = await checkpoint(a, 1);
      // `a` stays open (a frozen process): the restore must not act beside it.
      await assert.rejects(
        exactlyOnce(table, uid, { jobId: 'b'.repeat(32) }, at1, { takeoverTimeoutMs: 300 }),
        (e: Error & { code?: string }) => e.code === 'connector.jdbc.previousRunAlive' && /another run of this job still has 2 connection\(s\) open/.test(e.message),
      );
      assert.equal((await prepared(uid)).length, 1);
      const restoring = exactlyOnce(table, uid, { jobId: 'b'.repeat(32) }, at1, { takeoverTimeoutMs: 30_000 });
      await new Promise((r) => setTimeout(r, 300));
      await closeWriter(a); // the old run goes away: the restore goes on
      const b = await restoring;
      assert.deepEqual(await rowsOf(table), [row(1)]);
      await closeWriter(b);
    } finally {
      url = plain;
    }
  });

  test('a run connected to another database does not hold up a restore (it cannot touch this database’s prepared transactions)', async () => {
    const { table, uid } = await freshTable();
    const elsewhere = `jdbc_sink_other_${process.pid}`;
    const otherUrl = await server.createDatabase(elsewhere);
    await server.query(`CREATE TABLE ${table} (k bigint, v text)`, [], elsewhere);
    const plain = url;
    url = otherUrl;
    let a: SinkWriter<Row>;
    try {
      a = await exactlyOnce(table, uid); // stays connected to the other database, like a job forked from one savepoint
    } finally {
      url = plain;
    }
    const b = await exactlyOnce(table, uid, { jobId: 'b'.repeat(32) }, [{ lineage: 'a'.repeat(32) }], { takeoverTimeoutMs: 300 });
    await closeWriter(b);
    await closeWriter(a);
  });

  test('a process that no longer owns the job commits and rolls back nothing (the job’s fence, checked right before)', async () => {
    const { table, uid } = await freshTable();
    let owner = true;
    const fenced = (action: string) => {
      if (!owner) throw new Error(`fenced before it would ${action}`);
    };
    const a = await exactlyOnce(table, uid, { checkOwnership: fenced });
    a.write(row(1));
    const at1 = await checkpoint(a, 1);
    a.write(row(2));
    await checkpoint(a, 2);
    // The job lost its ownership after checkpoint 1 completed: the commit is refused.
    owner = false;
    await assert.rejects(Promise.resolve(a.notifyCheckpointComplete!(1)), /fenced before it would commit transaction fts\.\S+\.1/);
    await closeWriter(a);
    assert.equal((await prepared(uid)).length, 2);
    // A restore in a process that lost the job (e.g. woken from a freeze) touches nothing.
    await assert.rejects(exactlyOnce(table, uid, { jobId: 'b'.repeat(32), checkOwnership: fenced }, at1), /fenced before it would commit and roll back the prepared transactions of sink/);
    assert.equal((await prepared(uid)).length, 2);
    assert.deepEqual(await rowsOf(table), []);
    const b = await exactlyOnce(table, uid, { jobId: 'b'.repeat(32), checkOwnership: () => undefined }, at1);
    assert.deepEqual(await rowsOf(table), [row(1)]);
    assert.deepEqual(await prepared(uid), []);
    await closeWriter(b);
  });

  test('a restore asks the fence before each COMMIT / ROLLBACK PREPARED: one lost during a round trip sends no more', async () => {
    // Each statement goes a round trip after the last; a process frozen in one (asked only
    // before the first) sent the rest on waking, after it was declared lost.
    const { table, uid, w, state } = await preparedTwice();
    await closeWriter(w);
    assert.equal((await prepared(uid)).length, 2);
    let asked = 0;
    const lostAfterFirst = (action: string) => {
      if (++asked > 2) throw new Error(`fenced before it would ${action}`);
    };
    await assert.rejects(exactlyOnce(table, uid, { jobId: 'b'.repeat(32), checkOwnership: lostAfterFirst }, state), /fenced before it would commit and roll back/);
    assert.equal(asked, 3, 'asked up front, before the first commit, and before the second');
    assert.deepEqual(await rowsOf(table), range(0, 3), "checkpoint 1's transaction only");
    assert.equal((await prepared(uid)).length, 1, "checkpoint 2's stays prepared");
    // The same run again (its failed attempt's connections are its own), not lost this time.
    const b = await exactlyOnce(table, uid, { jobId: 'b'.repeat(32), checkOwnership: () => undefined }, state);
    assert.deepEqual(await rowsOf(table), range(0, 6));
    await closeWriter(b);
  });

  test('without checkpointing, the end of input asks the fence when its COMMIT is sent, behind the batches in flight', async () => {
    const { table, uid } = await freshTable();
    let owner = true;
    const asked: string[] = [];
    const fence = (action: string) => {
      asked.push(action);
      if (!owner) throw new Error(`fenced before it would ${action}`);
    };
    const w = await exactlyOnce(table, uid, { checkpointing: false, checkOwnership: fence }, undefined, { batchSize: 2 });
    for (const r of range(0, 5)) w.write(r);
    // Lost while the batches are on their way: the COMMIT behind them is not sent.
    w.endOfInput!();
    owner = false;
    await assert.rejects(Promise.resolve(w.pendingWork!()), /fenced before it would commit the rows of sink/);
    assert.deepEqual(asked.filter((a) => /end of input/.test(a)), [`commit the rows of sink '${uid}' at the end of input`]);
    await closeWriter(w);
    assert.deepEqual(await rowsOf(table), []);
    owner = true;
    const again = await exactlyOnce(table, uid, { checkpointing: false, checkOwnership: fence });
    for (const r of range(0, 5)) again.write(r);
    again.endOfInput!();
    await again.pendingWork!();
    assert.deepEqual(await rowsOf(table), range(0, 5));
    await closeWriter(again);
  });

  test('state of another kind of sink under this uid is refused', async () => {
    const { table, uid } = await freshTable();
    const w = JdbcSink.exactlyOnceSink<Row>({ connectionString: url, table, columns: ['k', 'v'], toRow }).createWriter(ctx(uid));
    assert.throws(() => w.restoreState!([{ pending: '.part-0.pending', final: 'part-0', checkpointId: 1 }]), /was not written by this JdbcSink/);
  });

  test('a failing batch fails the pre-commit and every later turn of the writer', async () => {
    await sql('CREATE TABLE small (k bigint, v varchar(3))');
    const w = await exactlyOnce('small', 'small-db');
    w.write([1, 'ok']);
    w.write([2, 'too long']);
    w.snapshotState!(1);
    await assert.rejects(w.prepareCommit!(1), /JdbcSink failed writing 2 rows: value too long for type character varying\(3\)/);
    assert.throws(() => w.write([3, 'x']), /value too long/);
    await assert.rejects(w.pendingWork!()!, /value too long/);
    await closeWriter(w);
    assert.deepEqual(await prepared('small-db'), []);
  });
});

describe('JdbcSink errors before the first row', () => {
  test('a table that does not fit: missing, a missing column, an unwritten NOT NULL column, an upsert key without unique index', async () => {
    await sql('CREATE TABLE fits (k bigint, v text, id bigint NOT NULL)');
    const open = async (table: string, columns: string[], upsertKey?: string[]) => {
      const w = JdbcSink.sink<JdbcValue[]>({ connectionString: url, table, columns, toRow: (r) => r, upsertKey }).createWriter(ctx('fits'));
      openWriters.push(w as SinkWriter<unknown>);
      await w.open!();
    };
    await assert.rejects(open('nope', ['k']), /JdbcSink: table "nope" does not exist in database "jdbc_sink_\d+"; create it first/);
    await assert.rejects(open('fits', ['k', 'w', 'id']), /table "fits" has no column "w" \(its columns: k, v, id\)/);
    await assert.rejects(open('fits', ['k', 'v']), /needs a value for NOT NULL column "id"/);
    await assert.rejects(open('fits', ['k', 'v', 'id'], ['k']), (e: Error & { code?: string }) => e.code === 'connector.jdbc.noUniqueKey');
  });

  test('a server with max_prepared_transactions = 0: one line saying what to set', async () => {
    const off = await startPostgres({ maxPreparedTransactions: 0 });
    try {
      await off.query('CREATE TABLE t (k bigint, v text)');
      const w = JdbcSink.exactlyOnceSink<Row>({ connectionString: off.connectionString, table: 't', columns: ['k', 'v'], toRow }).createWriter(ctx('off'));
      await assert.rejects(Promise.resolve(w.open!()), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'connector.jdbc.preparedTransactionsDisabled');
        assert.match(e.message, /the server has max_prepared_transactions = 0; set it .* in postgresql\.conf and restart the server, or use JdbcSink\.sink\.$/);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
      await w.close();
    } finally {
      await off.stop();
    }
  });

  test('too few prepared transactions for the sink: the prepare fails with the server’s hint', async () => {
    const one = await startPostgres({ maxPreparedTransactions: 1 });
    try {
      await one.query('CREATE TABLE t (k bigint, v text)');
      const w = JdbcSink.exactlyOnceSink<Row>({ connectionString: one.connectionString, table: 't', columns: ['k', 'v'], toRow }).createWriter(ctx('one'));
      await w.open!();
      w.write(row(1));
      await checkpoint(w, 1); // never completes: its transaction stays prepared
      w.write(row(2));
      w.snapshotState!(2);
      await assert.rejects(w.prepareCommit!(2), /JdbcSink failed preparing transaction fts\.\S+\.2: maximum number of prepared transactions reached \(Increase max_prepared_transactions \(currently 1\)\)/);
      await w.close();
    } finally {
      await one.stop();
    }
  });

  test('a server that is not there: a restart may find it back', async () => {
    const w = JdbcSink.sink<Row>({ connectionString: `postgresql://postgres@/x?host=${encodeURIComponent('/nonexistent/dir')}`, table: 't', columns: ['k', 'v'], toRow }).createWriter(ctx('gone'));
    await assert.rejects(Promise.resolve(w.open!()), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'connector.jdbc.connectionFailed');
      assert.match(e.message, /^JdbcSink: cannot connect to PostgreSQL: /);
      assert.equal(unrecoverableCause(e), undefined);
      return true;
    });
    await w.close();
  });

  test('what no restart fixes is unrecoverable: a misfit table, a database that does not exist, a connection string that cannot be read', async () => {
    const open = async (connectionString: string, table: string) => {
      const w = JdbcSink.exactlyOnceSink<Row>({ connectionString, table, columns: ['k', 'v'], toRow }).createWriter(ctx('misfit'));
      openWriters.push(w as SinkWriter<unknown>);
      await w.open!();
    };
    const unrecoverable = (code: string, message: RegExp) => (e: Error & { code?: string }) => {
      assert.equal(e.code, `connector.jdbc.${code}`);
      assert.match(e.message, message);
      assert.equal(unrecoverableCause(e), e);
      return true;
    };
    await assert.rejects(open(url, 'absent'), unrecoverable('tableMissing', /table "absent" does not exist/));
    await assert.rejects(open(server.connectionStringFor('no_such_db'), 't'), unrecoverable('connectionRefused', /^JdbcSink: cannot connect to PostgreSQL: database "no_such_db" does not exist$/));
    await assert.rejects(open('postgresql://u:s3cret@host:99999/db', 't'), unrecoverable('badConnectionString', /^JdbcSink: its connectionString cannot be read \(Invalid URL\); write it as postgresql:\/\/user:password@host:5432\/database/));
  });
});
