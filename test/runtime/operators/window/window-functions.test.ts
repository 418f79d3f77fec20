/*
 * Window functions in the operator: incremental aggregation (one accumulator per key and
 * window), and what a ProcessWindowFunction's context gives — the window, the clocks, per-window
 * and global state, side outputs, clear() at cleanup.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  OutputTag,
  ProcessWindowFunction,
  type ProcessWindowContext,
  type WindowOperatorSpec,
} from '../../../../src/graph/index.js';
import { ValueStateDescriptor } from '../../../../src/state/index.js';
import { Duration } from '../../../../src/util/time.js';
import { EventTimeSessionWindows, type TimeWindow, TumblingEventTimeWindows } from '../../../../src/windowing/index.js';
import { WINDOW_CONTENTS_STATE } from '../../../../src/runtime/operators/window/window-operator.js';
import { BACKENDS } from '../../../state/backends.js';
import { type T2, averageAggregate, assertOutputEqualsSorted, key0, process, windowSpec } from './window-fixtures.js';
import { WindowHarness, record, watermark } from './window-harness.js';

const s = (n: number) => Duration.ofSeconds(n);
const aggregate = { kind: 'aggregate' as const, fn: averageAggregate as never };
const notes = new OutputTag<string>('notes') as OutputTag<unknown>;

/** Counts its firings per window and in total, notes each firing on a side output, and clears its window state. */
class FiringCounter extends ProcessWindowFunction<number, string, string, TimeWindow> {
  private readonly firings = new ValueStateDescriptor<number>('firings', 0);
  private readonly total = new ValueStateDescriptor<number>('total', 0);
  cleared: string[] = [];
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, averages: Iterable<number>, out: Collector<string>): void {
    const perWindow = ctx.windowState().getState(this.firings);
    perWindow.update(perWindow.value()! + 1);
    const all = ctx.globalState().getState(this.total);
    all.update(all.value()! + 1);
    const w = ctx.window();
    out.collect(`${key} [${w.start},${w.end}) avg=${[...averages].join()} firing=${perWindow.value()} total=${all.value()} wm=${ctx.currentWatermark()}`);
    ctx.output(notes, `fired ${key}@${w.start}`);
  }
  override clear(ctx: ProcessWindowContext<TimeWindow>): void {
    ctx.windowState().getState(this.firings).clear();
    ctx.output(notes, `cleared ${ctx.window().start}`);
  }
}

for (const backend of BACKENDS) {
  const harness = (spec: WindowOperatorSpec) => new WindowHarness(spec, key0, { backend, sideOutputs: [notes] }).open();

  describe(`window functions [${backend}]`, () => {
    test('aggregate keeps one accumulator per key and window, never the elements', async () => {
      const h = await harness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(1)), contents: aggregate }));
      for (let i = 0; i < 100; i++) h.processElement(['a', i], i * 5); // 100 elements in window [0, 1000)
      h.processElement(['b', 10], 1500);
      h.snapshot(); // accumulators folded in memory go back to state before a snapshot's cut
      const stored = h.backend.stateTables().get(WINDOW_CONTENTS_STATE)!.table;
      const values = [...Array(128).keys()].flatMap((kg) => [...stored.entries(kg)].map(([, v]) => v as Map<unknown, unknown>));
      assert.deepEqual(
        values.map((m) => [...m.entries()]).sort((x, y) => String(x[0]![0]).localeCompare(String(y[0]![0]))),
        [[[0, [4950, 100]]], [[1000, [10, 1]]]],
        'one [sum, count] accumulator per key and window',
      );
      h.processWatermark(1999);
      assertOutputEqualsSorted(h.output, [record(49.5, 999), record(10, 1999), watermark(1999)]);
      await h.close();
    });

    test('aggregate over sessions merges accumulators when sessions merge', async () => {
      const h = await harness(windowSpec({ assigner: EventTimeSessionWindows.withGap(s(1)), contents: aggregate }));
      h.processElement(['a', 2], 0);
      h.processElement(['a', 4], 1500);
      h.processElement(['a', 6], 800); // bridges [0,1000) and [1500,2500)
      h.processWatermark(5000);
      assertOutputEqualsSorted(h.output, [record(4, 2499), watermark(5000)]);
      await h.close();
    });

    test('allowed lateness re-fires with the updated result; the context has window, watermark, window and global state, side outputs; clear() runs at cleanup', async () => {
      const fn = new FiringCounter();
      const h = await harness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(1)), contents: aggregate, fn: process(fn), lateness: 2000 }));
      h.processElement(['a', 10], 100);
      h.processElement(['a', 20], 1100);
      h.processWatermark(1000);
      h.processElement(['a', 40], 200); // late but within the lateness: fires again at once
      h.processWatermark(2000);
      h.processWatermark(3000); // cleanup of [0,1000) at 999 + 2000 = 2999
      h.processElement(['a', 50], 300); // now late for good: dropped
      h.processWatermark(5000);
      assertOutputEqualsSorted(h.output, [
        record('a [0,1000) avg=10 firing=1 total=1 wm=1000', 999),
        watermark(1000),
        record('a [0,1000) avg=25 firing=2 total=2 wm=1000', 999),
        record('a [1000,2000) avg=20 firing=1 total=3 wm=2000', 1999),
        watermark(2000),
        watermark(3000),
        watermark(5000),
      ]);
      assert.deepEqual(h.sideOutput(notes), [
        record('fired a@0', 999),
        record('fired a@0', 999),
        record('fired a@1000', 1999),
        record('cleared 0', 999),
        record('cleared 1000', 1999),
      ]);
      assert.equal(h.operator.numLateRecordsDropped, 1);
      assert.equal(h.backend.stateTables().get('firings')!.table.size, 0, 'the function cleared its window state');
      assert.equal(h.backend.stateTables().get('total')!.table.size, 1, 'global state stays');
      await h.close();
    });

    for (const [name, assigner, stateName, refusal] of [
      ['per-window state is refused for merging windows, as in Flink', EventTimeSessionWindows.withGap(s(1)), 'n', /Per-window state is not allowed when using merging windows/],
      ['window state names starting with _ belong to the engine', TumblingEventTimeWindows.of(s(1)), '_window-contents', /State name '_window-contents' is reserved/],
    ] as const) {
      test(name, async () => {
        class UsesWindowState extends ProcessWindowFunction<T2, string, string, TimeWindow> {
          process(_k: string, ctx: ProcessWindowContext<TimeWindow>): void {
            ctx.windowState().getState(new ValueStateDescriptor<number>(stateName));
          }
        }
        const h = await harness(windowSpec({ assigner, fn: process(new UsesWindowState()) }));
        h.processElement(['a', 1], 0);
        assert.throws(() => h.processWatermark(5000), refusal);
      });
    }
  });
}
