/*
 * Flink's WindowOperatorTest, ported: the same inputs and expected outputs, run through our
 * window operator on each state backend (snapshots restore into the other backend).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WindowOperatorSpec } from '../../../../src/graph/index.js';
import { MAX_TIMESTAMP } from '../../../../src/util/time.js';
import { Duration } from '../../../../src/util/time.js';
import {
  ContinuousEventTimeTrigger,
  CountTrigger,
  EventTimeSessionWindows,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  PurgingTrigger,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TumblingEventTimeWindows,
  TimeWindow,
  TimeWindowStartSerializer,
  type Trigger,
  TumblingProcessingTimeWindows,
  WindowAssigner,
  type WindowSerializer,
} from '../../../../src/windowing/index.js';
import { BACKENDS, type BackendType } from '../../../state/backends.js';
import {
  type T2,
  PointSessionWindows,
  ReducedProcessSessionWindowFunction,
  RichSumReducer,
  SessionProcessWindowFunction,
  advanceWatermarks,
  apply,
  assertOutputEqualsSorted,
  closeCalled,
  flinkInput,
  key0,
  process,
  reduceWith,
  reducedSessionWindowFunction,
  sessionWindowFunction,
  sumReducer,
  windowSpec,
} from './window-fixtures.js';
import { type OutputElement, WindowHarness, record, watermark } from './window-harness.js';

const s = (n: number) => Duration.ofSeconds(n);
const ms = (n: number) => Duration.ofMillis(n);

for (const backend of BACKENDS) {
  const other: BackendType = backend === 'hashmap' ? 'lmdb' : 'hashmap';
  const harness = (spec: WindowOperatorSpec, restore?: ReturnType<WindowHarness['snapshot']>) =>
    new WindowHarness(spec, key0, { backend: restore ? other : backend, restore }).open();

  describe(`window operator: Flink's WindowOperatorTest [${backend}]`, () => {
    async function slidingEventTime(spec: WindowOperatorSpec): Promise<void> {
      let h = await harness(spec);
      for (const [v, t] of flinkInput()) h.processElement(v, t);
      advanceWatermarks(h, [
        [999, [record(['key1', 3], 999)]],
        [1999, [record(['key1', 3], 1999), record(['key2', 3], 1999)]],
        [2999, [record(['key1', 3], 2999), record(['key2', 3], 2999)]],
      ]);
      const snapshot = h.snapshot();
      await h.close();
      h = await harness(spec, snapshot);
      advanceWatermarks(h, [
        [3999, [record(['key2', 5], 3999)]],
        [4999, [record(['key2', 2], 4999)]],
        [5999, [record(['key2', 2], 5999)]],
        [6999, []],
        [7999, []],
      ]);
      await h.close();
    }

    test('testSlidingEventTimeWindowsReduce', async () => {
      await slidingEventTime(windowSpec({ assigner: SlidingEventTimeWindows.of(s(3), s(1)), contents: reduceWith(sumReducer) }));
    });

    test('testSlidingEventTimeWindowsApply', async () => {
      closeCalled.n = 0;
      await slidingEventTime(windowSpec({ assigner: SlidingEventTimeWindows.of(s(3), s(1)), fn: apply(new RichSumReducer()) }));
      assert.equal(closeCalled.n, 2, 'close was called once per harness');
    });

    async function tumblingEventTime(spec: WindowOperatorSpec): Promise<void> {
      let h = await harness(spec);
      for (const [v, t] of flinkInput()) h.processElement(v, t);
      advanceWatermarks(h, [[999, []], [1999, []]]);
      const snapshot = h.snapshot();
      await h.close();
      h = await harness(spec, snapshot);
      advanceWatermarks(h, [
        [2999, [record(['key1', 3], 2999), record(['key2', 3], 2999)]],
        [3999, []], [4999, []],
        [5999, [record(['key2', 2], 5999)]],
        [6999, []], [7999, []],
      ]);
      await h.close();
    }

    test('testTumblingEventTimeWindowsReduce', async () => {
      await tumblingEventTime(windowSpec({ assigner: TumblingEventTimeWindows.of(s(3)), contents: reduceWith(sumReducer) }));
    });

    test('testTumblingEventTimeWindowsApply', async () => {
      closeCalled.n = 0;
      await tumblingEventTime(windowSpec({ assigner: TumblingEventTimeWindows.of(s(3)), fn: apply(new RichSumReducer()) }));
      assert.equal(closeCalled.n, 2);
    });

    /**
     * testSessionWindows (key1 partly before the snapshot) and testReduceSessionWindows (key1
     * after it), with apply and process functions: sessions merge across a restore.
     */
    async function sessions(spec: WindowOperatorSpec, key1BeforeSnapshot: boolean): Promise<void> {
      let h = await harness(spec);
      const expected: OutputElement[] = [];
      const key1: Array<[T2, number]> = [
        [['key1', 1], 10],
        [['key1', 2], 1000],
      ];
      h.processElement(['key2', 1], 0);
      h.processElement(['key2', 2], 1000);
      h.processElement(['key2', 3], 2500);
      if (key1BeforeSnapshot) for (const [v, t] of key1) h.processElement(v, t);
      const snapshot = h.snapshot();
      assertOutputEqualsSorted(h.output, expected);
      await h.close();

      h = await harness(spec, snapshot);
      if (!key1BeforeSnapshot) for (const [v, t] of key1) h.processElement(v, t);
      h.processElement(['key1', 3], 2500);
      h.processElement(['key2', 4], 5501);
      h.processElement(['key2', 5], 6000);
      h.processElement(['key2', 5], 6000);
      h.processElement(['key2', 6], 6050);
      h.processWatermark(12000);
      expected.push(record(['key1-6', 10, 5500], 5499), record(['key2-6', 0, 5500], 5499), record(['key2-20', 5501, 9050], 9049), watermark(12000));
      h.processElement(['key2', 10], 15000);
      h.processElement(['key2', 20], 15000);
      h.processWatermark(17999);
      expected.push(record(['key2-30', 15000, 18000], 17999), watermark(17999));
      assertOutputEqualsSorted(h.output, expected);
      await h.close();
    }

    test('testSessionWindows', async () => {
      await sessions(windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), fn: apply(sessionWindowFunction) }), true);
    });

    test('testSessionWindowsWithProcessFunction', async () => {
      await sessions(windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), fn: process(new SessionProcessWindowFunction()) }), true);
    });

    test('testReduceSessionWindows', async () => {
      await sessions(windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), contents: reduceWith(sumReducer), fn: apply(reducedSessionWindowFunction) }), false);
    });

    test('testReduceSessionWindowsWithProcessFunction', async () => {
      await sessions(
        windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), contents: reduceWith(sumReducer), fn: process(new ReducedProcessSessionWindowFunction()) }),
        false,
      );
    });

    test('testSessionWindowsWithCountTrigger: merged sessions merge their counts', async () => {
      const spec = windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), trigger: PurgingTrigger.of(CountTrigger.of(4)), fn: apply(sessionWindowFunction) });
      let h = await harness(spec);
      h.processElement(['key2', 1], 0);
      h.processElement(['key2', 2], 1000);
      h.processElement(['key2', 3], 2500);
      h.processElement(['key2', 4], 3500);
      h.processElement(['key1', 1], 10);
      h.processElement(['key1', 2], 1000);
      const snapshot = h.snapshot();
      await h.close();
      assertOutputEqualsSorted(h.output, [record(['key2-10', 0, 6500], 6499)]);

      h = await harness(spec, snapshot);
      h.processElement(['key1', 3], 2500);
      h.processElement(['key1', 1], 6000);
      h.processElement(['key1', 2], 6500);
      h.processElement(['key1', 3], 7000);
      assertOutputEqualsSorted(h.output, []);
      // merges the two key1 sessions: count 6, so it fires
      h.processElement(['key1', 10], 4500);
      assertOutputEqualsSorted(h.output, [record(['key1-22', 10, 10000], 9999)]);
      await h.close();
    });

    test('testSessionWindowsWithContinuousEventTimeTrigger', async () => {
      const spec = windowSpec({ assigner: EventTimeSessionWindows.withGap(s(3)), trigger: ContinuousEventTimeTrigger.of(s(2)), fn: apply(sessionWindowFunction) });
      let h = await harness(spec);
      const expected: OutputElement[] = [];
      h.processElement(['key1', 1], 1500);
      h.processElement(['key2', 1], 0);
      h.processElement(['key2', 3], 2500);
      h.processElement(['key2', 2], 1000);
      h.processWatermark(2500);
      expected.push(record(['key1-1', 1500, 4500], 4499), record(['key2-6', 0, 5500], 5499), watermark(2500));
      h.processElement(['key2', 5], 4000);
      h.processWatermark(3000);
      expected.push(watermark(3000));
      const snapshot = h.snapshot();
      assertOutputEqualsSorted(h.output, expected);
      await h.close();

      expected.length = 0;
      h = await harness(spec, snapshot);
      h.processElement(['key1', 2], 4000);
      h.processElement(['key2', 4], 3500);
      h.processWatermark(4000);
      expected.push(record(['key1-3', 1500, 7000], 6999), record(['key2-15', 0, 7000], 6999), watermark(4000));
      assertOutputEqualsSorted(h.output, expected);
      await h.close();
    });

    test('testPointSessions: point windows merge into the sessions around them', async () => {
      const spec = windowSpec({ assigner: new PointSessionWindows(3000), fn: apply(sessionWindowFunction) });
      let h = await harness(spec);
      h.processElement(['key2', 1], 0);
      h.processElement(['key2', 33], 1000);
      const snapshot = h.snapshot();
      await h.close();
      h = await harness(spec, snapshot);
      h.processElement(['key2', 33], 2500);
      h.processElement(['key1', 1], 10);
      h.processElement(['key1', 2], 1000);
      h.processElement(['key1', 33], 2500);
      h.processWatermark(12000);
      assertOutputEqualsSorted(h.output, [record(['key1-36', 10, 4000], 3999), record(['key2-67', 0, 3000], 2999), watermark(12000)]);
      await h.close();
    });

    test('testContinuousWatermarkTrigger: global windows fire every interval of event time', async () => {
      const h = await harness(windowSpec({ assigner: GlobalWindows.create(), trigger: ContinuousEventTimeTrigger.of(s(3)), contents: reduceWith(sumReducer) }));
      h.processElement(['key1', 1], 0);
      h.processElement(['key2', 1], 3000);
      h.processElement(['key2', 1], 3999);
      h.processElement(['key1', 1], 20);
      h.processElement(['key1', 1], 999);
      h.processElement(['key2', 1], 1998);
      h.processElement(['key2', 1], 1999);
      h.processElement(['key2', 1], 1000);
      advanceWatermarks(h, [
        [1000, []],
        [2000, []],
        [3000, [record(['key1', 3], MAX_TIMESTAMP)]],
        [4000, []],
        [5000, []],
        [6000, [record(['key1', 3], MAX_TIMESTAMP), record(['key2', 5], MAX_TIMESTAMP)]],
        [7000, []],
        [8000, []],
      ]);
      await h.close();
    });

    test('testCountTrigger: a purging count trigger over global windows, across a restore', async () => {
      const spec = windowSpec({ assigner: GlobalWindows.create(), trigger: PurgingTrigger.of(CountTrigger.of(4)), contents: reduceWith(sumReducer) });
      let h = await harness(spec);
      for (const [v, t] of flinkInput().slice(0, 7)) h.processElement(v, t);
      const snapshot = h.snapshot();
      await h.close();
      const before = h.output;
      h = await harness(spec, snapshot);
      h.processElement(['key2', 1], 1000);
      const expected: OutputElement[] = [record(['key2', 4], MAX_TIMESTAMP)];
      assertOutputEqualsSorted([...before, ...h.output], expected);
      h.processElement(['key1', 1], 10999);
      h.processElement(['key2', 1], 1000);
      h.processElement(['key2', 1], 1000);
      h.processElement(['key2', 1], 1000);
      expected.push(record(['key1', 4], MAX_TIMESTAMP), record(['key2', 4], MAX_TIMESTAMP));
      assertOutputEqualsSorted([...before, ...h.output], expected);
      await h.close();
    });

    test('testEndOfStreamTrigger: fires once, at the end-of-input watermark', async () => {
      const assigner = GlobalWindows.createWithEndOfStreamTrigger();
      const h = await harness(windowSpec({ assigner, contents: reduceWith(sumReducer) }));
      for (const [v, t] of flinkInput()) h.processElement(v, t);
      assertOutputEqualsSorted(h.output, []);
      h.processWatermark(MAX_TIMESTAMP);
      assertOutputEqualsSorted(h.output, [record(['key1', 3], MAX_TIMESTAMP), record(['key2', 5], MAX_TIMESTAMP), watermark(MAX_TIMESTAMP)]);
      await h.close();
    });

    test('testProcessingTimeTumblingWindows', async () => {
      const h = await harness(windowSpec({ assigner: TumblingProcessingTimeWindows.of(s(3)), contents: reduceWith(sumReducer) }));
      h.setProcessingTime(3);
      // timestamps are ignored in processing time
      h.processElement(['key2', 1], MAX_TIMESTAMP);
      h.processElement(['key2', 1], 7000);
      h.processElement(['key2', 1], 7000);
      h.processElement(['key1', 1], 7000);
      h.processElement(['key1', 1], 7000);
      h.setProcessingTime(5000);
      const expected = [record(['key2', 3], 2999), record(['key1', 2], 2999)];
      assertOutputEqualsSorted(h.output, expected);
      h.processElement(['key1', 1], 7000);
      h.processElement(['key1', 1], 7000);
      h.processElement(['key1', 1], 7000);
      h.setProcessingTime(7000);
      expected.push(record(['key1', 3], 5999));
      assertOutputEqualsSorted(h.output, expected);
      await h.close();
    });

    test('testProcessingTimeSlidingWindows', async () => {
      const h = await harness(windowSpec({ assigner: SlidingProcessingTimeWindows.of(s(3), s(1)), contents: reduceWith(sumReducer) }));
      h.setProcessingTime(3);
      h.processElement(['key2', 1], MAX_TIMESTAMP);
      h.setProcessingTime(1000);
      const expected = [record(['key2', 1], 999)];
      assertOutputEqualsSorted(h.output, expected);
      h.processElement(['key2', 1], MAX_TIMESTAMP);
      h.processElement(['key2', 1], MAX_TIMESTAMP);
      h.setProcessingTime(2000);
      expected.push(record(['key2', 3], 1999));
      assertOutputEqualsSorted(h.output, expected);
      h.processElement(['key1', 1], MAX_TIMESTAMP);
      h.processElement(['key1', 1], MAX_TIMESTAMP);
      h.setProcessingTime(3000);
      expected.push(record(['key2', 3], 2999), record(['key1', 2], 2999));
      assertOutputEqualsSorted(h.output, expected);
      h.processElement(['key1', 1], MAX_TIMESTAMP);
      h.processElement(['key1', 1], MAX_TIMESTAMP);
      h.processElement(['key1', 1], MAX_TIMESTAMP);
      h.setProcessingTime(7000);
      expected.push(record(['key2', 2], 3999), record(['key1', 5], 3999), record(['key1', 5], 4999), record(['key1', 3], 5999));
      assertOutputEqualsSorted(h.output, expected);
      await h.close();
    });

    test('testProcessingTimeSessionWindows', async () => {
      const h = await harness(windowSpec({ assigner: ProcessingTimeSessionWindows.withGap(s(3)), contents: reduceWith(sumReducer) }));
      h.setProcessingTime(3);
      h.processElement(['key2', 1], 1);
      h.setProcessingTime(1000);
      h.processElement(['key2', 1], 1002);
      h.setProcessingTime(5000);
      const expected = [record(['key2', 2], 3999)];
      assertOutputEqualsSorted(h.output, expected);
      h.processElement(['key2', 1], 5000);
      h.processElement(['key2', 1], 5000);
      h.processElement(['key1', 1], 5000);
      h.processElement(['key1', 1], 5000);
      h.processElement(['key1', 1], 5000);
      h.setProcessingTime(10000);
      expected.push(record(['key2', 2], 7999), record(['key1', 3], 7999));
      assertOutputEqualsSorted(h.output, expected);
      await h.close();
    });

    const gaps = (e: T2): number => (e[0] === 'key1' ? 3000 : e[0] === 'key2' ? (e[1] === 10 ? 1000 : 2000) : 0);

    test('testDynamicEventTimeSessionWindows', async () => {
      const h = await harness(windowSpec({ assigner: EventTimeSessionWindows.withDynamicGap(gaps), fn: apply(sessionWindowFunction) }));
      const expected: OutputElement[] = [];
      h.processElement(['key1', 3], 10);
      h.processElement(['key2', 4], 5000);
      h.processElement(['key2', 5], 6000);
      h.processWatermark(8999);
      expected.push(record(['key1-3', 10, 3010], 3009), record(['key2-9', 5000, 8000], 7999), watermark(8999));
      // a gap that ends before the current session's end: the furthest end is kept
      h.processElement(['key2', 1], 9000);
      h.processElement(['key2', 2], 10000);
      h.processElement(['key2', 10], 10500);
      h.processWatermark(12999);
      expected.push(record(['key2-13', 9000, 12000], 11999), watermark(12999));
      // a gap that ends after it
      h.processElement(['key2', 10], 13000);
      h.processElement(['key2', 10], 13500);
      h.processElement(['key2', 1], 14000);
      h.processWatermark(16999);
      expected.push(record(['key2-21', 13000, 16000], 15999), watermark(16999));
      assertOutputEqualsSorted(h.output, expected);
      await h.close();
    });

    test('testDynamicProcessingTimeSessionWindows', async () => {
      const h = await harness(windowSpec({ assigner: ProcessingTimeSessionWindows.withDynamicGap(gaps), fn: apply(sessionWindowFunction) }));
      const steps: Array<[number, T2 | undefined]> = [
        [10, ['key1', 3]],
        [5000, ['key2', 4]],
        [6000, ['key2', 5]],
        [8999, undefined],
        [9000, ['key2', 1]],
        [10000, ['key2', 2]],
        [10500, ['key2', 10]],
        [10500, undefined],
        [13000, ['key2', 10]],
        [13500, ['key2', 10]],
        [14000, ['key2', 1]],
        [16999, undefined],
      ];
      for (const [time, element] of steps) {
        h.setProcessingTime(time);
        if (element) h.processElement(element, time);
      }
      assertOutputEqualsSorted(h.output, [
        record(['key1-3', 10, 3010], 3009),
        record(['key2-9', 5000, 8000], 7999),
        record(['key2-13', 9000, 12000], 11999),
        record(['key2-21', 13000, 16000], 15999),
      ]);
      await h.close();
    });
  });
}

