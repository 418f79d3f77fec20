/**
 * The bounded CI form of the chaos test (test/chaos/run-chaos.ts): a keyed job with timers
 * writing through FileSink and SqliteSink, SIGKILLed — or frozen with SIGSTOP past its heartbeat
 * timeout, and woken with SIGCONT before or after it is restored — and restored with
 * `flink run -d -s <jobId>` again and again, then finished. EXACTLY_ONCE (5 kills, 2 freezes,
 * pauses): nothing lost, nothing duplicated in either sink — nor in a third,
 * JdbcSink.exactlyOnceSink into a throwaway PostgreSQL — final counts per key right, no
 * transaction left prepared. AT_LEAST_ONCE (3 kills): nothing lost (duplicates are allowed and
 * counted). The EXACTLY_ONCE run again on the lmdb backend with incremental checkpoints (5 kills,
 * 2 freezes). And a windowed job — out-of-order event time into tumbling windows and sessions —
 * through both sinks, 4 kills: every window's result exactly once and right. In every run a
 * user function with operator ListState and an asynchronous notifyCheckpointComplete sits
 * before the sinks (fixtures/ledger.ts), and what it saw of restores and notifications must
 * keep Flink's contract (ledger-check.ts): each run asserts its problems are none. Each prints
 * its summary line. Needs a built dist/ (bin/flink).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { killLeftovers, removeTempDirs } from '../e2e/helpers.js';
import { type ChaosResult, runChaos } from './run-chaos.js';

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

function report(r: ChaosResult): void {
  console.log(r.summary);
  for (const run of r.runs) {
    console.log(
      `  ${run.jobId.slice(0, 8)} from ${run.restoredFrom?.slice(0, 8) ?? 'scratch'}: ` +
        (run.killed ? `${run.end} after ${run.waitMs} ms, latest checkpoint ${run.lastCheckpointId ?? 'none'}` : 'ran to the end') +
        (run.pausedMs > 0 ? ` (paused ${run.pausedMs} ms)` : ''),
    );
  }
  for (const p of r.problems.slice(0, 10)) console.log(`  ${p}`);
}

/** The Ledger's checks found nothing, and had a restore and a notification to check (the finished run always has both). */
function assertLedgerKept(r: ChaosResult): void {
  assert.deepEqual(r.ledger.problems, []);
  assert.ok(r.ledger.restores > 0 && r.ledger.done > 0, `the ledger saw ${r.ledger.restores} restores and ${r.ledger.done} notifications`);
}

describe('chaos: kill -9 or freeze, and restore, over and over', { concurrency: false }, () => {
  test('EXACTLY_ONCE, 5 kills and 2 freezes: no loss, no duplicates in FileSink, SqliteSink and JdbcSink (PostgreSQL), exact counts per key', { timeout: 150_000 }, async () => {
    const r = await runChaos({ seed: 42, kills: 5, freezes: 2, mode: 'EXACTLY_ONCE', postgres: true });
    report(r);
    assert.equal(r.kills, 5, 'every kill happened before the input ran out');
    assert.equal(r.freezes, 2, 'every freeze happened before the input ran out');
    assert.ok(r.runs.some((run) => run.restoredFrom !== null), 'at least one run restored from a checkpoint');
    assert.deepEqual({ file: [r.file.lost, r.file.duplicated], sqlite: [r.sqlite.lost, r.sqlite.duplicated] }, { file: [0, 0], sqlite: [0, 0] });
    assert.deepEqual(r.file.problems, []);
    assert.deepEqual(r.sqlite.problems, []);
    assert.equal(r.file.rows, r.records);
    assert.equal(r.sqlite.rows, r.records);
    assert.deepEqual([r.postgres?.lost, r.postgres?.duplicated, r.postgres?.rows, r.postgres?.problems], [0, 0, r.records, []]);
    assert.equal(r.leftovers.preparedOfFinalLineage, 0, "every prepared transaction of the finished run's lineage was committed or rolled back");
    assertLedgerKept(r);
    assert.ok(r.ok);
  });

  test('EXACTLY_ONCE on the lmdb backend with incremental checkpoints, 5 kills and 2 freezes: no loss, no duplicates', { timeout: 120_000 }, async () => {
    const r = await runChaos({ seed: 11, kills: 5, freezes: 2, mode: 'EXACTLY_ONCE', backend: 'lmdb', incremental: true });
    report(r);
    assert.equal(r.kills, 5, 'every kill happened before the input ran out');
    assert.equal(r.freezes, 2, 'every freeze happened before the input ran out');
    assert.ok(r.runs.some((run) => run.restoredFrom !== null), 'at least one run restored from a checkpoint');
    assert.deepEqual({ file: [r.file.lost, r.file.duplicated], sqlite: [r.sqlite.lost, r.sqlite.duplicated] }, { file: [0, 0], sqlite: [0, 0] });
    assert.deepEqual([...r.file.problems, ...r.sqlite.problems], []);
    assertLedgerKept(r);
    assert.ok(r.ok);
  });

  test('EXACTLY_ONCE with the subtasks on worker threads (taskmanager.numberOfTaskSlots=2) and async lookups in flight, 4 kills and a freeze: no loss, no duplicates', { timeout: 240_000 }, async () => {
    const r = await runChaos({ seed: 23, kills: 4, freezes: 1, mode: 'EXACTLY_ONCE', slots: 2, async: true });
    report(r);
    assert.equal(r.kills, 4, 'every kill happened before the input ran out');
    assert.ok(r.runs.some((run) => run.restoredFrom !== null), 'at least one run restored from a checkpoint');
    assert.deepEqual({ file: [r.file.lost, r.file.duplicated], sqlite: [r.sqlite.lost, r.sqlite.duplicated] }, { file: [0, 0], sqlite: [0, 0] });
    assert.deepEqual([...r.file.problems, ...r.sqlite.problems], []);
    assertLedgerKept(r);
    assert.ok(r.ok);
  });

  test('a windowed job, EXACTLY_ONCE, 4 kills mid-window: every window result once and right in both sinks', { timeout: 120_000 }, async () => {
    const r = await runChaos({ seed: 42, kills: 4, mode: 'EXACTLY_ONCE', job: 'windowed' });
    report(r);
    assert.equal(r.kills, 4, 'every kill happened before the input ran out');
    assert.ok(r.runs.some((run) => run.restoredFrom !== null), 'at least one run restored from a checkpoint');
    assert.deepEqual({ file: [r.file.lost, r.file.duplicated], sqlite: [r.sqlite.lost, r.sqlite.duplicated] }, { file: [0, 0], sqlite: [0, 0] });
    assert.deepEqual([...r.file.problems, ...r.sqlite.problems], []);
    assert.equal(r.file.rows, r.expectedRows);
    assert.equal(r.sqlite.rows, r.expectedRows);
    assertLedgerKept(r);
    assert.ok(r.ok);
  });

  test('AT_LEAST_ONCE, 3 kills: no loss in either sink (duplicates counted)', { timeout: 90_000 }, async () => {
    const r = await runChaos({ seed: 7, kills: 3, mode: 'AT_LEAST_ONCE' });
    report(r);
    assert.equal(r.kills, 3, 'every kill happened before the input ran out');
    assert.equal(r.file.lost, 0);
    assert.equal(r.sqlite.lost, 0);
    assert.ok(r.file.rows >= r.records && r.sqlite.rows >= r.records);
    assertLedgerKept(r);
    assert.ok(r.ok);
  });
});
