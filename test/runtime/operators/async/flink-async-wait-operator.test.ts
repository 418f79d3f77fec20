/*
 * Flink's AsyncWaitOperatorTest, OrderedStreamElementQueueTest and UnorderedStreamElementQueueTest
 * (flink-streaming-java/src/test/java/org/apache/flink/streaming/api/operators/async/…), ported:
 * the same inputs, the same expected output. The operator runs in a harness that drives it as
 * the runtime's scheduler does (a pass only when `nextTimerTime()` is due, no input while
 * `acceptsInput()` is false, the end of input waiting for `hasPendingOutput()`), on a manual
 * clock, so timeouts fall exactly where a test puts them. Whole jobs cover chaining, a keyed
 * input and a restore from a checkpoint with calls and watermarks in flight.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AsyncDataStream,
  AsyncRetryStrategies,
  DataGeneratorSource,
  RetryPredicates,
  Duration,
  type Collector,
  ProcessFunction,
  type ProcessContext,
  ProcessWindowFunction,
  type ProcessWindowContext,
  type TimeWindow,
  type ResultFuture,
  RichAsyncFunction,
  RichMapFunction,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../../../src/index.js';
import { type ElementEntry, type QueueEntry, StreamElementQueue } from '../../../../src/runtime/operators/async/stream-element-queue.js';
import { MIN_TIMESTAMP } from '../../../../src/util/time.js';
import { join } from 'node:path';
import { JobMaster } from '../../../../src/cluster/job-master.js';
import { Configuration } from '../../../../src/config/index.js';
import { MetadataStore } from '../../../../src/metadata/index.js';
import { systemClock } from '../../../../src/util/clock.js';
import { newJobId } from '../../../../src/util/ids.js';
import { capturePipeline, runJob, tempDir } from '../../../helpers/run-job.js';
import { ScriptedSource } from '../../../helpers/scripted-source.js';
import { AsyncHarness, byTimestampThenValue, double, Latch, lazy, type Out, rec, tick, wm } from './async-harness.js';

describe("Flink's AsyncWaitOperatorTest", () => {
  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';

    test(`testEventTime (${mode}): records and watermark 2 in place, capacity 2`, async () => {
      const h = await new AsyncHarness(double, ordered, 1000, 2).open();
      await h.processElement(1, 1);
      await h.processElement(2, 2);
      await h.processWatermark(2);
      await h.processElement(3, 3);
      await h.endInput();
      const expected = [rec(2, 1), rec(4, 2), wm(2), rec(6, 3)];
      if (ordered) assert.deepEqual(h.output, expected);
      else {
        assert.deepEqual(h.output[2], wm(2), 'the watermark is at index 2');
        assert.deepEqual(h.output[3], rec(6, 3), 'record 3 is last');
        assert.deepEqual([...h.output].sort(byTimestampThenValue), expected);
      }
    });

    test(`testProcessingTime (${mode}): eight records, capacity 6`, async () => {
      const h = await new AsyncHarness(double, ordered, 1000, 6).open();
      for (let i = 1; i <= 8; i++) await h.processElement(i, i);
      await h.endInput();
      const expected = Array.from({ length: 8 }, (_, k) => rec(2 * (k + 1), k + 1));
      if (ordered) assert.deepEqual(h.output, expected);
      else assert.deepEqual([...h.records()].sort(byTimestampThenValue), expected);
    });

    test(`testTimeoutCleanup (${mode}, capacity 1): the result is out and no timeout is left`, async () => {
      const h = await new AsyncHarness(double, ordered, 1000, 1).open();
      await h.processElement(42, 1);
      await h.endInput();
      assert.deepEqual(h.output, [rec(84, 1)]);
      assert.equal(h.operator.nextTimerTime(), Infinity);
      // Past the timeout nothing happens (the timer of a completed call is cancelled).
      await h.setProcessingTime(5000);
      assert.deepEqual(h.output, [rec(84, 1)]);
    });

    test(`testTimeoutAfterComplete (${mode}): an answer that came before the timeout, emitted after it, calls no timeout()`, async () => {
      let release!: () => void;
      const trigger = new Promise<void>((resolve) => (release = resolve));
      let timedOut = false;
      const fn = {
        asyncInvoke: (i: number, rf: ResultFuture<number>) => void trigger.then(() => rf.complete([i])),
        timeout: () => void (timedOut = true),
      };
      const h = await new AsyncHarness(fn, ordered, 1000, 1).open();
      await h.processElement(1);
      release();
      await tick(); // the answer is in, not yet emitted: no pass has run since
      assert.deepEqual(h.output, []);
      await h.setProcessingTime(1000); // the pass that emits it is also the one its timeout was due in
      assert.deepEqual(h.output, [rec(1, MIN_TIMESTAMP)]);
      assert.equal(timedOut, false);
    });

    test(`testUserExceptionHandling (${mode}): completeExceptionally fails the task`, async () => {
      const h = await new AsyncHarness((_i: number, rf: ResultFuture<number>) => rf.completeExceptionally(new Error('Test exception')), ordered, 1000, 2).open();
      await h.processElement(1, 1);
      await tick();
      assert.throws(() => h.operator.advanceProcessingTime(h.clock.now()), /Test exception/);
    });

    test(`testTimeoutExceptionHandling (${mode}): a call that never answers times out and fails the task`, async () => {
      const h = await new AsyncHarness(() => {}, ordered, 10, 2).open();
      await h.processElement(1, 1);
      h.clock.set(10);
      assert.ok(h.operator.nextTimerTime() <= 10, 'the timeout is due at 10');
      assert.throws(() => h.operator.advanceProcessingTime(10), /Async function call has timed out\./);
    });
  }

  test('testAsyncTimeoutIgnore: the timeout handler answers input * 3; the late call answer is ignored', async () => {
    const latch = new Latch();
    const fn = { asyncInvoke: lazy(latch), timeout: (i: number, rf: ResultFuture<number>) => rf.complete([i * 3]) };
    const h = await new AsyncHarness(fn, true, 10, 2).open();
    await h.processElement(1, 0);
    h.clock.set(5);
    await h.processElement(2, 5);
    await h.setProcessingTime(11); // the first record's timeout
    latch.countDown();
    await h.endInput();
    assert.deepEqual(h.output, [rec(3, 0), rec(2, 5)]);
  });

  test('testAsyncTimeoutFailure: the first record times out (TimeoutException), the task fails', async () => {
    const latch = new Latch();
    const h = await new AsyncHarness(lazy(latch), true, 10, 2).open();
    await h.processElement(1, 0);
    h.clock.set(5);
    await h.processElement(2, 5);
    h.clock.set(11);
    assert.throws(() => h.operator.advanceProcessingTime(11), /Async function call has timed out\./);
  });

  test('testRestartWithFullQueue: a snapshot of a full queue (capacity 10) restores and completes in order', async () => {
    let release!: () => void;
    const trigger = new Promise<void>((resolve) => (release = resolve));
    const first = await new AsyncHarness((i: number, rf: ResultFuture<number>) => void trigger.then(() => rf.complete([i])), true, 1000, 10).open();
    for (let i = 0; i < 10; i++) await first.processElement(i, 0);
    const snapshot = first.snapshot();
    release();
    await first.endInput();

    const restored = await new AsyncHarness((i: number, rf: ResultFuture<number>) => rf.complete([i]), true, 1000, 10, snapshot).open();
    await restored.endInput();
    assert.deepEqual(restored.records().map((o) => ('value' in o ? o.value : undefined)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('testStateSnapshotAndRestore (capacity 4 then 6): in-flight records re-run after restore, then 5…8', async () => {
    const latch = new Latch();
    const first = await new AsyncHarness(lazy(latch), true, 1000, 4).open();
    for (let i = 1; i <= 4; i++) await first.processElement(i, i);
    const snapshot = first.snapshot();
    latch.countDown();
    await first.endInput();

    const restored = await new AsyncHarness(double, true, 1000, 6, snapshot).open();
    for (let i = 5; i <= 7; i++) await restored.processElement(i, i);
    restored.snapshot(); // a checkpoint while processing
    await restored.processElement(8, 8);
    await restored.endInput();
    assert.deepEqual(restored.output, Array.from({ length: 8 }, (_, k) => rec(2 * (k + 1), k + 1)));
  });
});

describe('AsyncWaitOperator: watermarks', () => {
  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';

    test(`a watermark with nothing before it leaves at once (${mode}; Flink's processWatermark emits what is complete)`, async () => {
      const h = await new AsyncHarness(double, ordered, 1000, 5).open();
      await h.processWatermark(5);
      await h.settle();
      assert.deepEqual(h.output, [wm(5)], 'not held back until the next record');
      await h.processElement(1, 6);
      await h.settle();
      await h.processWatermark(7);
      await h.settle();
      assert.deepEqual(h.output, [wm(5), rec(2, 6), wm(7)]);
    });
  }
});

describe('AsyncWaitOperator: idleness (WatermarkStatus)', () => {
  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';
    test(`idleness passes at once; a watermark leaving while idle is dropped, as Flink's outputs drop it (${mode})`, async () => {
      const latch = new Latch();
      const h = await new AsyncHarness(lazy(latch), ordered, 0, 5).open();
      await h.processElement(1, 1);
      await h.processWatermark(5); // behind record 1
      h.processWatermarkStatus(true);
      assert.deepEqual(h.output, [{ idle: true }], 'the status overtakes the queue');
      latch.countDown();
      await h.settle();
      assert.deepEqual(h.output, [{ idle: true }, rec(1, 1)], 'watermark 5 left while idle: dropped');
      h.processWatermarkStatus(false);
      await h.processWatermark(8);
      await h.settle();
      assert.deepEqual(h.output, [{ idle: true }, rec(1, 1), { idle: false }, wm(8)]);
    });
  }

  test('a restored record and watermark leave in order after the restore', async () => {
    const latch = new Latch();
    const first = await new AsyncHarness(lazy(latch), true, 0, 5).open();
    await first.processElement(1, 1);
    await first.processWatermark(5);
    const snapshot = first.snapshot();
    const restored = await new AsyncHarness((i: number, rf: ResultFuture<number>) => rf.complete([i]), true, 0, 5, snapshot).open();
    await restored.settle();
    assert.deepEqual(restored.output, [rec(1, 1), wm(5)]);
  });
});

/** The queue's entries as Flink's QueueUtil.popCompleted shows them: each result with its input's timestamp, and watermarks. */
function popCompleted(q: StreamElementQueue<number>): Out[] {
  const out: Out[] = [];
  for (const e of q.takeReady()) {
    if (e.kind === 'watermark') out.push(wm(e.timestamp));
    else for (const r of e.results!) out.push(rec(r, e.element));
  }
  return out;
}
/** A record entry; its `element` is its input's timestamp here. */
const put = (q: StreamElementQueue<number>, timestamp: number): ElementEntry<number> => {
  const e: ElementEntry<number> = { kind: 'element', element: timestamp, results: undefined, completedAt: 0 };
  q.add(e);
  return e;
};
const putWatermark = (q: StreamElementQueue<number>, t: number): void => q.add({ kind: 'watermark', timestamp: t } satisfies QueueEntry<number>);

