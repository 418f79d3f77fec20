/*
 * Windows against Flink: operator-level scenarios from Flink's tests
 * (ContinuousProcessingTimeTriggerTest, WindowOperatorTest, EvictingWindowOperatorTest) and
 * Flink's WindowOperator semantics where the existing tests do not reach: late firings within
 * the allowed lateness with reduce/aggregate + ProcessWindowFunction and with evictors,
 * non-purging count triggers on global windows, per-window state across firings.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, OutputTag, type ProcessWindowContext, ProcessWindowFunction, type WindowOperatorSpec } from '../../src/graph/index.js';
import { type AggregateFunction, ValueStateDescriptor } from '../../src/state/index.js';
import { Duration } from '../../src/util/time.js';
import {
  CountEvictor,
  ContinuousProcessingTimeTrigger,
  CountTrigger,
  GlobalWindows,
  ProcessingTimeSessionWindows,
  PurgingTrigger,
  TimeEvictor,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Window,
  type WindowAssigner,
  type Trigger,
  type Evictor,
  assignedWindows,
} from '../../src/windowing/index.js';
import { BACKENDS } from '../state/backends.js';
import { TriggerHarness } from './trigger-harness.js';
import { TimeWindow, TimeWindowBoundsSerializer, TriggerResult } from '../../src/windowing/index.js';
import { type OutputElement, WindowHarness, record, watermark } from '../runtime/operators/window/window-harness.js';

const ms = (n: number) => Duration.ofMillis(n);

interface Parts {
  assigner: WindowAssigner<never, never>;
  trigger?: Trigger<never, never>;
  evictor?: Evictor<never, never>;
  lateness?: number;
  lateTag?: OutputTag<unknown>;
  contents?: WindowOperatorSpec['contents'];
  fn?: WindowOperatorSpec['function'];
}

function spec(p: Parts): WindowOperatorSpec {
  const assigner = p.assigner as unknown as WindowAssigner<unknown, Window>;
  return {
    assigner,
    windows: assignedWindows(assigner),
    trigger: (p.trigger as unknown as Trigger<unknown, Window>) ?? assigner.getDefaultTrigger(),
    evictor: p.evictor as unknown as Evictor<unknown, Window> | undefined,
    allowedLateness: p.lateness ?? 0,
    lateDataTag: p.lateTag,
    contents: p.contents ?? { kind: 'elements' },
    function: p.fn ?? { kind: 'none' },
  };
}

/** Flink's IntegerSumWindowFunction: [window, sum of the elements]. */
function windowedSum(_k: unknown, w: TimeWindow, input: Iterable<number>, out: Collector<unknown>): void {
  let sum = 0;
  for (const v of input) sum += v;
  out.collect([String(w), sum]);
}
const applySum: WindowOperatorSpec['function'] = { kind: 'apply', fn: windowedSum as never };

/** Elements as they are: one list per firing. */
function listing(_k: unknown, _w: Window, input: Iterable<unknown>, out: Collector<unknown>): void {
  out.collect([...input]);
}
const applyList: WindowOperatorSpec['function'] = { kind: 'apply', fn: listing as never };

const tw = (start: number, end: number) => `TimeWindow{start=${start}, end=${end}}`;

type KV = [string, number];
const sumKV = (a: KV, b: KV): KV => [a[0], a[1] + b[1]];
const firings = new ValueStateDescriptor<number>('firings');

/** A ProcessWindowFunction over a folded value: [key, value, firing number of this window, watermark]; clear() drops the window state. */
class Firings extends ProcessWindowFunction<unknown, unknown, string, TimeWindow> {
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, values: Iterable<unknown>, out: Collector<unknown>): void {
    const n = ctx.windowState().getState(firings);
    const k = (n.value() ?? 0) + 1;
    n.update(k);
    const all = [...values];
    out.collect([key, all.length === 1 ? all[0] : all, k, ctx.currentWatermark()]);
  }
  override clear(ctx: ProcessWindowContext<TimeWindow>): void {
    ctx.windowState().getState(firings).clear();
  }
}

