/*
 * Retries of async calls (Flink 1.16's AsyncRetryStrategy, as AsyncWaitOperator applies it):
 * which answers are tried again, how many times (Flink counts: while attempts ≤ maxAttempts),
 * after which back-off, within one overall timeout, and at the end of input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsyncDataStream, AsyncRetryStrategies, DataGeneratorSource, Duration, type ResultFuture, RetryPredicates, WatermarkStrategy } from '../../../../src/index.js';
import { runJob } from '../../../helpers/run-job.js';
import { AsyncHarness, byTimestampThenValue, rec } from './async-harness.js';

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

  test("AsyncRetryStrategiesTest: exponential back-off (10 attempts, 100 ms up to 2 s, times 2), the same again on reuse; whole milliseconds at every step", () => {
    const s = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<string>(10, 100, 2000, 2).build();
    assert.deepEqual([s.canRetry(10), s.canRetry(11)], [true, false]);
    for (let round = 1; round <= 5; round++) {
      assert.deepEqual(
        Array.from({ length: 10 }, (_, i) => s.getBackoffTimeMillis(i + 1)),
        [100, 200, 400, 800, 1600, 2000, 2000, 2000, 2000, 2000],
      );
    }
    // Flink cuts each step to a long: 10, 15, 22 (not 22.5), 33, 49 — where 10 · 1.5⁴ would give 50.
    const fractional = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<string>(5, 10, 1000, 1.5).build();
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => fractional.getBackoffTimeMillis(n)), [10, 15, 22, 33, 49]);
    // The first retry waits the initial delay even above the maximum; later ones at most the maximum.
    const high = new AsyncRetryStrategies.ExponentialBackoffDelayRetryStrategyBuilder<string>(3, 500, 300, 2).build();
    assert.deepEqual([1, 2, 3].map((n) => high.getBackoffTimeMillis(n)), [500, 300, 300]);
  });
});

/** Flink's AsyncWaitOperatorTest strategies: two retries 10 ms apart, on an empty answer or on a failure. */
const emptyResultFixedDelay = () => new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<number>(2, 10).ifResult(RetryPredicates.EMPTY_RESULT_PREDICATE).build();
const exceptionFixedDelay = () => new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<number>(2, 10).ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE).build();

describe("Flink's AsyncWaitOperatorTest with retries (one subtask on a manual clock)", () => {
  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';
    for (const repeated of [false, true]) {
      const name = repeated ? 'testProcessingTimeRepeatedCompleteWithRetry' : 'testProcessingTimeWithRetry';
      test(`${name} (${mode}): odd inputs answer empty${repeated ? ' ten times a call' : ''}, are tried twice more, then emit nothing`, async () => {
        const calls = new Map<number, number>();
        // Flink's OddInputEmptyResultAsyncFunction (and its ill-written twin, which completes ten times).
        const fn = (i: number, rf: ResultFuture<number>) => {
          calls.set(i, (calls.get(i) ?? 0) + 1);
          setImmediate(() => {
            if (i % 2 === 0) rf.complete([i * 2]);
            else for (let k = 0; k < (repeated ? 10 : 1); k++) rf.complete([]);
          });
        };
        const h = await new AsyncHarness(fn, ordered, 1000, 6, undefined, emptyResultFixedDelay()).open();
        for (let i = 1; i <= 6; i++) await h.processElement(i, i);
        await h.settle();
        assert.deepEqual(h.records().length, ordered ? 0 : 3, ordered ? 'input 1 holds back the rest until its retries end' : 'the even answers leave at once');
        await h.setProcessingTime(10); // the first retries
        await h.setProcessingTime(20); // the second, whose empty answers are final
        const expected = [rec(4, 2), rec(8, 4), rec(12, 6)];
        assert.deepEqual(ordered ? h.output : [...h.output].sort(byTimestampThenValue), expected);
        assert.deepEqual([...calls].sort((a, b) => a[0] - b[0]), [[1, 3], [2, 1], [3, 3], [4, 1], [5, 3], [6, 1]], 'a repeated complete makes no extra attempt');
        await h.endInput();
        assert.equal(h.output.length, 3);
      });
    }

    test(`testProcessingTimeWithTimeoutFunctionWithRetry (${mode}): calls that fail after 501 ms, timeout 1 s: two attempts, then timeout()'s -1`, async () => {
      const tries = new Map<number, number>();
      const pending: Array<{ due: number; rf: ResultFuture<number> }> = [];
      // Flink's AlwaysTimeoutWithDefaultValueAsyncFunction: each attempt fails 501 ms after it starts.
      const fn = {
        asyncInvoke: (i: number, rf: ResultFuture<number>) => {
          tries.set(i, (tries.get(i) ?? 0) + 1);
          pending.push({ due: h.clock.now() + 501, rf });
        },
        timeout: (_i: number, rf: ResultFuture<number>) => rf.complete([-1]),
      };
      const strategy = new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<number>(5, 100).ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE).build();
      const h: AsyncHarness = await new AsyncHarness(fn, ordered, 1000, 10, undefined, strategy).open();
      const at = async (t: number) => {
        h.clock.set(t);
        for (const p of pending.filter((q) => q.due <= t)) p.rf.completeExceptionally(new Error('Dummy error'));
        await h.setProcessingTime(t);
      };
      await h.processElement(1, 1);
      await h.processElement(2, 2);
      await at(501); // the first attempts fail: retried at 601
      await at(601); // the second attempts start (and would fail at 1102)
      assert.deepEqual(h.output, []);
      await at(1000); // the timeout: timeout() answers -1, final
      const expected = [rec(-1, 1), rec(-1, 2)];
      assert.deepEqual(ordered ? h.output : [...h.output].sort(byTimestampThenValue), expected);
      await at(1102); // the late failures are ignored, and retry nothing
      await at(5000);
      await h.endInput();
      assert.deepEqual(h.output.length, 2);
      assert.deepEqual([tries.get(1), tries.get(2)], [2, 2]);
    });

    test(`testUserExceptionHandlingWithRetry (${mode}): a call that always fails fails the task; the end of input makes the waiting retry at once`, async () => {
      let calls = 0;
      const fn = (_i: number, rf: ResultFuture<number>) => {
        calls++;
        rf.completeExceptionally(new Error('Test exception'));
      };
      const h = await new AsyncHarness(fn, ordered, 1000, 2, undefined, exceptionFixedDelay()).open();
      await h.processElement(1, 1);
      await h.settle();
      assert.equal(calls, 1, 'the retry waits for its back-off (10 ms on a clock at 0)');
      await assert.rejects(h.endInput(), /Test exception/);
      assert.equal(calls, 2, 'one retry at the end of input, whose failure is final');
    });

    test(`testTimeoutHandlingWithRetry (${mode}): a call that never answers times out and fails the task despite the retry strategy`, async () => {
      const h = await new AsyncHarness(() => {}, ordered, 10, 2, undefined, emptyResultFixedDelay()).open();
      await h.processElement(1, 1);
      h.clock.set(10);
      assert.throws(() => h.operator.advanceProcessingTime(10), /Async function call has timed out\./);
    });
  }
});