describe("Flink's OrderedStreamElementQueueTest / UnorderedStreamElementQueueTest / StreamElementQueueTest", () => {
  test('OrderedStreamElementQueueTest.testCompletionOrder: R1, R2, W2, R3; R2 and R3 first; then R1 (no results)', () => {
    const q = new StreamElementQueue<number>(true);
    const e1 = put(q, 0);
    const e2 = put(q, 1);
    putWatermark(q, 2);
    const e4 = put(q, 3);
    assert.deepEqual(popCompleted(q), []);
    assert.equal(q.size, 4);
    q.complete(e2, [11]);
    q.complete(e4, [12]);
    assert.deepEqual(popCompleted(q), []);
    assert.equal(q.size, 4);
    q.complete(e1, []);
    assert.deepEqual(popCompleted(q), [rec(11, 1), wm(2), rec(12, 3)]);
    assert.equal(q.size, 0);
  });

  test('UnorderedStreamElementQueueTest.testCompletionOrder: R1 R2 W2 R3 R4 W5 R5 R6', () => {
    const q = new StreamElementQueue<number>(false);
    const r1 = put(q, 0);
    const r2 = put(q, 1);
    putWatermark(q, 2);
    const r3 = put(q, 3);
    const r4 = put(q, 4);
    putWatermark(q, 5);
    const r5 = put(q, 6);
    const r6 = put(q, 7);
    assert.deepEqual(popCompleted(q), []);
    assert.equal(q.size, 8);
    q.complete(r3, [13]); // behind W2: cannot leave
    assert.deepEqual(popCompleted(q), []);
    q.complete(r2, [12]);
    assert.deepEqual(popCompleted(q), [rec(12, 1)]);
    q.complete(r6, [16]);
    q.complete(r4, [14]);
    assert.deepEqual(popCompleted(q), [], 'R1 holds back W2 and what is behind it');
    q.complete(r1, [11]);
    assert.deepEqual(popCompleted(q), [rec(11, 0), wm(2), rec(13, 3), rec(14, 4), wm(5), rec(16, 7)]);
    assert.equal(q.size, 1, 'only R5 is left');
    q.complete(r5, [15]);
    assert.deepEqual(popCompleted(q), [rec(15, 6)]);
    assert.equal(q.size, 0);
  });

  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';
    test(`StreamElementQueueTest.testWatermarkOnly (${mode}): two watermarks leave in order`, () => {
      const q = new StreamElementQueue<number>(ordered);
      putWatermark(q, 2);
      putWatermark(q, 5);
      assert.equal(q.size, 2);
      assert.deepEqual(popCompleted(q), [wm(2), wm(5)]);
      assert.equal(q.size, 0);
    });

    test(`StreamElementQueueTest.testPop (${mode}): a completed record and a watermark`, () => {
      const q = new StreamElementQueue<number>(ordered);
      const e = put(q, 0);
      putWatermark(q, 1);
      q.complete(e, [42, 43]);
      assert.deepEqual(popCompleted(q), [rec(42, 0), rec(43, 0), wm(1)]);
    });
  }
});

