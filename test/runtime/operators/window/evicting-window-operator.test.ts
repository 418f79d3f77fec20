/*
 * Flink's EvictingWindowOperatorTest, ported: evictors before and after the window function,
 * over count-triggered global windows and tumbling windows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, ProcessWindowFunction, type ProcessWindowContext, type WindowOperatorSpec } from '../../../../src/graph/index.js';
import { MAX_TIMESTAMP, Time } from '../../../../src/util/time.js';
import { CountEvictor, CountTrigger, DeltaEvictor, EventTimeSessionWindows, GlobalWindows, TimeEvictor, TumblingEventTimeWindows, type Window } from '../../../../src/windowing/index.js';
import { BACKENDS } from '../../../state/backends.js';
import { ONES, type T2, apply, flinkInput as input, assertOutputEqualsSorted, key0, reduceWith, sumReducer, windowSpec } from './window-fixtures.js';
import { type OutputElement, WindowHarness, record, watermark } from './window-harness.js';

let closeCalled = 0;

/** A rich ProcessWindowFunction summing the window (Flink's RichSumReducer of this test). */
class RichSumReducer extends ProcessWindowFunction<T2, T2, string, Window> {
  private openCalled = false;
  override open(): void {
    this.openCalled = true;
  }
  override close(): void {
    closeCalled++;
  }
  process(key: string, _c: ProcessWindowContext<Window>, input: Iterable<T2>, out: Collector<T2>): void {
    assert.ok(this.openCalled, 'open was not called');
    let sum = 0;
    for (const t of input) sum += t[1];
    out.collect([key, sum]);
  }
}

const MAX = MAX_TIMESTAMP;
const processFn = () => ({ kind: 'process' as const, fn: new RichSumReducer() as never });
const deltaOnValue = (oldPoint: T2, newPoint: T2) => newPoint[1] - oldPoint[1];
const DELTA_VALUES = [1, 4, 1, 1, 5, 5, 6, 1];

