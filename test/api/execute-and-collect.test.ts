/*
 * executeAndCollect / collectAsync / executeAsync in this process (the local executor, and a
 * JobMaster with checkpoints and a failover): results in order, each once; a limit cancels the
 * job; leaving the loop early cancels it; a reader that does not keep up holds the job back; a
 * failing job fails the reader; a second job of one environment runs only what was added since.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DataGeneratorSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  setContextExecutor,
} from '../../src/index.js';
import { JobCancelledError } from '../../src/util/errors.js';
import { drain, restartingExecutor } from '../helpers/collect.js';
import { tempDir } from '../helpers/run-job.js';
import { waitFor } from '../e2e/helpers.js';

/** The default environment: the package's local executor (what `npx tsx job.ts` gets). */
const localEnv = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

describe('executeAndCollect in this process', () => {
  test('the records of a bounded job, in order, and the job ends', async () => {
    const env = localEnv();
    assert.deepEqual(await env.fromData(1, 2, 3).map((n) => n * 2).executeAndCollect(10), [2, 4, 6]);
    const it = await env.fromSequence(1, 50_000).map((n) => n).executeAndCollect('all');
    const all = await drain(it);
    assert.equal(all.length, 50_000);
    assert.ok(all.every((v, i) => v === i + 1));
  });

  test('a keyed job at parallelism 2: every record once (order only within a key)', async () => {
    const env = localEnv().setParallelism(2);
    const sums = await drain(
      await env
        .fromSequence(1, 10_000)
        .map((n): [number, number] => [n % 4, n])
        .keyBy(([k]) => k)
        .reduce(([k, a], [, b]) => [k, a + b])
        .executeAndCollect(),
    );
    assert.equal(sums.length, 10_000);
    const last = new Map<number, number>();
    for (const [k, s] of sums) {
      assert.ok(s > (last.get(k) ?? 0), 'a key’s running sums come in order');
      last.set(k, s);
    }
    const total = [...last.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, (10_000 * 10_001) / 2);
  });

  test('a limit takes the first records of an unbounded job and cancels it', async () => {
    const env = localEnv();
    const first = await env.fromSequence(1, Number.MAX_SAFE_INTEGER).executeAndCollect(5);
    assert.deepEqual(first, [1, 2, 3, 4, 5]);
    assert.rejects(env.fromData(1).executeAndCollect(0), RangeError);
  });

  test('leaving a for-await loop early cancels the job', async () => {
    const env = localEnv();
    const it = env.fromSequence(1, Number.MAX_SAFE_INTEGER).collectAsync();
    const client = await env.executeAsync('unbounded');
    let n = 0;
    for await (const v of it) {
      assert.equal(v, ++n);
      if (n === 3) break;
    }
    await assert.rejects(client.getJobExecutionResult(), JobCancelledError);
  });

  test('a reader that does not keep up holds the job back (no unbounded buffering)', async () => {
    const env = localEnv();
    let produced = 0;
    const it = env
      .fromSequence(1, Number.MAX_SAFE_INTEGER)
      .map((n) => {
        produced++;
        return n;
      })
      .collectAsync();
    await env.executeAsync('slow reader');
    assert.equal((await it.next()).value, 1);
    // Until the job stops producing (no fixed sleep: a slow machine takes longer to get there).
    let last = -1;
    await waitFor('the job to be held back', async () => {
      await new Promise((r) => setTimeout(r, 100));
      const still = produced === last;
      last = produced;
      return still;
    }, 20_000, 0);
    const held = produced;
    await new Promise((r) => setTimeout(r, 300));
    // Unread results stop at the writer's limit (10,000) plus what is in flight in channels.
    assert.ok(produced < 100_000, `the job ran ahead of its reader: ${produced} records`);
    assert.ok(produced - held < 5_000, `the job kept going while held back: ${held} → ${produced}`);
    await it.close();
  });

  test('env.execute() with collectAsync keeps every result, however many, for reading after', async () => {
    const env = localEnv();
    const it = env.fromSequence(1, 30_000).collectAsync();
    await env.execute('read after');
    const all = await drain(it);
    assert.equal(all.length, 30_000);
  });

  test('two collect sinks in one job', async () => {
    const env = localEnv();
    const numbers = env.fromSequence(1, 100);
    const evens = numbers.filter((n) => n % 2 === 0).collectAsync();
    const odds = numbers.filter((n) => n % 2 === 1).collectAsync();
    await env.executeAsync('two');
    const [e, o] = await Promise.all([drain(evens), drain(odds)]);
    assert.equal(e.length, 50);
    assert.equal(o.length, 50);
    assert.ok(e.every((n) => n % 2 === 0) && o.every((n) => n % 2 === 1));
  });

  test('a failing job fails its reader with its error', async () => {
    const env = localEnv();
    const it = await env
      .fromSequence(1, 100)
      .map((n) => {
        if (n === 50) throw new Error('boom at 50');
        return n;
      })
      .executeAndCollect();
    await assert.rejects(drain(it), /boom at 50/);
  });

  test('a second job of one environment runs only what was added after the first (Flink clears the transformations)', async () => {
    const env = localEnv();
    let firstMapCalls = 0;
    const numbers = env.fromData(1, 2, 3).map((n) => {
      firstMapCalls++;
      return n;
    });
    assert.deepEqual(await numbers.map((n) => n + 1).executeAndCollect(10), [2, 3, 4]);
    assert.equal(firstMapCalls, 3);
    // The second job reads the same stream again (its source and map), not the first job's sink.
    assert.deepEqual(await numbers.map((n) => n * 10).executeAndCollect(10), [10, 20, 30]);
    assert.equal(firstMapCalls, 6);
  });

  test('results are copies: changing one changes nothing in the job', async () => {
    const env = localEnv();
    const shared = { n: 1 };
    const [a] = await env.fromData(0).map(() => shared).executeAndCollect(1);
    assert.notEqual(a, shared);
    assert.deepEqual(a, { n: 1 });
  });
});

describe('executeAndCollect with checkpoints and a failover', () => {
  test('every result once across a failover, and none before a checkpoint covers it', async () => {
    const home = tempDir('flink-collect-failover-');
    setContextExecutor(restartingExecutor(home.path, { 'execution.checkpointing.interval': '30 ms' }));
    try {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const N = 3_000;
      let failed = false;
      const it = await env
        .fromSource(new DataGeneratorSource((i) => i, N, { recordsPerSecond: 6_000 }), WatermarkStrategy.noWatermarks(), 'numbers')
        .uid('numbers')
        .map((i) => {
          if (i === 1_800 && !failed) {
            failed = true;
            throw new Error('fails once at 1800');
          }
          return i;
        })
        .uid('map')
        .executeAndCollect('failover');
      const seen: number[] = [];
      for await (const v of it) seen.push(v);
      assert.ok(failed, 'the job failed over');
      assert.equal(seen.length, N, 'nothing lost, nothing twice');
      assert.ok(
        seen.every((v, i) => v === i),
        'in order',
      );
    } finally {
      setContextExecutor(undefined);
      home.cleanup();
    }
  });
});