describe('AsyncWaitOperator: capacity, results, completion', () => {
  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';

    test(`capacity 1 (${mode}): one call at a time, the next input waits for room`, async () => {
      let inFlight = 0;
      let most = 0;
      const calls: number[] = [];
      const fn = (i: number, rf: ResultFuture<number>) => {
        calls.push(i);
        most = Math.max(most, ++inFlight);
        setImmediate(() => {
          inFlight--;
          rf.complete([i]);
        });
      };
      const h = await new AsyncHarness(fn, ordered, 1000, 1).open();
      for (let i = 1; i <= 5; i++) await h.processElement(i, i);
      await h.endInput();
      assert.equal(most, 1);
      assert.deepEqual(calls, [1, 2, 3, 4, 5]);
      assert.deepEqual(h.records(), [1, 2, 3, 4, 5].map((i) => rec(i, i)));
    });

    test(`watermarks take room in the queue (${mode}; Flink's queues count them): capacity 2, R1 W R2 -> R2 waits`, async () => {
      const latch = new Latch();
      const calls: number[] = [];
      const fn = (i: number, rf: ResultFuture<number>) => {
        calls.push(i);
        void latch.await().then(() => rf.complete([i]));
      };
      const h = await new AsyncHarness(fn, ordered, 0, 2).open();
      await h.processElement(1, 1);
      await h.processWatermark(1);
      assert.equal(h.operator.acceptsInput(), true);
      // The queue is full (R1, W1): R2 is taken but its call waits for room; no more input.
      h.operator.collect(2);
      assert.equal(h.operator.acceptsInput(), false);
      assert.deepEqual(calls, [1]);
      latch.countDown();
      await h.endInput();
      assert.deepEqual(calls, [1, 2]);
      assert.deepEqual(h.output, [rec(1, 1), wm(1), rec(2, MIN_TIMESTAMP)]);
    });

    test(`complete called twice, or complete then completeExceptionally (${mode}): only the first counts`, async () => {
      const fn = (i: number, rf: ResultFuture<number>) => {
        rf.complete([i]);
        rf.complete([i * 100]);
        rf.completeExceptionally(new Error('ignored'));
        setImmediate(() => rf.complete([i * 1000]));
      };
      const h = await new AsyncHarness(fn, ordered, 1000, 3).open();
      for (let i = 1; i <= 4; i++) await h.processElement(i, i);
      await h.endInput();
      assert.deepEqual([...h.records()].sort(byTimestampThenValue), [1, 2, 3, 4].map((i) => rec(i, i)));
    });

    test(`several results per input, and none, keep their input's timestamp (${mode})`, async () => {
      const fn = (i: number, rf: ResultFuture<string>) => void setImmediate(() => rf.complete(i % 2 === 0 ? [`${i}a`, `${i}b`, `${i}c`] : []));
      const h = await new AsyncHarness(fn, ordered, 1000, 10).open();
      for (let i = 1; i <= 4; i++) await h.processElement(i, i * 10);
      await h.processWatermark(40);
      await h.endInput();
      const expected = [rec('2a', 20), rec('2b', 20), rec('2c', 20), rec('4a', 40), rec('4b', 40), rec('4c', 40), wm(40)];
      if (ordered) assert.deepEqual(h.output, expected);
      else {
        assert.deepEqual(h.output.at(-1), wm(40));
        // One input's results leave together, in the order given.
        const s = h.records().map((o) => ('value' in o ? o.value : ''));
        assert.ok(s.join() === '2a,2b,2c,4a,4b,4c' || s.join() === '4a,4b,4c,2a,2b,2c', s.join());
      }
    });

    test(`a record without a timestamp gives results without one (${mode})`, async () => {
      const h = await new AsyncHarness(double, ordered, 1000, 2).open();
      await h.processElement(21);
      await h.endInput();
      assert.deepEqual(h.output, [rec(42, MIN_TIMESTAMP)]);
    });
  }

  test('the user timeout handler sees the input; completeExceptionally from it fails with its error', async () => {
    const seen: number[] = [];
    const fn = {
      asyncInvoke: () => {},
      timeout: (i: number, rf: ResultFuture<number>) => {
        seen.push(i);
        rf.completeExceptionally(new Error(`gave up on ${i}`));
      },
    };
    const h = await new AsyncHarness(fn, false, 10, 2).open();
    await h.processElement(7, 1);
    h.clock.set(10);
    assert.throws(() => h.operator.advanceProcessingTime(10), /gave up on 7/);
    assert.deepEqual(seen, [7]);
  });

  test('a timeout counts from when the call starts (after waiting for room), as Flink registers it in processElement', async () => {
    const latch = new Latch();
    const fn = { asyncInvoke: lazy(latch), timeout: (i: number, rf: ResultFuture<number>) => rf.complete([-i]) };
    const h = await new AsyncHarness(fn, true, 10, 1).open();
    await h.processElement(1, 1); // starts at 0, times out at 10
    h.operator.collect(2); // waits for room
    await h.setProcessingTime(10); // 1 times out (-1), 2 starts at 10 and times out at 20
    assert.deepEqual(h.records(), [rec(-1, 1)]);
    await h.setProcessingTime(19);
    assert.deepEqual(h.records(), [rec(-1, 1)], 'not yet at 19');
    await h.setProcessingTime(20);
    assert.deepEqual(h.records(), [rec(-1, 1), rec(-2, MIN_TIMESTAMP)]);
  });
});

