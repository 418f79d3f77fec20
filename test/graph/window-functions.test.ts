import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Collector,
  type KeyedStateStore,
  OutputTag,
  ProcessAllWindowFunction,
  type ProcessWindowContext,
  ProcessWindowFunction,
  type WindowFunctionLike,
} from '../../src/graph/index.js';
import { ValueStateDescriptor, type ValueState } from '../../src/state/index.js';
import { TimeWindow } from '../../src/windowing/index.js';

/** Counts per window, remembers how often the window fired in window state, and sends empty windows to a side output. */
class CountPerWindow extends ProcessWindowFunction<string, string, string, TimeWindow> {
  static readonly empty = new OutputTag<string>('empty');
  private readonly fired = new ValueStateDescriptor<number>('fired', 0);
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<string>, out: Collector<string>): void {
    const fired = ctx.windowState().getState(this.fired);
    fired.update((fired.value() ?? 0) + 1);
    const n = [...elements].length;
    if (n === 0) ctx.output(CountPerWindow.empty, key);
    else out.collect(`${key} [${ctx.window().start},${ctx.window().end}) #${fired.value()}: ${n} @${ctx.window().maxTimestamp()}`);
  }
  override clear(ctx: ProcessWindowContext<TimeWindow>): void {
    ctx.windowState().getState(this.fired).clear();
  }
}

/** A window context over one in-memory value per state name. */
function contextFor(window: TimeWindow, side: string[]): ProcessWindowContext<TimeWindow> {
  const values = new Map<string, unknown>();
  const store = {
    getState: (d: ValueStateDescriptor<unknown>): ValueState<unknown> => ({
      value: () => (values.has(d.name) ? values.get(d.name) : d.defaultValue),
      update: (v: unknown) => void values.set(d.name, v),
      clear: () => void values.delete(d.name),
    }),
  } as KeyedStateStore;
  return {
    window: () => window,
    currentProcessingTime: () => 0,
    currentWatermark: () => 0,
    windowState: () => store,
    globalState: () => store,
    output: (tag, value) => void side.push(`${tag.id}: ${String(value)}`),
  };
}

test('a ProcessWindowFunction sees its window, window state and side outputs through the context', () => {
  const f = new CountPerWindow();
  const out: string[] = [];
  const side: string[] = [];
  const ctx = contextFor(new TimeWindow(0, 5000), side);
  f.process('a', ctx, ['x', 'y'], { collect: (s) => out.push(s) });
  f.process('a', ctx, ['x', 'y', 'z'], { collect: (s) => out.push(s) });
  f.process('b', ctx, [], { collect: (s) => out.push(s) });
  assert.deepEqual(out, ['a [0,5000) #1: 2 @4999', 'a [0,5000) #2: 3 @4999']);
  assert.deepEqual(side, ['empty: b']);
  f.clear(ctx);
  assert.equal(ctx.windowState().getState(new ValueStateDescriptor<number>('fired', 0)).value(), 0);
});

test('window functions are rich functions; clear is optional', () => {
  class Sum extends ProcessAllWindowFunction<number, number, TimeWindow> {
    process(_ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<number>, out: Collector<number>): void {
      let s = 0;
      for (const e of elements) s += e;
      out.collect(s);
    }
  }
  const f = new Sum();
  assert.throws(() => f.getRuntimeContext(), /only available from open\(\) on/);
  const out: number[] = [];
  f.process(contextFor(new TimeWindow(0, 1), []), [1, 2, 3], { collect: (n) => out.push(n) });
  f.clear(contextFor(new TimeWindow(0, 1), []));
  assert.deepEqual(out, [6]);
  const legacy: WindowFunctionLike<number, string, string, TimeWindow> = (key, window, input, o) => o.collect(`${key}@${window.maxTimestamp()}:${[...input].length}`);
  const got: string[] = [];
  if (typeof legacy === 'function') legacy('k', new TimeWindow(0, 10), [1, 2], { collect: (s) => got.push(s) });
  assert.deepEqual(got, ['k@9:2']);
});
