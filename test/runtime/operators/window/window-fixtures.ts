/**
 * The functions and helpers of Flink's WindowOperatorTest, in TypeScript: tuples are arrays,
 * output is compared as Flink's assertOutputEqualsSorted compares it (watermarks in place,
 * records as a sorted multiset).
 */
import assert from 'node:assert/strict';
import {
  AbstractRichFunction,
  type Collector,
  type OutputTag,
  type ProcessWindowContext,
  ProcessWindowFunction,
  type WindowContentsSpec,
  type WindowFunctionSpec,
  type WindowOperatorSpec,
} from '../../../../src/graph/index.js';
import type { AggregateFunction } from '../../../../src/state/index.js';
import {
  type Evictor,
  MergingWindowAssigner,
  type MergeCallback,
  TimeWindow,
  TimeWindowBoundsSerializer,
  type Trigger,
  EventTimeTrigger,
  type Window,
  type WindowAssigner,
  type WindowAssignerContext,
  type WindowSerializer,
  assignedWindows,
} from '../../../../src/windowing/index.js';
import { type OutputElement, watermark } from './window-harness.js';

export type T2 = [string, number];
export type T3 = [string, number, number];

export const key0 = (t: T2): string => t[0];

/** The input most of Flink's tests share: `values` for eight elements (key2 ×2, key1 ×3, key2 ×3), out of order. */
export function flinkInput(values: readonly number[] = ONES): Array<[T2, number]> {
  const keys = ['key2', 'key2', 'key1', 'key1', 'key1', 'key2', 'key2', 'key2'];
  const times = [3000, 3999, 20, 0, 999, 1998, 1999, 1000];
  return keys.map((k, i) => [[k, values[i]!], times[i]!]);
}
export const ONES: readonly number[] = [1, 1, 1, 1, 1, 1, 1, 1];
export const sumReducer = (a: T2, b: T2): T2 => [b[0], a[1] + b[1]];

/** Counts close() calls across subtask copies, as Flink's static closeCalled. */
export const closeCalled = { n: 0 };

/** A rich WindowFunction: sums a window's values; checks it was opened. */
export class RichSumReducer extends AbstractRichFunction {
  private openCalled = false;
  override open(): void {
    this.openCalled = true;
  }
  override close(): void {
    closeCalled.n++;
  }
  apply(key: string, _w: Window, input: Iterable<T2>, out: Collector<T2>): void {
    assert.ok(this.openCalled, 'open was not called');
    let sum = 0;
    for (const t of input) sum += t[1];
    out.collect([key, sum]);
  }
}

/** WindowFunction: [key-sum, start, end]. */
export function sessionWindowFunction(key: string, w: TimeWindow, values: Iterable<T2>, out: Collector<T3>): void {
  let sum = 0;
  for (const t of values) sum += t[1];
  out.collect([`${key}-${sum}`, w.start, w.end]);
}

/** WindowFunction: [key-value, start, end] per value (of a reduced window, the one sum). */
export function reducedSessionWindowFunction(key: string, w: TimeWindow, values: Iterable<T2>, out: Collector<T3>): void {
  for (const v of values) out.collect([`${key}-${v[1]}`, w.start, w.end]);
}

export class SessionProcessWindowFunction extends ProcessWindowFunction<T2, T3, string, TimeWindow> {
  process(key: string, context: ProcessWindowContext<TimeWindow>, values: Iterable<T2>, out: Collector<T3>): void {
    let sum = 0;
    for (const t of values) sum += t[1];
    const w = context.window();
    out.collect([`${key}-${sum}`, w.start, w.end]);
  }
}

export class ReducedProcessSessionWindowFunction extends ProcessWindowFunction<T2, T3, string, TimeWindow> {
  process(key: string, context: ProcessWindowContext<TimeWindow>, values: Iterable<T2>, out: Collector<T3>): void {
    const w = context.window();
    for (const v of values) out.collect([`${key}-${v[1]}`, w.start, w.end]);
  }
}

/** WindowFunction: every element as it is. */
export function passThroughFunction(_k: string, _w: Window, input: Iterable<T2>, out: Collector<T2>): void {
  for (const t of input) out.collect(t);
}

