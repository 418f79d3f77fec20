/*
 * executeAndCollect / collectAsync / executeAsync checked against Flink's DataStream
 * (executeAndCollect, collectAsync), CollectResultIterator, CollectResultFetcher and the
 * collect-result buffers, case by case: limits, empty streams, failures, close, cancel, several
 * collects, back pressure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DataGeneratorSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
  setContextExecutor,
} from '../../src/index.js';
import { FlinkError, JobCancelledError, JobDefinitionError } from '../../src/util/errors.js';
import { drain, restartingExecutor } from '../helpers/collect.js';
import { tempDir } from '../helpers/run-job.js';

const localEnv = (): StreamExecutionEnvironment => StreamExecutionEnvironment.getExecutionEnvironment();

/** Rejects if `p` has not settled within `ms` (a hang would otherwise stop the whole file). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

describe('JobClient.cancel() of a job whose collect reader is behind', () => {
  // Flink: the collect sink waits on its buffer in an interruptible wait, so cancelling the job
  // (JobClient.cancel) ends it however far the reader is behind.
  test('cancel() ends the job although the sink waits for its reader (back pressure)', async () => {
    const env = localEnv();
    const it = env.fromSequence(1, Number.MAX_SAFE_INTEGER).collectAsync();
    const client = await env.executeAsync('unbounded, read slowly');
    assert.equal((await it.next()).value, 1);
    // The sink fills its reader's 10,000 unread results and waits; the cancel must still end the job.
    try {
      await within(client.cancel(), 10_000, 'cancel()');
    } catch (err) {
      // Let the job go (closing the reader releases the sink) so that a failure does not hang the file.
      await it.close();
      throw err;
    }
    await assert.rejects(client.getJobExecutionResult(), JobCancelledError);
    // The reader hands out what it had already made readable, then the job's end (as Flink's fetcher).
    await assert.rejects(drain(it), JobCancelledError);
  });
});

describe('misuse gets one clear, typed line', () => {
  // Flink: Collector.getOutput / the fetcher refuse an iterator whose job has not started.
  test('reading a collectAsync iterator before its job started is a FlinkError with a code', async () => {
    const it = localEnv().fromData(1).collectAsync();
    await assert.rejects(it.next(), (err: unknown) => err instanceof FlinkError && err.code === 'collect.notStarted' && /executeAsync/.test(err.message));
  });
});

/** Runs `body` with `getExecutionEnvironment()` giving jobs to a restarting executor (see above). */
async function underRestarts<R>(settings: Record<string, string>, body: () => Promise<R>): Promise<R> {
  const home = tempDir('flink-collect-cases-');
  setContextExecutor(restartingExecutor(home.path, settings));
  try {
    return await body();
  } finally {
    setContextExecutor(undefined);
    home.cleanup();
  }
}

/** The numbers 0 … n-1 at `perSecond`, through a map that fails once at `failAt`. */
function failingOnce(env: StreamExecutionEnvironment, n: number, failAt: number, perSecond: number) {
  const state = { failed: false };
  const stream = env
    .fromSource(new DataGeneratorSource((i) => i, n, { recordsPerSecond: perSecond }), WatermarkStrategy.noWatermarks(), 'numbers')
    .uid('numbers')
    .map((i) => {
      if (i === failAt && !state.failed) {
        state.failed = true;
        throw new Error(`fails once at ${failAt}`);
      }
      return i;
    })
    .uid('map');
  return { stream, state };
}

