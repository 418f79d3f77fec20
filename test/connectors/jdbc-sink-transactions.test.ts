/**
 * The exactly-once JdbcSink's decisions without a server: transaction names, the state that
 * records them (data from disk, refused when foreign), what a restore commits, verifies and
 * rolls back, and how rows are spelt for COPY and for array parameters.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnArrays, copyText, textOf } from '../../src/connectors/jdbc-sink-encoding.js';
import { checkTableFits, checkTarget, upsertStatement } from '../../src/connectors/jdbc-sink-table.js';
import {
  type RestoredSinkState,
  applicationName,
  applicationNamePrefix,
  judgeMissing,
  nameSafeId,
  parseSinkState,
  parseTransactionName,
  planRecovery,
  sinkKey,
  sinkStateEntries,
  transactionName,
} from '../../src/connectors/jdbc-sink-transactions.js';

const JOB_A = 'a'.repeat(32);
const JOB_B = 'b'.repeat(32);
const SINK = sinkKey('pg');

const gid = (job: string, checkpointId: number, opts: { lineage?: string; subtask?: number; attempt?: number; sink?: string } = {}) =>
  transactionName({ sink: opts.sink ?? SINK, lineage: opts.lineage ?? JOB_A, job, attempt: opts.attempt ?? 0, subtask: opts.subtask ?? 0, checkpointId });

describe('JdbcSink transaction names', () => {
  test('name sink, lineage, run, subtask and checkpoint, and parse back', () => {
    const name = gid(JOB_B, 17, { subtask: 3, attempt: 2 });
    assert.equal(name, `fts.${SINK}.${JOB_A}.${JOB_B}.2.3.17`);
    assert.ok(name.length < 200, 'PostgreSQL takes gids of up to 200 bytes');
    assert.deepEqual(parseTransactionName(name), { sink: SINK, lineage: JOB_A, job: JOB_B, attempt: 2, subtask: 3, checkpointId: 17 });
    for (const bad of ['fts.x.y.z.0.0.1', `fts.${SINK}.${JOB_A}.${JOB_B}.0.0.`, `xts.${SINK}.${JOB_A}.${JOB_B}.0.0.1`, `fts.${SINK}.${JOB_A}.${JOB_B}.0.0.1'`]) {
      assert.equal(parseTransactionName(bad), undefined, bad);
    }
  });

  test('job ids that are not plain become a hash; a sink is a hash of its uid', () => {
    assert.equal(nameSafeId(JOB_A), JOB_A);
    assert.equal(nameSafeId('test'), 'test');
    assert.match(nameSafeId("it's a job"), /^[0-9a-f]{32}$/);
    assert.match(SINK, /^[0-9a-f]{12}$/);
    assert.notEqual(sinkKey('pg'), sinkKey('pg2'));
  });

  test('application names fit PostgreSQL, share a prefix per sink and lineage, and differ per run', () => {
    const a0 = applicationName(SINK, JOB_A, JOB_A, 0);
    const a1 = applicationName(SINK, JOB_A, JOB_A, 1);
    const b0 = applicationName(SINK, JOB_A, JOB_B, 0);
    assert.ok(a0.length <= 63);
    assert.equal(new Set([a0, a1, b0]).size, 3);
    for (const n of [a0, a1, b0]) assert.ok(n.startsWith(applicationNamePrefix(SINK, JOB_A)));
    assert.ok(!applicationName(SINK, JOB_B, JOB_B, 0).startsWith(applicationNamePrefix(SINK, JOB_A)), 'another lineage');
    assert.ok(!applicationName(sinkKey('other'), JOB_A, JOB_A, 0).startsWith(applicationNamePrefix(SINK, JOB_A)), 'another sink');
  });
});

describe('JdbcSink state', () => {
  test('round-trips: lineage and the pending transactions, oldest first', () => {
    const entries = [
      ...sinkStateEntries(JOB_A, [{ gid: gid(JOB_B, 5, { subtask: 1 }), checkpointId: 5, xid: '900' }]),
      ...sinkStateEntries(JOB_A, [
        { gid: gid(JOB_B, 4), checkpointId: 4, xid: '800' },
        { gid: gid(JOB_B, 5), checkpointId: 5, xid: null },
      ]),
    ];
    const restored = parseSinkState(entries, SINK, 'pg');
    assert.equal(restored?.lineage, JOB_A);
    assert.deepEqual(
      restored?.recorded.map((r) => [r.checkpointId, r.xid]),
      [[4, '800'], [5, null], [5, '900']],
    );
    assert.equal(parseSinkState([], SINK, 'pg'), undefined);
    assert.deepEqual(parseSinkState(sinkStateEntries(JOB_A, []), SINK, 'pg'), { lineage: JOB_A, recorded: [] });
  });

  test('refuses entries that are not this sink’s (state is data: nothing in it is committed blindly)', () => {
    const cases: [unknown[], RegExp][] = [
      [[{ pending: '.part-0.pending', final: 'part-0', checkpointId: 1 }], /unexpected entry/],
      [[{ gid: gid(JOB_A, 1, { sink: sinkKey('other') }), checkpointId: 1, xid: null }], /is not one of this sink's/],
      [[{ gid: "fts.x'; DROP TABLE t; --", checkpointId: 1, xid: null }], /is not one of this sink's/],
      [[{ gid: gid(JOB_A, 1), checkpointId: 2, xid: null }], /recorded under checkpoint 2/],
      [[{ gid: gid(JOB_A, 1), checkpointId: 1, xid: '1; SELECT' }], /bad xid/],
      [[{ lineage: JOB_A }, { lineage: JOB_B }], /two lineages/],
      [[{ lineage: JOB_A }, { gid: gid(JOB_B, 1, { lineage: JOB_B }), checkpointId: 1, xid: null }], /two lineages/],
      [[null], /entry is null/],
      [[{ lineage: 'no/slashes' }], /unexpected entry/],
    ];
    for (const [entries, expected] of cases) {
      assert.throws(() => parseSinkState(entries, SINK, 'pg'), expected, JSON.stringify(entries));
    }
  });
});

describe('JdbcSink recovery plan', () => {
  const restored = (...checkpoints: number[]): RestoredSinkState => ({
    lineage: JOB_A,
    recorded: checkpoints.map((c) => ({ gid: gid(JOB_A, c), checkpointId: c, xid: String(100 + c) })),
  });
  const here = (...gids: string[]) => gids.map((g) => ({ gid: g, database: 'db' }));

  test('commits what the checkpoint recorded, rolls back the lineage’s later ones, verifies the gone ones', () => {
    const plan = planRecovery(restored(3, 4), here(gid(JOB_A, 4), gid(JOB_A, 5), gid(JOB_A, 6, { subtask: 1 })), SINK, JOB_A, 'db');
    assert.deepEqual(plan.commit.map((t) => t.checkpointId), [4]);
    assert.deepEqual(plan.verify.map((t) => t.checkpointId), [3]);
    assert.deepEqual(plan.rollback, [gid(JOB_A, 5), gid(JOB_A, 6, { subtask: 1 })]);
    assert.deepEqual(plan.elsewhere, []);
  });

  test('a restore from an older checkpoint rolls back the newer prepared ones — even one whose _metadata was published', () => {
    // Checkpoint 5 completed and was prepared everywhere, but the user restores checkpoint 4.
    const plan = planRecovery(restored(4), here(gid(JOB_A, 4), gid(JOB_A, 5)), SINK, JOB_A, 'db');
    assert.deepEqual(plan.commit.map((t) => t.gid), [gid(JOB_A, 4)]);
    assert.deepEqual(plan.rollback, [gid(JOB_A, 5)]);
  });

  test('later runs of the lineage are rolled back too; other lineages, sinks and databases are never touched', () => {
    const plan = planRecovery(
      restored(2),
      [
        ...here(gid(JOB_B, 3), gid(JOB_A, 2)),
        ...here(gid(JOB_B, 3, { lineage: JOB_B }), gid(JOB_A, 3, { sink: sinkKey('other') }), 'not-ours', `fts.${SINK}.${JOB_A}x.y.0.0.1`),
        { gid: gid(JOB_A, 7), database: 'other' },
      ],
      SINK,
      JOB_A,
      'db',
    );
    assert.deepEqual(plan.rollback, [gid(JOB_B, 3)]);
    assert.deepEqual(plan.commit.map((t) => t.gid), [gid(JOB_A, 2)]);
  });

  test('a fresh start only rolls back its own lineage’s (an earlier attempt’s) prepared transactions', () => {
    const plan = planRecovery(undefined, here(gid(JOB_A, 1), gid(JOB_B, 1, { lineage: JOB_B })), SINK, JOB_A, 'db');
    assert.deepEqual(plan, { commit: [], verify: [], elsewhere: [], rollback: [gid(JOB_A, 1)] });
  });

  test('a recorded transaction prepared in another database is reported, not committed', () => {
    const plan = planRecovery(restored(2), [{ gid: gid(JOB_A, 2), database: 'other' }], SINK, JOB_A, 'db');
    assert.deepEqual(plan.elsewhere.map((t) => t.checkpointId), [2]);
    assert.deepEqual([plan.commit, plan.verify, plan.rollback], [[], [], []]);
  });

  test('a recorded transaction no longer prepared: committed, lost, or unknown', () => {
    assert.equal(judgeMissing('committed'), 'committed');
    assert.equal(judgeMissing('aborted'), 'lost');
    assert.equal(judgeMissing(null), 'unknown');
    assert.equal(judgeMissing('in progress'), 'unknown');
  });
});

describe('JdbcSink row encoding', () => {
  test('COPY text escapes what COPY reads specially and spells NULL as \\N', () => {
    const rows = [
      ['a\tb', 'line\nbreak\r', 'back\\slash', null, undefined as unknown as null],
      [1.5, -7n, true, false, new Date(Date.UTC(2024, 1, 29, 12, 0, 0))],
      [new Uint8Array([0, 255, 16]), '', 'plain', Number.NaN, -Infinity],
    ] as const;
    assert.equal(
      copyText(rows),
      'a\\tb\tline\\nbreak\\r\tback\\\\slash\t\\N\t\\N\n' + '1.5\t-7\tt\tf\t2024-02-29T12:00:00.000Z\n' + '\\\\x00ff10\t\tplain\tNaN\t-Infinity\n',
    );
  });

  test('array parameters carry the same texts, column by column', () => {
    assert.deepEqual(columnArrays([[1, 'x', null], [2n, 'y\tz', new Uint8Array([1])]], 3), [['1', '2'], ['x', 'y\tz'], [null, '\\x01']]);
  });

  test('a value of another type is refused with one line saying what is allowed', () => {
    assert.throws(() => textOf({ a: 1 } as never), /toRow returned an object \(Object\); a column value must be a string, number/);
    assert.throws(() => textOf([1] as never), /toRow returned an array/);
    assert.throws(() => textOf((() => 1) as never), /toRow returned a function/);
  });
});

describe('JdbcSink table checks', () => {
  const col = (name: string, over: Partial<{ type: string; notNull: boolean; filledByServer: boolean; generated: boolean }> = {}) => ({
    name,
    type: 'bigint',
    notNull: false,
    filledByServer: false,
    generated: false,
    ...over,
  });
  const target = { table: 'events', columns: ['k', 'v'] };

  test('options: identifiers, duplicate columns, upsert key among the columns', () => {
    assert.throws(() => checkTarget({ ...target, table: 'a.b.c' }), /'name' or 'schema.name'/);
    assert.throws(() => checkTarget({ ...target, table: 'ev ents' }), /not a plain SQL identifier/);
    assert.throws(() => checkTarget({ ...target, columns: ['k', 'k'] }), /listed twice/);
    assert.throws(() => checkTarget({ ...target, columns: [] }), /at least one column/);
    assert.throws(() => checkTarget({ ...target, upsertKey: ['id'] }), /upsert key 'id' is not one of the columns \(k, v\)/);
    assert.throws(() => checkTarget({ ...target, upsertKey: [] }), /needs at least one column/);
    assert.doesNotThrow(() => checkTarget({ table: 'analytics.events', columns: ['k', 'v'], upsertKey: ['k'] }));
  });

  test('the table must exist and have every column; NOT NULL columns without default must be written', () => {
    const fits = (columns: ReturnType<typeof col>[] | undefined, uniqueKeys: string[][] = [], t: typeof target & { upsertKey?: string[] } = target) =>
      checkTableFits(t, { columns, uniqueKeys }, 'db');
    assert.throws(() => fits(undefined), (e: Error & { code?: string }) => e.code === 'connector.jdbc.tableMissing' && /table "events" does not exist in database "db"; create it first/.test(e.message));
    assert.throws(() => fits([col('k'), col('w')]), /table "events" has no column "v" \(its columns: k, w\)/);
    assert.throws(() => fits([col('k'), col('v'), col('id', { notNull: true })]), /NOT NULL column "id", which the sink does not write/);
    assert.doesNotThrow(() => fits([col('k'), col('v'), col('id', { notNull: true, filledByServer: true })]));
    assert.throws(() => fits([col('k'), col('v', { generated: true, filledByServer: true })]), /column "v" of table "events" is generated/);
    assert.throws(() => fits([col('k'), col('v')], [['k', 'v']], { ...target, upsertKey: ['k'] }), /needs a primary key or unique index on exactly these columns/);
    assert.doesNotThrow(() => fits([col('k'), col('v')], [['v'], ['k']], { ...target, upsertKey: ['k'] }));
  });

  test('upserts: the last of several rows with one key wins; all-key columns do nothing on conflict', () => {
    const sql = upsertStatement({ table: 'events', columns: ['k', 'v'], upsertKey: ['k'] }, [col('k'), col('v', { type: 'character varying(20)' })]);
    assert.match(sql, /unnest\(\$1::bigint\[\], \$2::character varying\(20\)\[\]\) WITH ORDINALITY/);
    assert.match(sql, /SELECT DISTINCT ON \("k"\).*ORDER BY "k", "_fts_ord" DESC ON CONFLICT \("k"\) DO UPDATE SET "v" = EXCLUDED\."v"$/);
    assert.match(upsertStatement({ table: 'events', columns: ['k'], upsertKey: ['k'] }, [col('k')]), /ON CONFLICT \("k"\) DO NOTHING$/);
  });
});