/** Sessions, except that elements with value 33 get a point window [t, t] (Flink's PointSessionWindows). */
export class PointSessionWindows extends MergingWindowAssigner<T2, TimeWindow> {
  constructor(private readonly gap: number) {
    super();
  }
  assignWindows(element: T2, timestamp: number, _c: WindowAssignerContext): TimeWindow[] {
    return [element[1] === 33 ? new TimeWindow(timestamp, timestamp) : new TimeWindow(timestamp, timestamp + this.gap)];
  }
  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }
  getDefaultTrigger(): Trigger<T2, TimeWindow> {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return TimeWindowBoundsSerializer.INSTANCE;
  }
}

/** Average of the values, with merge (for sessions). */
export const averageAggregate: AggregateFunction<T2, [number, number], number> = {
  createAccumulator: () => [0, 0],
  add: (v, [s, n]) => [s + v[1], n + 1],
  getResult: ([s, n]) => s / n,
  merge: ([s1, n1], [s2, n2]) => [s1 + s2, n1 + n2],
};

export interface SpecParts {
  readonly assigner: WindowAssigner<never, never> | WindowAssigner<unknown, Window>;
  readonly trigger?: Trigger<never, never> | Trigger<unknown, Window>;
  readonly evictor?: Evictor<never, never> | Evictor<unknown, Window>;
  readonly lateness?: number;
  readonly lateTag?: OutputTag<unknown>;
  readonly contents?: WindowContentsSpec;
  readonly fn?: WindowFunctionSpec;
}

/** A window operator spec; by default the assigner's trigger, elements kept, no window function. */
export function windowSpec(p: SpecParts): WindowOperatorSpec {
  const assigner = p.assigner as WindowAssigner<unknown, Window>;
  return {
    assigner,
    windows: assignedWindows(assigner),
    trigger: p.trigger ?? assigner.getDefaultTrigger(),
    evictor: p.evictor,
    allowedLateness: p.lateness ?? 0,
    lateDataTag: p.lateTag,
    contents: p.contents ?? { kind: 'elements' },
    function: p.fn ?? { kind: 'none' },
  };
}

export const reduceWith = (fn: (a: T2, b: T2) => T2): WindowContentsSpec => ({ kind: 'reduce', fn: fn as (a: unknown, b: unknown) => unknown });
export const apply = (fn: object | ((...args: never[]) => void)): WindowFunctionSpec => ({ kind: 'apply', fn: fn as never });
export const process = (fn: ProcessWindowFunction<never, never, never, never>): WindowFunctionSpec => ({ kind: 'process', fn: fn as never });

function isWatermark(e: OutputElement): e is { watermark: number } {
  return 'watermark' in e;
}

/**
 * As Flink's TestHarnessUtil.assertOutputEqualsSorted: watermarks must be where expected;
 * records are compared as a multiset (sorted by timestamp, then value).
 */
export function assertOutputEqualsSorted(actual: readonly OutputElement[], expected: readonly OutputElement[], message = 'Output was not correct.'): void {
  assert.equal(actual.length, expected.length, `${message} ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
  for (let i = 0; i < expected.length; i++) {
    if (isWatermark(expected[i]!)) assert.deepEqual(actual[i], expected[i], `${message} watermark at ${i}`);
  }
  const key = (e: OutputElement) => JSON.stringify(e);
  const records = (l: readonly OutputElement[]) => l.filter((e) => !isWatermark(e)).map(key).sort();
  assert.deepEqual(records(actual), records(expected), message);
}

/** A watermark and the records it fires, which the output must show before the watermark itself. */
export type WatermarkStep = readonly [watermark: number, fired: readonly OutputElement[]];

/**
 * Flink's "process a watermark, add what fires and the watermark to the expected output, assert"
 * sequence, one step at a time: after each step all output so far must equal `expected`.
 */
export function advanceWatermarks(
  h: { processWatermark(wm: number): void; readonly output: readonly OutputElement[] },
  steps: readonly WatermarkStep[],
  expected: OutputElement[] = [],
): void {
  for (const [wm, fired] of steps) {
    h.processWatermark(wm);
    expected.push(...fired, watermark(wm));
    assertOutputEqualsSorted(h.output, expected, `after watermark ${wm}`);
  }
}