describe('a failover without checkpointing (Flink: UncheckpointedCollectResultBuffer without failure tolerance)', () => {
  test('after results were read, the reader fails with collect.restarted rather than repeat them, and the job is cancelled', async () => {
    await underRestarts({}, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const { stream, state } = failingOnce(env, 2_000, 1_000, 4_000);
      const it = stream.collectAsync();
      const client = await env.executeAsync('restart, uncheckpointed');
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const v of it) seen.push(v);
        })(),
        (err: unknown) => err instanceof FlinkError && err.code === 'collect.restarted' && /Enable checkpointing/.test(err.message) && !err.message.includes('\n'),
      );
      assert.ok(state.failed);
      assert.ok(seen.length > 0 && seen.length <= 1_000, `read before the restart: ${seen.length}`);
      assert.ok(seen.every((v, i) => v === i), 'what was read came once, in order');
      await assert.rejects(client.getJobExecutionResult(), JobCancelledError);
    });
  });

  test('before anything was read, the reader starts over with the new attempt: every result once (README: differs from Flink, which fails)', async () => {
    await underRestarts({}, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const { stream, state } = failingOnce(env, 3_000, 1_500, 20_000);
      const it = stream.collectAsync();
      const client = await env.executeAsync('restart before reading');
      await client.getJobExecutionResult();
      assert.ok(state.failed);
      const all = await drain(it);
      assert.deepEqual(all, Array.from({ length: 3_000 }, (_, i) => i));
    });
  });
});

describe('with checkpointing (Flink: CheckpointedCollectResultBuffer)', () => {
  test('a job that fails for good hands out nothing no completed checkpoint covers, then its error', async () => {
    await underRestarts({ 'execution.checkpointing.interval': '1 h', 'restart-strategy.type': 'none' }, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const { stream } = failingOnce(env, 1_000, 500, 50_000);
      const it = await stream.executeAndCollect('fails, no checkpoint yet');
      const seen: number[] = [];
      await assert.rejects(
        (async () => {
          for await (const v of it) seen.push(v);
        })(),
        (err: unknown) => err instanceof FlinkError && err.code === 'job.userCodeFailed' && /fails once at 500/.test(err.message),
      );
      assert.deepEqual(seen, [], 'no checkpoint completed: none of the results may be handed out');
    });
  });

  test('an empty stream gives no results and the iterator ends', async () => {
    await underRestarts({ 'execution.checkpointing.interval': '30 ms' }, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      assert.deepEqual(await drain(await env.fromData<number>([]).executeAndCollect()), []);
      assert.deepEqual(await env.fromData<number>([]).map((n) => n).executeAndCollect(5), []);
    });
  });

  test('a bounded job: every result once, in order, at the end even past the last periodic checkpoint', async () => {
    await underRestarts({ 'execution.checkpointing.interval': '1 h' }, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      // More than the sink holds for a reader that is not waiting: a reader waiting for results lets it go on (Flink's client fetches on).
      const it = await env.fromSequence(1, 50_000).executeAndCollect();
      let all: number[];
      try {
        all = await within(drain(it), 20_000, 'reading the job');
      } finally {
        await it.close();
      }
      assert.equal(all.length, 50_000);
      assert.ok(all.every((v, i) => v === i + 1));
    });
  });
});

describe('back pressure with checkpointing (Flink: CollectSinkFunction holds a bounded buffer until the client fetches)', () => {
  test('a reader that does not read holds the job back even before a checkpoint makes results readable', async () => {
    await underRestarts({ 'execution.checkpointing.interval': '1 h' }, async () => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      let produced = 0;
      const it = env
        .fromSequence(1, Number.MAX_SAFE_INTEGER)
        .map((n) => {
          produced++;
          return n;
        })
        .collectAsync();
      await env.executeAsync('unbounded, never read');
      try {
        // Until the job stops producing, or clearly runs ahead (no fixed sleep: a slow machine takes longer).
        let last = -1;
        while (produced !== last && produced < 500_000) {
          last = produced;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(produced < 100_000, `the job ran ahead of a reader that reads nothing: ${produced} records`);
      } finally {
        await it.close();
      }
    });
  });
});