for (const backend of BACKENDS) {
  const run = async (spec: WindowOperatorSpec, steps: Array<[T2, number | undefined] | OutputElement[]>) => {
    closeCalled = 0;
    const h = await new WindowHarness(spec, key0, { backend }).open();
    const expected: OutputElement[] = [];
    for (const step of steps) {
      if (Array.isArray(step[0])) {
        const [v, t] = step as [T2, number | undefined];
        h.processElement(v, t);
      } else {
        expected.push(...(step as OutputElement[]));
        assertOutputEqualsSorted(h.output, expected);
      }
    }
    await h.close();
    assert.equal(closeCalled, spec.function.kind === 'process' ? 1 : 0, 'close was called once');
  };

  describe(`evicting window operator: Flink's EvictingWindowOperatorTest [${backend}]`, () => {
    test('testCountEvictorEvictAfter', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(4, true), fn: processFn() }), [
        ...input(ONES),
        [record(['key2', 2], MAX), record(['key2', 4], MAX), record(['key1', 2], MAX)],
        [['key1', 1], 10999],
        [['key2', 1], 1000],
        [record(['key1', 4], MAX), record(['key2', 6], MAX)],
        [['key2', 1], 1000],
        [['key2', 1], 1000],
        [record(['key2', 6], MAX)],
      ]);
    });

    test('testTimeEvictorEvictAfter', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: TimeEvictor.of(Time.seconds(2), true), fn: processFn() }), [
        [['key2', 1], 1000],
        [['key2', 1], 4000],
        [['key1', 1], 20],
        [['key1', 1], 0],
        [['key1', 1], 999],
        [['key2', 1], 3500],
        [['key2', 1], 2001],
        [['key2', 1], 1001],
        [record(['key2', 2], MAX), record(['key1', 2], MAX), record(['key2', 3], MAX)],
        [['key1', 1], 10999],
        [['key2', 1], 1002],
        [record(['key1', 4], MAX), record(['key2', 5], MAX)],
      ]);
    });

    test('testTimeEvictorEvictBefore', async () => {
      await run(windowSpec({ assigner: TumblingEventTimeWindows.of(Time.seconds(4)), trigger: CountTrigger.of(2), evictor: TimeEvictor.of(Time.seconds(2)), fn: processFn() }), [
        [['key2', 1], 1000],
        [['key2', 1], 3999],
        [['key1', 1], 20],
        [['key1', 1], 0],
        [['key1', 1], 999],
        [['key1', 1], 5999],
        [['key2', 1], 3500],
        [['key2', 1], 2001],
        [['key2', 1], 1001],
        [record(['key2', 1], 3999), record(['key1', 2], 3999), record(['key2', 3], 3999)],
        [['key1', 1], 6500],
        [['key2', 1], 1002],
        [record(['key1', 2], 7999), record(['key2', 3], 3999)],
      ]);
    });

    test('testTimeEvictorNoTimestamp: without timestamps nothing is evicted', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: TimeEvictor.of(Time.seconds(2), true), fn: processFn() }), [
        [['key2', 1], undefined],
        [['key2', 1], undefined],
        [['key1', 1], undefined],
        [['key1', 1], undefined],
        [['key1', 1], undefined],
        [['key2', 1], undefined],
        [['key2', 1], undefined],
        [['key2', 1], undefined],
        [record(['key2', 2], MAX), record(['key1', 2], MAX), record(['key2', 4], MAX)],
        [['key1', 1], undefined],
        [['key2', 1], undefined],
        [record(['key1', 4], MAX), record(['key2', 6], MAX)],
      ]);
    });

    test('testDeltaEvictorEvictBefore', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: DeltaEvictor.of(2, deltaOnValue), fn: processFn() }), [
        ...input(DELTA_VALUES),
        [record(['key2', 4], MAX), record(['key2', 11], MAX), record(['key1', 2], MAX)],
        [['key1', 3], 10999],
        [['key2', 10], 1000],
        [record(['key1', 8], MAX), record(['key2', 10], MAX)],
      ]);
    });

    test('testDeltaEvictorEvictAfter', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: DeltaEvictor.of(2, deltaOnValue, true), fn: processFn() }), [
        ...input(DELTA_VALUES),
        [record(['key2', 5], MAX), record(['key2', 15], MAX), record(['key1', 2], MAX)],
        [['key1', 9], 10999],
        [['key2', 10], 1000],
        [record(['key1', 16], MAX), record(['key2', 22], MAX)],
      ]);
    });

    const countSteps = (): Array<[T2, number] | OutputElement[]> => [
      ...input(ONES),
      [record(['key2', 2], MAX), record(['key2', 4], MAX), record(['key1', 2], MAX)],
      [['key1', 1], 10999],
      [['key2', 1], 1000],
      [record(['key1', 4], MAX), record(['key2', 4], MAX)],
    ];

    test('testCountTrigger: a sliding count window (countWindow(4, 2)) reduced when it fires', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(4), contents: reduceWith(sumReducer) }), countSteps());
    });

    test('testCountTriggerWithApply', async () => {
      await run(windowSpec({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(4), fn: processFn() }), countSteps());
    });

    test('testTumblingWindowWithApply: the evictor trims the window when the watermark fires it', async () => {
      closeCalled = 0;
      const h = await new WindowHarness(windowSpec({ assigner: TumblingEventTimeWindows.of(Time.seconds(4)), evictor: CountEvictor.of(4), fn: processFn() }), key0, { backend }).open();
      h.processElement(['key1', 1], 10);
      h.processElement(['key1', 1], 100);
      h.processWatermark(1999);
      h.processElement(['key1', 1], 1997);
      h.processElement(['key1', 1], 1998);
      h.processElement(['key1', 1], 2310); // not late but more than 4
      h.processElement(['key1', 1], 2310);
      h.processElement(['key2', 1], 2310);
      h.processElement(['key2', 1], 2310);
      h.processWatermark(3999);
      assertOutputEqualsSorted(h.output, [watermark(1999), record(['key1', 4], 3999), record(['key2', 2], 3999), watermark(3999)]);
      await h.close();
    });

    test('sessions with an evictor: merged sessions keep their elements with timestamps, and the evictor sees them all', async () => {
      const h = await new WindowHarness(
        windowSpec({ assigner: EventTimeSessionWindows.withGap(Time.seconds(1)), evictor: CountEvictor.of(2), fn: processFn() }),
        key0,
        { backend },
      ).open();
      h.processElement(['a', 1], 0);
      h.processElement(['a', 10], 1500);
      h.processElement(['a', 100], 800); // bridges the two sessions
      h.processWatermark(5000);
      // The merged session's last two elements in state order: 10 (from the second session), then 100.
      assertOutputEqualsSorted(h.output, [record(['a', 110], 2499), watermark(5000)]);
      await h.close();
    });

    test('an aggregate whose every element was evicted gives its empty accumulator, as Flink does', async () => {
      const h = await new WindowHarness(
        windowSpec({
          assigner: GlobalWindows.create(),
          trigger: CountTrigger.of(2),
          evictor: CountEvictor.of(0),
          contents: { kind: 'aggregate', fn: { createAccumulator: () => 0, add: (_v: unknown, n: number) => n + 1, getResult: (n: number) => `count ${n}` } as never },
        }),
        key0,
        { backend },
      ).open();
      h.processElement(['a', 1], 0);
      h.processElement(['a', 2], 1);
      assertOutputEqualsSorted(h.output, [record('count 0', MAX)]);
      await h.close();
    });

    test('an evictor with apply() and the remaining elements kept for the next firing', async () => {
      await run(
        windowSpec({
          assigner: GlobalWindows.create(),
          trigger: CountTrigger.of(2),
          evictor: CountEvictor.of(1, true),
          fn: apply((key: string, _w: Window, input: Iterable<T2>, out: Collector<T2>) => out.collect([key, [...input].reduce((n, t) => n + t[1], 0)])),
        }),
        [
          [['a', 1], 1],
          [['a', 2], 2],
          [record(['a', 3], MAX)],
          // the last element stays after the firing: 2, then 3 and 4 arrive
          [['a', 3], 3],
          [['a', 4], 4],
          [record(['a', 9], MAX)],
        ],
      );
    });
  });
}