/** Flink's MyAsyncFunction as a rich function: input * 2, answered in a later macrotask. */
class Doubling extends RichAsyncFunction<number, number> {
  asyncInvoke(input: number, rf: ResultFuture<number>): void {
    setImmediate(() => rf.complete([input * 2]));
  }
}

describe('AsyncWaitOperator in jobs', () => {
  test("testOperatorChainWithProcessingTime: ordered async -> rich map (+1, set in open) -> unordered async, chained; 5…9 -> 22…38", async () => {
    const out: Array<[number, number | null]> = [];
    await runJob((env) => {
      const src = env.fromSource(new ScriptedSource([{ records: [5, 6, 7, 8, 9].map((v, k) => ({ value: v, timestamp: k })) }]), WatermarkStrategy.noWatermarks(), 'numbers');
      const first = AsyncDataStream.orderedWait(src, new Doubling(), Duration.ofSeconds(1), 6);
      const plusOne = first.map(
        new (class extends RichMapFunction<number, number> {
          private initial: number | undefined;
          override open(): void {
            this.initial = 1;
          }
          map(v: number): number {
            return this.initial! + v;
          }
        })(),
      );
      AsyncDataStream.unorderedWait(plusOne, new Doubling(), Duration.ofSeconds(1), 3)
        .process(
          new (class extends ProcessFunction<number, [number, number | null]> {
            processElement(v: number, ctx: ProcessContext, o: Collector<[number, number | null]>): void {
              o.collect([v, ctx.timestamp()]);
            }
          })(),
        )
        .addSink((v: [number, number | null]) => void out.push(v));
    });
    assert.deepEqual([...out].sort((a, b) => a[0] - b[0]), [[22, 0], [26, 1], [30, 2], [34, 3], [38, 4]]);
  });

  test('a keyed input stream (keyBy before the async operator): every result once, per key in order when ordered', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        const src = env.fromSource(new DataGeneratorSource((i: number) => i, 200), WatermarkStrategy.noWatermarks(), 'numbers');
        const keyed = src.keyBy((i: number) => i % 3);
        AsyncDataStream.orderedWait(keyed, (i: number, rf: ResultFuture<string>) => void setTimeout(() => rf.complete([`${i % 3}:${i}`]), (i * 7) % 5), Duration.ofSeconds(5), 10).addSink((s: string) => void out.push(s));
      },
      { parallelism: 2 },
    );
    assert.equal(out.length, 200);
    for (const k of [0, 1, 2]) {
      const mine = out.filter((s) => s.startsWith(`${k}:`)).map((s) => Number(s.split(':')[1]));
      assert.deepEqual(mine, Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 3 === k), `key ${k} in input order`);
    }
  });

  test('a watermark after the last completion reaches a window downstream without waiting for the next record', async () => {
    const fired: number[] = [];
    let firedWhileSourceWaited = false;
    let deadline = Infinity;
    await runJob((env) => {
      const steps = [
        { records: [{ value: 1, timestamp: 1 }, { value: 2, timestamp: 2 }, { value: 15, timestamp: 15 }] },
        // Wait (at most 5 s) for window [0, 10) to fire from the periodic watermark 14.
        {
          records: [],
          waitFor: () => {
            if (deadline === Infinity) deadline = Date.now() + 5000;
            return fired.length > 0 || Date.now() > deadline;
          },
        },
        { records: [{ value: 16, timestamp: 16 }] },
      ];
      // Not chained to the source: its periodic emission would make a pass of the async operator.
      env.disableOperatorChaining();
      const src = env.fromSource(new ScriptedSource(steps), WatermarkStrategy.forMonotonousTimestamps<number>(), 'scripted');
      AsyncDataStream.unorderedWait(src, (i: number, rf: ResultFuture<number>) => void setImmediate(() => rf.complete([i])), Duration.ofSeconds(30), 10)
        .keyBy(() => 0)
        .window(TumblingEventTimeWindows.of(Duration.ofMillis(10)))
        .reduce((a: number, b: number) => a + b)
        .addSink((n: number) => {
          if (fired.length === 0) firedWhileSourceWaited = Date.now() <= deadline;
          fired.push(n);
        });
    });
    assert.deepEqual(fired, [3, 31]);
    assert.ok(firedWhileSourceWaited, 'window [0, 10) fired only at the end of input');
  });
});