test('window operator: a window at the end of time stays, and results never pass the largest time (testCleanupTimeOverflow)', async () => {
  const assigner = TumblingEventTimeWindows.of(ms(1000));
  const h = await new WindowHarness(windowSpec({ assigner, contents: reduceWith(sumReducer), lateness: 2000 }), key0).open();
  const timestamp = MAX_TIMESTAMP - 1750;
  const [window] = assigner.assignWindows(['key2', 1], timestamp, { getCurrentProcessingTime: () => 0 });
  h.processElement(['key2', 1], timestamp);
  // maxTimestamp + lateness passes the largest time: no cleanup timer that could fire early
  assert.ok(window!.maxTimestamp() + 2000 > MAX_TIMESTAMP);
  h.processWatermark(MAX_TIMESTAMP - 1500);
  assert.ok(window!.maxTimestamp() > MAX_TIMESTAMP - 1500);
  h.processWatermark(window!.maxTimestamp());
  assertOutputEqualsSorted(h.output, [watermark(MAX_TIMESTAMP - 1500), record(['key2', 1], window!.maxTimestamp()), watermark(window!.maxTimestamp())]);
  await h.close();
});

/** Tumbling windows of 10 ms handed out in one array that is refilled whenever the window changes. */
class RefilledArrayWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly windows: TimeWindow[] = [new TimeWindow(-10, 0)];
  assignWindows(_e: unknown, timestamp: number): readonly TimeWindow[] {
    const start = TimeWindow.getWindowStartWithOffset(timestamp, 0, 10);
    if (this.windows[0]!.start !== start) this.windows[0] = new TimeWindow(start, start + 10);
    return this.windows;
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return TumblingEventTimeWindows.of(ms(10)).getDefaultTrigger();
  }
  isEventTime(): boolean {
    return true;
  }
  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return new TimeWindowStartSerializer(10);
  }
}

test('window operator: an assigner that refills the same array with a new window puts elements in the new window', async () => {
  const h = await new WindowHarness(windowSpec({ assigner: new RefilledArrayWindows(), contents: reduceWith(sumReducer) }), key0).open();
  h.processElement(['a', 1], 1);
  h.processElement(['a', 2], 12);
  h.processElement(['a', 4], 15);
  h.processWatermark(100);
  assertOutputEqualsSorted(h.output, [record(['a', 1], 9), record(['a', 6], 19), watermark(100)]);
  await h.close();
});
