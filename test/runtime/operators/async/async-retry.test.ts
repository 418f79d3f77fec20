/*
 * Retries of async calls (Flink 1.16's AsyncRetryStrategy, as AsyncWaitOperator applies it):
 * which answers are tried again, how many times (Flink counts: while attempts ≤ maxAttempts),
 * after which back-off, within one overall timeout, and at the end of input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsyncDataStream, AsyncRetryStrategies, DataGeneratorSource, Duration, type ResultFuture, RetryPredicates, WatermarkStrategy } from '../../../../src/index.js';
import { runJob } from '../../../helpers/run-job.js';


/** Records after the `n` a test is about, so its input lasts ~500 ms more: at the end of input Flink makes no more retries. */
const PADDING = 100;

/** Runs an unordered async job over `n` numbers (then padding) with `fn` and `retry`; returns what came out for the `n`. */
async function run(n: number, fn: (i: number, r: ResultFuture<string>) => void, retry: ReturnType<typeof fixed>, timeout = Duration.ofSeconds(10)): Promise<string[]> {
  const out: string[] = [];
  await runJob((env) => {
    const src = env.fromSource(new DataGeneratorSource((i: number) => i, n + PADDING, { recordsPerSecond: 200 }), WatermarkStrategy.noWatermarks(), 'numbers');
    const padded = (i: number, r: ResultFuture<string>) => (i >= n ? r.complete(['pad']) : fn(i, r));
    AsyncDataStream.unorderedWaitWithRetry(src, padded, timeout, 10, retry).addSink((s: string) => void (s === 'pad' ? undefined : out.push(s)));
  });
  return out.sort();
}

const fixed = (maxAttempts: number, ms: number) => new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<string>(maxAttempts, ms).ifResult(RetryPredicates.EMPTY_RESULT_PREDICATE).ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE).build();

describe('async retries', () => {
  test('an empty answer or a failure is tried again after the back-off until one is not', async () => {
    const calls = new Map<number, number>();
    const out = await run(
      4,
      (i, r) => {
        const n = (calls.get(i) ?? 0) + 1;
        calls.set(i, n);
        setTimeout(() => {
          if (n === 1) r.complete([]); // empty: retried
          else if (n === 2) r.completeExceptionally(new Error('flaky')); // a failure: retried
          else r.complete([`${i} after ${n}`]);
        }, 1);
      },
      fixed(3, 5),
    );
    assert.deepEqual(out, ['0 after 3', '1 after 3', '2 after 3', '3 after 3']);
  });

  test("Flink's count: with maxAttempts 2 a call is made 3 times; the last failure then fails the job", async () => {
    let calls = 0;
    await assert.rejects(
      run(
        1,
        (_i, r) => {
          calls++;
          setImmediate(() => r.completeExceptionally(new Error(`down (call ${calls})`)));
        },
        fixed(2, 2),
      ),
      /down \(call 3\)/,
    );
    assert.equal(calls, 3);
  });

  test('only what the predicates match is retried: a failure without an exception predicate fails at once', async () => {
    const onlyEmpty = new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<string>(5, 2).ifResult(RetryPredicates.EMPTY_RESULT_PREDICATE).build();
    let calls = 0;
    await assert.rejects(
      run(
        1,
        (_i, r) => {
          calls++;
          r.completeExceptionally(new TypeError('bad input'));
        },
        onlyEmpty,
      ),
      /bad input/,
    );
    assert.equal(calls, 1);
    const typed = new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<string>(5, 2).ifException(RetryPredicates.createExceptionTypePredicate(RangeError)).build();
    let tries = 0;
    const out = await run(1, (_i, r) => (++tries < 3 ? r.completeExceptionally(new RangeError('busy')) : r.complete(['ok'])), typed);
    assert.deepEqual([out, tries], [['ok'], 3]);
  });

  test('one timeout over every attempt: a retry still waiting for its back-off is dropped and the timeout answers', async () => {
    const out: string[] = [];
    await runJob((env) => {
      const src = env.fromSource(new DataGeneratorSource((i: number) => i, 2 + PADDING, { recordsPerSecond: 200 }), WatermarkStrategy.noWatermarks(), 'numbers');
      const fn = {
        asyncInvoke: (i: number, r: ResultFuture<string>) => r.complete(i < 2 ? [] : ['pad']),
        timeout: (i: number, r: ResultFuture<string>) => r.complete([`timed out ${i}`]),
      };
      AsyncDataStream.orderedWaitWithRetry(src, fn, Duration.ofMillis(60), 10, fixed(100, 1000)).addSink((s: string) => void (s === 'pad' ? undefined : out.push(s)));
    });
    assert.deepEqual(out, ['timed out 0', 'timed out 1']);
  });

  test("at the end of input a retry waiting for its back-off is made at once, and its answer is final (Flink's finishInFlightDelayedRetry)", { timeout: 20_000 }, async () => {
    let calls = 0;
    const out: string[] = [];
    await runJob((env) => {
      // Three records 50 ms apart: input 0's empty answer schedules a retry a minute away; the
      // input ends ~100 ms later, which makes that retry at once, and its empty answer is final.
      const src = env.fromSource(new DataGeneratorSource((i: number) => i, 3, { recordsPerSecond: 20 }), WatermarkStrategy.noWatermarks(), 'numbers');
      const fn = (i: number, r: ResultFuture<string>) => {
        calls++;
        r.complete(i === 0 ? [] : [`r${i}`]);
      };
      AsyncDataStream.unorderedWaitWithRetry(src, fn, Duration.ofSeconds(30), 10, fixed(5, 60_000)).addSink((s: string) => void out.push(s));
    });
    out.sort();
    assert.deepEqual(out, ['r1', 'r2'], "input 0's answers were empty: retried once at the end of input, then final");
    assert.equal(calls, 4);
  });

  test('exponential back-off: initial delay, times the multiplier per attempt, at most the maximum; builders refuse nonsense', () => {
    const s = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<string>(4, 10, 50, 2).build();
    assert.deepEqual([1, 2, 3, 4].map((n) => s.getBackoffTimeMillis(n)), [10, 20, 40, 50]);
    assert.deepEqual([4, 5].map((n) => s.canRetry(n)), [true, false]);
    assert.equal(AsyncRetryStrategies.NO_RETRY_STRATEGY.canRetry(1), false);
    assert.throws(() => new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder(0, 10), /maxAttempts should be greater than zero/);
    assert.throws(() => new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder(1, 0), /backoffTimeMillis should be greater than zero/);
    assert.throws(() => new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder(1, 10, 100, 0.5), /multiplier should be at least 1/);
  });
});