describe('RichAsyncFunction', () => {
  test("its runtime context has no state (Flink: 'State is not supported in rich async functions.'), but knows its subtask", async () => {
    const seen: string[] = [];
    class WithState extends RichAsyncFunction<number, number> {
      override open(): void {
        seen.push(`${this.getRuntimeContext().getIndexOfThisSubtask()}/${this.getRuntimeContext().getNumberOfParallelSubtasks()}`);
      }
      asyncInvoke(i: number, rf: ResultFuture<number>): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
        rf.complete([i]);
      }
    }
    await assert.rejects(
      runJob((env) => {
        const src = env.fromSource(new DataGeneratorSource((i: number) => i, 3), WatermarkStrategy.noWatermarks(), 'numbers').keyBy((i: number) => i);
        AsyncDataStream.orderedWait(src, new WithState(), Duration.ofSeconds(1)).addSink(() => {});
      }),
      /State is not supported in rich async functions\./,
    );
    assert.deepEqual(seen, ['0/1']);
  });
});

describe('AsyncDataStream: arguments (Flink AsyncDataStream.addOperator)', () => {
  test('a retry strategy needs a timeout above 0 (not NO_RETRY_STRATEGY); without retries a timeout of 0 means none', async () => {
    const strategy = new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<number>(3, 10).ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE).build();
    await assert.rejects(
      runJob((env) => {
        const src = env.fromSource(new DataGeneratorSource((i: number) => i, 3), WatermarkStrategy.noWatermarks(), 'numbers');
        AsyncDataStream.orderedWaitWithRetry(src, (i: number, rf: ResultFuture<number>) => rf.complete([i]), Duration.ofMillis(0), 5, strategy).addSink(() => {});
      }),
      /Timeout should be configured when do async with retry/,
    );
    // NO_RETRY_STRATEGY retries nothing: as in Flink, it needs no timeout.
    const out: number[] = [];
    await runJob((env) => {
      const src = env.fromSource(new DataGeneratorSource((i: number) => i, 3), WatermarkStrategy.noWatermarks(), 'numbers');
      const noRetry = AsyncRetryStrategies.NO_RETRY_STRATEGY;
      AsyncDataStream.unorderedWaitWithRetry(src, (i: number, rf: ResultFuture<number>) => rf.complete([i]), Duration.ofMillis(0), 5, noRetry).addSink((i: number) => void out.push(i));
    });
    assert.deepEqual(out.sort(), [0, 1, 2]);
    const h = await new AsyncHarness(() => {}, true, 0, 2).open();
    await h.processElement(1, 1);
    assert.equal(h.operator.nextTimerTime(), Infinity, 'no timeout');
    await h.setProcessingTime(1_000_000);
    assert.equal(h.operator.hasPendingOutput(), true);
  });
});