describe('cases that match Flink', () => {
  test('executeAndCollect(limit): a limit of 0, negative or not an integer is refused before the job runs; a limit past the end gives what there is', async () => {
    // Flink: Preconditions.checkState(limit > 0, "Limit must be greater than 0").
    const env = localEnv();
    for (const limit of [0, -1, 2.5, Number.NaN]) {
      await assert.rejects(env.fromData(1, 2).executeAndCollect(limit), (err: unknown) => err instanceof RangeError && /Limit must be greater than 0/.test(err.message));
      await assert.rejects(env.fromData(1, 2).executeAndCollect('named', limit), RangeError);
    }
    assert.deepEqual(await env.fromData(1, 2).executeAndCollect(10), [1, 2]);
  });

  test('an empty stream: no results, the iterator ends', async () => {
    const env = localEnv();
    assert.deepEqual(await drain(await env.fromData<number>([]).executeAndCollect()), []);
    assert.deepEqual(await env.fromData<number>([]).filter(() => true).executeAndCollect(3), []);
  });

  test('a failing job: the results before it, then its error with the user’s error as cause; then the iterator is done', async () => {
    const env = localEnv();
    const boom = new Error('boom at 3');
    const it = await env
      .fromData(1, 2, 3)
      .map((n) => {
        if (n === 3) throw boom;
        return n;
      })
      .executeAndCollect();
    const seen: number[] = [];
    await assert.rejects(
      (async () => {
        for (;;) {
          const r = await it.next();
          if (r.done === true) return;
          seen.push(r.value);
        }
      })(),
      (err: unknown) => err instanceof FlinkError && err.code === 'job.userCodeFailed' && err.cause === boom,
    );
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('an iterator used after close is done, and close twice is harmless', async () => {
    const env = localEnv();
    const it = await env.fromSequence(1, Number.MAX_SAFE_INTEGER).executeAndCollect();
    assert.equal((await it.next()).value, 1);
    await it.close();
    await it.close();
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('collectAsync twice on one stream: each iterator gets every record, in order', async () => {
    const env = localEnv();
    const numbers = env.fromSequence(1, 30_000);
    const a = numbers.collectAsync();
    const b = numbers.collectAsync();
    await env.executeAsync('two collects of one stream');
    const [ra, rb] = await Promise.all([drain(a), drain(b)]);
    const expected = Array.from({ length: 30_000 }, (_, i) => i + 1);
    assert.deepEqual(ra, expected);
    assert.deepEqual(rb, expected);
  });

  test('closing one of two iterators cancels the job: the other ends with the cancellation (Flink: closing any cancels the job)', async () => {
    const env = localEnv();
    const numbers = env.fromSequence(1, Number.MAX_SAFE_INTEGER);
    const a = numbers.collectAsync();
    const b = numbers.map((n) => -n).collectAsync();
    const client = await env.executeAsync('two collects');
    assert.equal((await a.next()).value, 1);
    await a.close();
    await assert.rejects(client.getJobExecutionResult(), JobCancelledError);
    await assert.rejects(drain(b), JobCancelledError);
  });
});

describe('what a collect job runs', () => {
  test(
    'a source nothing reads from is not part of the job (Flink adds a source to the job only through what reads it)',
    async () => {
      const env = localEnv();
      env.fromSequence(1, Number.MAX_SAFE_INTEGER); // built, never used
      const it = await env.fromData(1, 2).executeAndCollect();
      try {
        assert.deepEqual(await within(drain(it), 3_000, 'the job'), [1, 2]);
      } finally {
        await it.close();
      }
    },
  );

  test('a job of sources alone is refused in one line, as Flink refuses a topology without operators', async () => {
    const env = localEnv();
    env.fromSequence(1, 10);
    await assert.rejects(env.execute('sources only'), (err: unknown) => err instanceof JobDefinitionError && /The job has no operators: a source nothing reads from does not run/.test(err.message));
    // What was built is gone with the refused job: the next one starts afresh.
    assert.deepEqual(await env.fromData(3).executeAndCollect(5), [3]);
  });
});