const count: AggregateFunction<KV, number, number> = { createAccumulator: () => 0, add: (_v, n) => n + 1, getResult: (n) => n, merge: (a, b) => a + b };

function withoutWatermarks(out: readonly OutputElement[]): OutputElement[] {
  return out.filter((e) => !('watermark' in e));
}

describe('ContinuousProcessingTimeTrigger at the window end (Flink FLINK-35069)', () => {
  test('firing at the window maxTimestamp registers no next timer (it would be the same, already due, for ever)', () => {
    const h = new TriggerHarness<unknown, TimeWindow>(ContinuousProcessingTimeTrigger.of<TimeWindow>(ms(5)), TimeWindowBoundsSerializer.INSTANCE);
    const win = new TimeWindow(0, 10);
    assert.equal(h.processElement('e', 1, win), TriggerResult.CONTINUE); // clock 0: next fire 5
    assert.deepEqual(h.advanceProcessingTime(5), [[win, TriggerResult.FIRE]]); // next: min(10, 9) = 9
    assert.deepEqual(h.advanceProcessingTime(10), [[win, TriggerResult.FIRE]]);
    assert.equal(h.numProcessingTimeTimers(), 0, 'no timer left at the window end');
    assert.equal(h.numStateEntries(), 0);
  });
});

for (const backend of BACKENDS) {
  describe(`Flink ContinuousProcessingTimeTriggerTest at the operator [${backend}]`, () => {
    const open = (p: Parts) => new WindowHarness(spec(p), () => 0, { backend }).open();

    test('testProcessingTimeWindowFiring', async () => {
      const h = await open({ assigner: TumblingProcessingTimeWindows.of(ms(10)) as never, trigger: ContinuousProcessingTimeTrigger.of(ms(5)) as never, fn: applySum });
      const expected: OutputElement[] = [];
      h.setProcessingTime(0);
      h.processElement(1);
      h.setProcessingTime(2);
      h.processElement(2);
      h.setProcessingTime(5);
      expected.push(record([tw(0, 10), 3], 9));
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(7);
      h.processElement(3);
      h.setProcessingTime(9);
      expected.push(record([tw(0, 10), 6], 9));
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(10);
      h.processElement(3);
      h.setProcessingTime(15);
      expected.push(record([tw(10, 20), 3], 19));
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(18);
      h.processElement(3);
      h.setProcessingTime(20);
      expected.push(record([tw(10, 20), 6], 19));
      assert.deepEqual(h.output, expected);
    });

    test('testEventTimeWindowFiring: a processing-time trigger on event-time windows', async () => {
      const h = await open({ assigner: TumblingEventTimeWindows.of(ms(10)) as never, trigger: ContinuousProcessingTimeTrigger.of(ms(5)) as never, fn: applySum });
      const expected: OutputElement[] = [];
      h.setProcessingTime(0);
      h.processElement(1, 1);
      h.processElement(2, 3);
      h.processElement(3, 7);
      h.setProcessingTime(5);
      expected.push(record([tw(0, 10), 6], 9));
      assert.deepEqual(h.output, expected);
      h.processElement(3, 8);
      h.setProcessingTime(10);
      expected.push(record([tw(0, 10), 9], 9));
      assert.deepEqual(h.output, expected);
      h.processElement(3, 12);
      h.setProcessingTime(15);
      expected.push(record([tw(10, 20), 3], 19));
      assert.deepEqual(h.output, expected);
    });

    test('testMergingWindows: the merged session keeps the fire timer', async () => {
      const h = await open({ assigner: ProcessingTimeSessionWindows.withGap(ms(10)) as never, trigger: ContinuousProcessingTimeTrigger.of(ms(5)) as never, fn: applySum });
      const expected: OutputElement[] = [];
      h.setProcessingTime(0);
      h.processElement(1);
      h.setProcessingTime(2);
      h.processElement(2);
      h.setProcessingTime(5);
      expected.push(record([tw(0, 12), 3], 11));
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(9);
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(10);
      expected.push(record([tw(0, 12), 3], 11));
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(15);
      expected.push(record([tw(0, 12), 3], 11));
      assert.deepEqual(h.output, expected);
      h.setProcessingTime(100);
      assert.deepEqual(h.output, expected);
    });
  });

  describe(`late firings within the allowed lateness (Flink WindowOperator + EventTimeTrigger) [${backend}]`, () => {
    const lateTag = new OutputTag<unknown>('late');
    const open = (p: Parts) => new WindowHarness(spec({ ...p, lateTag, lateness: 5 }), (v: KV) => v[0], { backend, sideOutputs: [lateTag] }).open();

    /** Flink: a late element within the lateness re-fires the window with everything so far; past it, it goes to the side output. */
    async function scenario(p: Omit<Parts, 'assigner'>, results: readonly unknown[]): Promise<WindowHarness> {
      const h = await open({ assigner: TumblingEventTimeWindows.of(ms(10)) as never, ...p });
      h.processElement(['a', 1], 1);
      h.processElement(['a', 2], 2);
      h.processWatermark(9);
      h.processElement(['a', 3], 3); // window [0,10) fired; 3 + 5 > 9 and its cleanup (14) is ahead: fires again at once
      h.processElement(['a', 4], 12);
      h.processWatermark(14); // [0,10) cleaned up
      h.processElement(['a', 5], 4); // late: to the side output
      h.processElement(['a', 6], 9); // 9 + 5 <= 14: late too
      h.processWatermark(19);
      assert.deepEqual(h.output, [record(results[0], 9), watermark(9), record(results[1], 9), watermark(14), record(results[2], 19), watermark(19)]);
      assert.deepEqual(h.sideOutput(lateTag), [record(['a', 5], 4), record(['a', 6], 9)]);
      return h;
    }

    test('reduce', async () => {
      await scenario({ contents: { kind: 'reduce', fn: sumKV as never } }, [['a', 3], ['a', 6], ['a', 4]]);
    });

    test('aggregate', async () => {
      await scenario({ contents: { kind: 'aggregate', fn: count as never } }, [2, 3, 1]);
    });

    test('reduce + ProcessWindowFunction: per-window state counts the firings, the watermark is the one that fired, clear() at cleanup', async () => {
      const h = await scenario({ contents: { kind: 'reduce', fn: sumKV as never }, fn: { kind: 'process', fn: new Firings() as never } }, [
        ['a', ['a', 3], 1, 9],
        ['a', ['a', 6], 2, 9],
        ['a', ['a', 4], 1, 19],
      ]);
      assert.equal(h.backend.stateTables().get('firings')?.table.size ?? 0, 1, 'only [10,20) keeps its window state until its cleanup');
      h.processWatermark(24);
      assert.equal(h.backend.stateTables().get('firings')?.table.size ?? 0, 0);
    });

    test('aggregate + ProcessWindowFunction', async () => {
      await scenario({ contents: { kind: 'aggregate', fn: count as never }, fn: { kind: 'process', fn: new Firings() as never } }, [
        ['a', 2, 1, 9],
        ['a', 3, 2, 9],
        ['a', 1, 1, 19],
      ]);
    });

    test('elements + ProcessWindowFunction', async () => {
      await scenario({ fn: { kind: 'process', fn: new Firings() as never } }, [
        ['a', [['a', 1], ['a', 2]], 1, 9],
        ['a', [['a', 1], ['a', 2], ['a', 3]], 2, 9],
        ['a', ['a', 4], 1, 19],
      ]);
    });

    test('CountEvictor before the function: the evicted elements are gone from the window for the late firing', async () => {
      const h = await open({ assigner: TumblingEventTimeWindows.of(ms(10)) as never, evictor: CountEvictor.of(2) as never, fn: applyList });
      h.processElement(['a', 1], 1);
      h.processElement(['a', 2], 2);
      h.processElement(['a', 3], 3);
      h.processWatermark(9);
      h.processElement(['a', 4], 4);
      assert.deepEqual(withoutWatermarks(h.output), [
        record([['a', 2], ['a', 3]], 9),
        record([['a', 3], ['a', 4]], 9),
      ]);
    });

    test('CountEvictor after the function: the function sees all, the window keeps the last two', async () => {
      const h = await open({ assigner: TumblingEventTimeWindows.of(ms(10)) as never, evictor: CountEvictor.of(2, true) as never, fn: applyList });
      h.processElement(['a', 1], 1);
      h.processElement(['a', 2], 2);
      h.processElement(['a', 3], 3);
      h.processWatermark(9);
      h.processElement(['a', 4], 4);
      assert.deepEqual(withoutWatermarks(h.output), [
        record([['a', 1], ['a', 2], ['a', 3]], 9),
        record([['a', 2], ['a', 3], ['a', 4]], 9),
      ]);
    });

    test('TimeEvictor with reduce: the fold covers the elements within the evictor size of the newest', async () => {
      const h = await open({ assigner: TumblingEventTimeWindows.of(ms(10)) as never, evictor: TimeEvictor.of(ms(3)) as never, contents: { kind: 'reduce', fn: sumKV as never } });
      h.processElement(['a', 1], 1);
      h.processElement(['a', 2], 5);
      h.processElement(['a', 4], 7);
      h.processWatermark(9);
      // newest 7: evicts timestamps <= 4
      h.processElement(['a', 8], 8); // late, within lateness: newest 8 evicts <= 5
      assert.deepEqual(withoutWatermarks(h.output), [record(['a', 6], 9), record(['a', 12], 9)]);
    });
  });

  describe(`count triggers on global windows [${backend}]`, () => {
    const open = (p: Parts) => new WindowHarness(spec(p), () => 0, { backend }).open();

    test('CountTrigger without purging: the window keeps everything and fires every n elements', async () => {
      const h = await open({ assigner: GlobalWindows.create() as never, trigger: CountTrigger.of(2) as never, fn: applyList });
      for (const v of [1, 2, 3, 4, 5]) h.processElement(v, v);
      assert.deepEqual(h.records().map((r) => r.value), [[1, 2], [1, 2, 3, 4]]);
      assert.ok(h.records().every((r) => r.timestamp === Number.MAX_SAFE_INTEGER), 'results carry the global window maxTimestamp');
    });

    test('CountTrigger on event-time tumbling windows: the cleanup drops the unfired rest without firing (Flink: onEventTime CONTINUE, then clearAllState)', async () => {
      const h = await open({ assigner: TumblingEventTimeWindows.of(ms(10)) as never, trigger: CountTrigger.of(2) as never, fn: applyList });
      for (const v of [1, 2, 3]) h.processElement(v, v);
      h.processWatermark(9);
      h.processWatermark(Number.MAX_SAFE_INTEGER);
      assert.deepEqual(h.records(), [record([1, 2], 9)]);
      for (const [name, { table }] of h.backend.stateTables()) assert.equal(table.size, 0, `${name} is empty after the cleanup`);
    });

    test('PurgingTrigger(CountTrigger): each firing starts over', async () => {
      const h = await open({ assigner: GlobalWindows.create() as never, trigger: PurgingTrigger.of(CountTrigger.of(2)) as never, fn: applyList });
      for (const v of [1, 2, 3, 4, 5]) h.processElement(v, v);
      assert.deepEqual(h.records().map((r) => r.value), [[1, 2], [3, 4]]);
    });

    test('CountTrigger with reduce and a ProcessWindowFunction: the global window state stays across firings', async () => {
      const h = await new WindowHarness(
        spec({ assigner: GlobalWindows.create() as never, trigger: CountTrigger.of(2) as never, contents: { kind: 'reduce', fn: sumKV as never }, fn: { kind: 'process', fn: new Firings() as never } }),
        (v: KV) => v[0],
        { backend },
      ).open();
      for (const v of [1, 2, 3, 4]) h.processElement(['k', v], v);
      assert.deepEqual(h.records().map((r) => (r.value as unknown[]).slice(0, 3)), [
        ['k', ['k', 3], 1],
        ['k', ['k', 10], 2],
      ]);
    });
  });
}