describe('AsyncWaitOperator: failover with records and watermarks in flight', () => {
  for (const ordered of [true, false]) {
    const mode = ordered ? 'ordered' : 'unordered';
    test(`a lookup fails after checkpoints; the restore re-runs the calls and watermarks in flight, no record is late (${mode})`, async () => {
      const N = 3000;
      let failed = false;
      let calls = 0;
      // Windows as they fired, by key and start: a window fired again after the restore must agree.
      const fired = new Map<string, number>();
      const conflicts: string[] = [];
      const pipeline = capturePipeline((env) => {
        env.disableOperatorChaining();
        // A watermark every 5 ms and calls of up to 12 ms: watermarks are in the queue at checkpoints.
        env.getConfig().setAutoWatermarkInterval(5);
        const src = env
          .fromSource(new DataGeneratorSource((i: number) => i, N, { recordsPerSecond: 4000 }), WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((i: number) => i), 'numbers')
          .uid('numbers');
        const lookup = (i: number, rf: ResultFuture<number>) => {
          calls++;
          setTimeout(() => {
            if (i === 1800 && !failed) {
              failed = true;
              rf.completeExceptionally(new Error('lookup failed at 1800'));
            } else rf.complete([i]);
          }, (i * 7) % 13);
        };
        const looked = ordered ? AsyncDataStream.orderedWait(src, lookup, Duration.ofSeconds(10), 20) : AsyncDataStream.unorderedWait(src, lookup, Duration.ofSeconds(10), 20);
        looked
          .uid('lookup')
          .keyBy((i: number) => i % 2)
          // Windows of 10 ms: a restored watermark out of place would make records of them late.
          .window(TumblingEventTimeWindows.of(Duration.ofMillis(10)))
          .process(
            new (class extends ProcessWindowFunction<number, string, number, TimeWindow> {
              process(key: number, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<number>, out: Collector<string>): void {
                out.collect(`${key}@${ctx.window().getStart()}=${[...elements].length}`);
              }
            })(),
          )
          .uid('windows')
          .addSink((line: string) => {
            const [at, n] = line.split('=') as [string, string];
            const before = fired.get(at);
            if (before !== undefined && before !== Number(n)) conflicts.push(`${at}: ${before} then ${n}`);
            fired.set(at, Number(n));
          })
          .uid('collect');
      }, `async-failover-${mode}`);
      const home = tempDir('flink-async-failover-');
      const store = MetadataStore.open(join(home.path, 'flink.db'));
      const config = new Configuration(home.path)
        .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
        .with('execution.checkpointing.interval', '50 ms')
        .with('restart-strategy.type', 'fixed-delay')
        .with('restart-strategy.fixed-delay.attempts', 2)
        .with('restart-strategy.fixed-delay.delay', '0 ms');
      const master = new JobMaster({ jobId: newJobId(), pipeline, configuration: config, clock: systemClock, tracking: { store, jobFile: '/jobs/async-failover.ts', args: [], log: () => undefined } });
      try {
        await master.run();
        assert.equal(store.listEvents(master.jobId).filter((e) => e.kind === 'restart').length, 1, 'one failover');
      } finally {
        store.close();
        home.cleanup();
      }
      assert.ok(failed);
      assert.ok(calls > N, 'calls in flight at the checkpoint were made again');
      assert.deepEqual(conflicts, []);
      // Every window of every key, each with all its 5 records: none lost, none counted twice, none late.
      const expected = new Map<string, number>();
      for (let start = 0; start < N; start += 10) for (let k = 0; k < 2; k++) expected.set(`${k}@${start}`, 5);
      assert.deepEqual(new Map([...fired].sort()), new Map([...expected].sort()));
    });
  }
});
