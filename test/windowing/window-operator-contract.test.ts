/*
 * Flink's WindowOperatorContractTest (flink-streaming-java, runtime/operators/windowing): how the
 * window operator drives its assigner, trigger, window function and state. Flink uses Mockito
 * mocks; here a scripted trigger and assigner record their calls. The expectations (state
 * entries, timers per domain, calls) are Flink's. Run against both operators, as Flink's
 * Regular- and EvictingWindowOperatorContractTest run them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, OutputTag, type ProcessWindowContext, ProcessWindowFunction, type WindowContentsSpec, type WindowOperatorSpec } from '../../src/graph/index.js';
import { ValueStateDescriptor } from '../../src/state/index.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';
import {
  CountEvictor,
  type Evictor,
  GlobalWindow,
  GlobalWindowSerializer,
  type MergeCallback,
  MergingWindowAssigner,
  type OnMergeContext,
  TimeWindow,
  TimeWindowBoundsSerializer,
  Trigger,
  type TriggerContext,
  TriggerResult,
  type Window,
  WindowAssigner,
  type WindowSerializer,
  assignedWindows,
} from '../../src/windowing/index.js';
import { WindowHarness } from '../runtime/operators/window/window-harness.js';
import { TIMERS_STATE } from '../../src/state/index.js';

const valueState = new ValueStateDescriptor<string>('string-state');

type Handler<A extends unknown[], R> = ((...args: A) => R) | undefined;

/** A trigger whose every callback is a replaceable script, with its calls recorded (Flink's mockTrigger). */
class ScriptedTrigger<W extends Window> extends Trigger<unknown, W> {
  onElementScript: Handler<[unknown, number, W, TriggerContext], TriggerResult>;
  onTimeScript: Handler<[number, W, TriggerContext], TriggerResult>;
  onEventTimeScript: Handler<[number, W, TriggerContext], TriggerResult>;
  onMergeScript: Handler<[W, OnMergeContext], void>;
  clearScript: Handler<[W, TriggerContext], void>;
  readonly elementCalls: Array<[unknown, number, W]> = [];
  readonly eventTimeCalls: Array<[number, W]> = [];
  readonly processingTimeCalls: Array<[number, W]> = [];
  readonly mergeCalls: W[] = [];
  readonly clearCalls: W[] = [];

  onElement(element: unknown, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    this.elementCalls.push([element, timestamp, window]);
    return this.onElementScript?.(element, timestamp, window, ctx) ?? TriggerResult.CONTINUE;
  }
  override onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    this.eventTimeCalls.push([time, window]);
    return this.onEventTimeScript?.(time, window, ctx) ?? TriggerResult.CONTINUE;
  }
  override onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    this.processingTimeCalls.push([time, window]);
    return this.onTimeScript?.(time, window, ctx) ?? TriggerResult.CONTINUE;
  }
  override canMerge(): boolean {
    return true;
  }
  override onMerge(window: W, ctx: OnMergeContext): void {
    this.mergeCalls.push(window);
    this.onMergeScript?.(window, ctx);
  }
  clear(window: W, ctx: TriggerContext): void {
    this.clearCalls.push(window);
    this.clearScript?.(window, ctx);
  }
}

/** An assigner handing out whatever windows the test sets (Flink's mockTimeWindowAssigner). */
class ScriptedAssigner extends WindowAssigner<unknown, TimeWindow> {
  windows: TimeWindow[] = [];
  readonly calls: Array<[unknown, number]> = [];
  constructor(private readonly eventTime: boolean) {
    super();
  }
  assignWindows(element: unknown, timestamp: number): readonly TimeWindow[] {
    this.calls.push([element, timestamp]);
    return this.windows;
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    throw new Error('not used');
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return TimeWindowBoundsSerializer.INSTANCE;
  }
}

/** A merging assigner; merges nothing unless the test scripts it (Flink's mockMergingAssigner). */
class ScriptedMergingAssigner extends MergingWindowAssigner<unknown, TimeWindow> {
  windows: TimeWindow[] = [];
  mergeScript: ((windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>) => void) | undefined;
  readonly mergeCalls: TimeWindow[][] = [];
  constructor(private readonly eventTime: boolean) {
    super();
  }
  assignWindows(): readonly TimeWindow[] {
    return this.windows;
  }
  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    this.mergeCalls.push([...windows]);
    this.mergeScript?.(windows, callback);
  }
  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    throw new Error('not used');
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return TimeWindowBoundsSerializer.INSTANCE;
  }
}

class GlobalAssigner extends WindowAssigner<unknown, GlobalWindow> {
  constructor(private readonly eventTime: boolean) {
    super();
  }
  assignWindows(): readonly GlobalWindow[] {
    return [GlobalWindow.get()];
  }
  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    throw new Error('not used');
  }
  isEventTime(): boolean {
    return this.eventTime;
  }
  getWindowSerializer(): WindowSerializer<GlobalWindow> {
    return GlobalWindowSerializer.INSTANCE;
  }
}

/** Shorthand for a merge script: checks the windows handed in, then merges `toMerge` into `result`. */
function shouldMerge(expected: TimeWindow[], toMerge: TimeWindow[], result: TimeWindow) {
  return (windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void => {
    assert.deepEqual([...windows].map(String).sort(), expected.map(String).sort());
    callback(toMerge, result);
  };
}

/** What the window function saw: a class instance, so the operator's copy of the function shares it. */
class FunctionLog {
  readonly calls: Array<[unknown, string, unknown[]]> = [];
  readonly clears: string[] = [];
  processScript: ((ctx: ProcessWindowContext<Window>, out: Collector<unknown>) => void) | undefined;
  clearScript: ((ctx: ProcessWindowContext<Window>) => void) | undefined;
  /** Calls for `window` with `elements` (in any order). */
  count(key: unknown, window: Window, elements: unknown[]): number {
    const want = JSON.stringify([...elements].map((e) => JSON.stringify(e)).sort());
    return this.calls.filter(([k, w, es]) => k === key && w === String(window) && JSON.stringify(es.map((e) => JSON.stringify(e)).sort()) === want).length;
  }
}

/** The window function (Flink's mock InternalWindowFunction): records its calls; scripts for process and clear. */
class RecordingFunction extends ProcessWindowFunction<unknown, unknown, unknown, Window> {
  readonly log = new FunctionLog();
  process(key: unknown, ctx: ProcessWindowContext<Window>, elements: Iterable<unknown>, out: Collector<unknown>): void {
    this.log.calls.push([key, String(ctx.window()), [...elements]]);
    this.log.processScript?.(ctx, out);
  }
  override clear(ctx: ProcessWindowContext<Window>): void {
    this.log.clears.push(String(ctx.window()));
    this.log.clearScript?.(ctx);
  }
}

interface Domain {
  readonly name: string;
  readonly eventTime: boolean;
  advance(h: WindowHarness, time: number): void;
  register(ctx: TriggerContext, time: number): void;
  remove(ctx: TriggerContext, time: number): void;
  timers(h: WindowHarness): number;
  otherTimers(h: WindowHarness): number;
  setTimeScript(t: ScriptedTrigger<TimeWindow>, result: TriggerResult): void;
  callbacks(t: ScriptedTrigger<TimeWindow>): Array<[number, TimeWindow]>;
}

const EVENT: Domain = {
  name: 'EventTime',
  eventTime: true,
  advance: (h, t) => h.processWatermark(t),
  register: (ctx, t) => ctx.registerEventTimeTimer(t),
  remove: (ctx, t) => ctx.deleteEventTimeTimer(t),
  timers: (h) => h.timers.eventTimeTimerCount,
  otherTimers: (h) => h.timers.processingTimeTimerCount,
  setTimeScript: (t, r) => void (t.onEventTimeScript = () => r),
  callbacks: (t) => t.eventTimeCalls,
};
const PROCESSING: Domain = {
  name: 'ProcessingTime',
  eventTime: false,
  // The harness clock starts at 0 and never goes back: Flink's advance to Long.MIN_VALUE is a no-op here.
  advance: (h, t) => {
    if (t >= h.clock.now()) h.setProcessingTime(t);
  },
  register: (ctx, t) => ctx.registerProcessingTimeTimer(t),
  remove: (ctx, t) => ctx.deleteProcessingTimeTimer(t),
  timers: (h) => h.timers.processingTimeTimerCount,
  otherTimers: (h) => h.timers.eventTimeTimerCount,
  setTimeScript: (t, r) => void (t.onTimeScript = () => r),
  callbacks: (t) => t.processingTimeCalls,
};

/** Flink's numKeyedStateEntries: (key, namespace) entries over every keyed state but the timers. */
function numKeyedStateEntries(h: WindowHarness): number {
  let n = 0;
  for (const [name, { table }] of h.backend.stateTables()) {
    if (name === TIMERS_STATE) continue;
    for (let kg = table.keyGroupRange.start; kg <= table.keyGroupRange.end; kg++) {
      for (const [, v] of table.entries(kg)) n += v instanceof Map ? v.size : 1;
    }
  }
  return n;
}

/**
 * A trigger that keeps a timer at 0 (in `d`'s domain) and a state entry per window: set on each
 * element and on merging, removed on clear (Flink's testWindowsAreMergedEagerly and
 * testMergingOfExistingWindows script their mock trigger so).
 */
function timerAndStateTrigger(d: Domain): ScriptedTrigger<TimeWindow> {
  const trigger = new ScriptedTrigger<TimeWindow>();
  trigger.onElementScript = (_e, _t, _w, ctx) => {
    d.register(ctx, 0);
    ctx.getPartitionedState(valueState).update('hello');
    return TriggerResult.CONTINUE;
  };
  trigger.onMergeScript = (_w, ctx) => {
    d.register(ctx, 0);
    ctx.getPartitionedState(valueState).update('hello');
  };
  trigger.clearScript = (_w, ctx) => {
    d.remove(ctx, 0);
    ctx.getPartitionedState(valueState).clear();
  };
  return trigger;
}

function w(start: number, end: number): TimeWindow {
  return new TimeWindow(start, end);
}

interface Setup<W extends Window> {
  readonly assigner: WindowAssigner<unknown, W>;
  readonly trigger: ScriptedTrigger<W>;
  readonly lateness?: number;
  readonly lateTag?: OutputTag<unknown>;
  readonly fn?: RecordingFunction;
  readonly evictor?: Evictor<unknown, Window> | undefined;
  readonly contents?: WindowContentsSpec;
}

async function openHarness<W extends Window>(s: Setup<W>, sideOutputs: OutputTag<unknown>[] = []): Promise<{ h: WindowHarness; fn: FunctionLog }> {
  const fn = s.fn ?? new RecordingFunction();
  const spec: WindowOperatorSpec = {
    assigner: s.assigner as WindowAssigner<unknown, Window>,
    windows: assignedWindows(s.assigner as WindowAssigner<unknown, Window>),
    trigger: s.trigger as Trigger<unknown, Window>,
    evictor: s.evictor,
    allowedLateness: s.lateness ?? 0,
    lateDataTag: s.lateTag,
    contents: s.contents ?? { kind: 'elements' },
    function: { kind: 'process', fn: fn as never },
  };
  const h = await new WindowHarness(spec, (v: unknown) => v, { sideOutputs: s.lateTag ? [s.lateTag, ...sideOutputs] : sideOutputs }).open();
  return { h, fn: fn.log };
}

/**
 * Flink runs these tests against its evicting window operator too (EvictingWindowOperatorContractTest,
 * with `CountEvictor.of(100)`): an evictor that evicts nothing leaves the contract as it is.
 */
const OPERATORS: Array<[string, Evictor<unknown, Window> | undefined]> = [
  ['WindowOperatorContractTest', undefined],
  ['EvictingWindowOperatorContractTest', CountEvictor.of(100)],
];

for (const [flinkTest, evictor] of OPERATORS) describe(`window operator contract (Flink ${flinkTest})`, () => {
  const harness = <W extends Window>(s: Setup<W>, sideOutputs?: OutputTag<unknown>[]) => openHarness({ evictor, ...s }, sideOutputs);

  test('testNoLateSideOutputForSkippedWindows / testLateSideOutput', async () => {
    const lateTag = new OutputTag<unknown>('late');
    const assigner = new ScriptedAssigner(true);
    const { h } = await harness({ assigner, trigger: new ScriptedTrigger(), lateTag });
    h.processWatermark(0);
    h.processElement(0, 5);
    assert.deepEqual(h.sideOutput(lateTag), [], 'no windows, not late: nothing on the side');
    h.processWatermark(20);
    assigner.windows = [w(0, 0)];
    h.processElement(0, 5);
    assert.deepEqual(h.sideOutput(lateTag), [{ value: 0, timestamp: 5 }]);
    assigner.windows = [];
    h.processElement(0, 10);
    assert.deepEqual(h.sideOutput(lateTag), [
      { value: 0, timestamp: 5 },
      { value: 0, timestamp: 10 },
    ]);
  });

  test('testSideOutput: a window function side output carries the window maxTimestamp', async () => {
    const intTag = new OutputTag<unknown>('int-out');
    const longTag = new OutputTag<unknown>('long-out');
    const assigner = new ScriptedAssigner(true);
    assigner.windows = [w(0, 42)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    trigger.onElementScript = () => TriggerResult.FIRE;
    const fn = new RecordingFunction();
    fn.log.processScript = (ctx) => {
      ctx.output(intTag, 17);
      ctx.output(longTag, 17n);
    };
    const { h } = await harness({ assigner, trigger, fn }, [intTag, longTag]);
    h.processElement(17, 5);
    assert.deepEqual(h.sideOutput(intTag), [{ value: 17, timestamp: 41 }]);
    assert.deepEqual(h.sideOutput(longTag), [{ value: 17n, timestamp: 41 }]);
  });

  test('testAssignerIsInvokedOncePerElement / testAssignerWithMultipleWindows / testOnElementCalledPerWindow', async () => {
    const assigner = new ScriptedAssigner(true);
    const trigger = new ScriptedTrigger<TimeWindow>();
    const { h, fn } = await harness({ assigner, trigger });
    assigner.windows = [w(0, 0)];
    h.processElement(0, 0);
    h.processElement(0, 0);
    assert.equal(assigner.calls.length, 2);
    assigner.windows = [w(2, 4), w(0, 2)];
    trigger.onElementScript = () => TriggerResult.FIRE;
    h.processElement(42, 1);
    assert.equal(fn.count(42, w(0, 2), [42]), 1);
    assert.equal(fn.count(42, w(2, 4), [42]), 1);
    assert.deepEqual(trigger.elementCalls.slice(2).map(([e, t, win]) => [e, t, String(win)]), [
      [42, 1, String(w(2, 4))],
      [42, 1, String(w(0, 2))],
    ]);
  });

  test('testWindowsDontInterfere', async () => {
    const assigner = new ScriptedAssigner(true);
    const trigger = new ScriptedTrigger<TimeWindow>();
    const { h, fn } = await harness({ assigner, trigger });
    assigner.windows = [w(0, 2)];
    h.processElement(0, 0);
    assigner.windows = [w(0, 1)];
    h.processElement(1, 0);
    assert.equal(h.records().length, 0);
    assert.equal(numKeyedStateEntries(h), 2);
    assert.equal(h.timers.eventTimeTimerCount, 2);
    trigger.onElementScript = () => TriggerResult.FIRE;
    h.processElement(1, 0);
    assigner.windows = [w(0, 2)];
    h.processElement(0, 0);
    assert.equal(fn.calls.length, 2);
    assert.equal(fn.count(0, w(0, 2), [0, 0]), 1);
    assert.equal(fn.count(1, w(0, 1), [1, 1]), 1);
  });

  test('testEmittingFromWindowFunction: results carry the window maxTimestamp', async () => {
    const assigner = new ScriptedAssigner(true);
    assigner.windows = [w(0, 2)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    trigger.onElementScript = () => TriggerResult.FIRE;
    const fn = new RecordingFunction();
    fn.log.processScript = (_c, out) => {
      out.collect('Hallo');
      out.collect('Ciao');
    };
    const { h } = await harness({ assigner, trigger, fn });
    h.processElement(0, 0);
    assert.deepEqual(h.records(), [
      { value: 'Hallo', timestamp: 1 },
      { value: 'Ciao', timestamp: 1 },
    ]);
  });

  for (const d of [EVENT, PROCESSING]) {
    test(`testEmittingFromWindowFunctionOn${d.name}`, async () => {
      const assigner = new ScriptedAssigner(true);
      assigner.windows = [w(0, 2)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      trigger.onElementScript = (_e, _t, _w, ctx) => {
        d.register(ctx, 1);
        return TriggerResult.CONTINUE;
      };
      const fn = new RecordingFunction();
      fn.log.processScript = (_c, out) => {
        out.collect('Hallo');
        out.collect('Ciao');
      };
      const { h } = await harness({ assigner, trigger, fn });
      h.processElement(0, 0);
      assert.equal(fn.log.calls.length, 0);
      d.setTimeScript(trigger, TriggerResult.FIRE);
      d.advance(h, 1);
      assert.equal(fn.log.count(0, w(0, 2), [0]), 1);
      assert.deepEqual(h.records(), [
        { value: 'Hallo', timestamp: 1 },
        { value: 'Ciao', timestamp: 1 },
      ]);
    });
  }

  for (const [result, entries, fires] of [
    [TriggerResult.CONTINUE, 4, false],
    [TriggerResult.FIRE, 4, true],
    [TriggerResult.FIRE_AND_PURGE, 2, true],
    [TriggerResult.PURGE, 2, false],
  ] as const) {
    test(`testOnElement${result.name}: ${entries} state entries, 4 timers, trigger state stays, clear never called`, async () => {
      const assigner = new ScriptedAssigner(true);
      assigner.windows = [w(2, 4), w(0, 2)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      trigger.onElementScript = (_e, _t, win, ctx) => {
        ctx.registerEventTimeTimer(result === TriggerResult.PURGE ? 0 : win.end);
        ctx.getPartitionedState(valueState).update('hello');
        return result;
      };
      const { h, fn } = await harness({ assigner, trigger });
      h.processElement(0, 0);
      assert.equal(fn.calls.length, fires ? 2 : 0);
      if (fires) {
        assert.equal(fn.count(0, w(0, 2), [0]), 1);
        assert.equal(fn.count(0, w(2, 4), [0]), 1);
      }
      assert.equal(trigger.clearCalls.length, 0);
      assert.equal(numKeyedStateEntries(h), entries);
      assert.equal(h.timers.eventTimeTimerCount, 4);
    });
  }

  // Flink's RegularWindowOperatorContractTest.testReducingWindow: the contents are one folded
  // value per window, which the function gets when the trigger fires, and which stay after FIRE.
  test('testReducingWindow: each window fires its sum; FIRE keeps contents and trigger state', async () => {
    const assigner = new ScriptedAssigner(true);
    assigner.windows = [w(2, 4), w(0, 2)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    const contents: WindowContentsSpec = { kind: 'reduce', fn: (a, b) => (a as number) + (b as number) };
    const { h, fn } = await harness({ assigner, trigger, contents });
    h.processElement(1, 0);
    h.processElement(1, 0);
    assert.equal(fn.calls.length, 0);
    trigger.onElementScript = (_e, _t, win, ctx) => {
      ctx.registerEventTimeTimer(win.end);
      ctx.getPartitionedState(valueState).update('hello');
      return TriggerResult.FIRE;
    };
    h.processElement(1, 0);
    assert.equal(fn.calls.length, 2);
    assert.equal(fn.count(1, w(0, 2), [3]), 1);
    assert.equal(fn.count(1, w(2, 4), [3]), 1);
    assert.equal(trigger.clearCalls.length, 0);
    assert.equal(numKeyedStateEntries(h), 4, 'window contents plus trigger state');
    assert.equal(h.timers.eventTimeTimerCount, 4, 'trigger timers and cleanup timers');
  });

  for (const d of [EVENT, PROCESSING]) {
    for (const [result, entries, fires] of [
      [TriggerResult.CONTINUE, 4, false],
      [TriggerResult.FIRE, 4, true],
      [TriggerResult.FIRE_AND_PURGE, 2, true],
      [TriggerResult.PURGE, 2, false],
    ] as const) {
      test(`testOn${d.name}${result.name}`, async () => {
        const assigner = new ScriptedAssigner(d.eventTime);
        // Flink's testOnTimePurge uses windows [2,4) and [4,6) and a timer at 1, the others [2,4), [0,2) and 0.
        const purge = result === TriggerResult.PURGE;
        assigner.windows = purge ? [w(2, 4), w(4, 6)] : [w(2, 4), w(0, 2)];
        const at = purge ? 1 : 0;
        const trigger = new ScriptedTrigger<TimeWindow>();
        const { h, fn } = await harness({ assigner, trigger });
        d.advance(h, MIN_TIMESTAMP);
        trigger.onElementScript = (_e, _t, _w, ctx) => {
          d.register(ctx, at);
          ctx.getPartitionedState(valueState).update('hello');
          return TriggerResult.CONTINUE;
        };
        d.setTimeScript(trigger, result);
        h.processElement(0, 0);
        assert.equal(numKeyedStateEntries(h), 4);
        assert.equal(d.timers(h), 4);
        d.advance(h, at);
        assert.equal(fn.calls.length, fires ? 2 : 0);
        if (fires) {
          assert.equal(fn.count(0, w(0, 2), [0]), 1);
          assert.equal(fn.count(0, w(2, 4), [0]), 1);
        }
        assert.equal(trigger.clearCalls.length, 0);
        assert.equal(numKeyedStateEntries(h), entries);
        assert.equal(d.timers(h), 2, 'only the cleanup timers left');
        assert.equal(h.records().length, 0);
      });
    }

    test(`testNo${d.name}FiringForPurgedWindow`, async () => {
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(2, 4)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h, fn } = await harness({ assigner, trigger });
      d.advance(h, MIN_TIMESTAMP);
      trigger.onElementScript = (_e, _t, _w, ctx) => {
        d.register(ctx, 0);
        return TriggerResult.PURGE;
      };
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 0);
      assert.equal(d.timers(h), 2);
      d.advance(h, 0);
      assert.equal(d.callbacks(trigger).length, 1);
      assert.equal(fn.calls.length, 0);
      assert.equal(d.timers(h), 1);
    });

    test(`testNo${d.name}FiringForPurgedMergingWindow`, async () => {
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      assigner.windows = [w(2, 4)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h, fn } = await harness({ assigner, trigger });
      d.advance(h, MIN_TIMESTAMP);
      trigger.onElementScript = (_e, _t, _w, ctx) => {
        d.register(ctx, 0);
        return TriggerResult.PURGE;
      };
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 1, 'just the merging window set');
      assert.equal(d.timers(h), 2);
      d.advance(h, 0);
      assert.equal(d.callbacks(trigger).length, 1);
      assert.equal(fn.calls.length, 0);
      assert.equal(d.timers(h), 1);
    });

    test(`testNo${d.name}FiringForGarbageCollectedMergingWindow`, async () => {
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      assigner.windows = [w(2, 4)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h, fn } = await harness({ assigner, trigger });
      d.advance(h, MIN_TIMESTAMP);
      trigger.onElementScript = (_e, _t, _w, ctx) => {
        d.register(ctx, 10);
        return TriggerResult.CONTINUE;
      };
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 2);
      assert.equal(d.timers(h), 2);
      d.advance(h, 4);
      assert.equal(trigger.clearCalls.length, 1);
      assert.equal(numKeyedStateEntries(h), 0);
      assert.equal(d.timers(h), 1, 'a dangling timer: the trigger does not clean up');
      assert.equal(d.callbacks(trigger).length, 1);
      assert.equal(fn.calls.length, 0);
      d.advance(h, 10);
      assert.equal(d.callbacks(trigger).length, 1, 'the window is gone: no callback');
    });

    test(`test${d.name}TimerCreationAndDeletion`, async () => {
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(0, 2)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h } = await harness({ assigner, trigger });
      assert.equal(d.timers(h), 0);
      const on = (f: (ctx: TriggerContext) => void) => {
        trigger.onElementScript = (_e, _t, _w, ctx) => {
          f(ctx);
          return TriggerResult.CONTINUE;
        };
        h.processElement(0, 0);
      };
      on((ctx) => d.register(ctx, 17));
      assert.equal(d.timers(h), 2);
      on((ctx) => d.register(ctx, 42));
      assert.equal(d.timers(h), 3);
      on((ctx) => d.remove(ctx, 42));
      on((ctx) => d.remove(ctx, 17));
      assert.equal(d.timers(h), 1);
    });

    test(`test${d.name}TimerFiring / DeletedTimerDoesNotFire`, async () => {
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(0, 100)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h } = await harness({ assigner, trigger });
      for (const t of [1, 17, 42]) {
        trigger.onElementScript = (_e, _t, _w, ctx) => {
          d.register(ctx, t);
          return TriggerResult.CONTINUE;
        };
        h.processElement(0, 0);
      }
      assert.equal(d.timers(h), 4);
      d.advance(h, 1);
      assert.deepEqual(d.callbacks(trigger).map(([t]) => t), [1]);
      assert.equal(d.timers(h), 3);
      d.advance(h, 15);
      assert.equal(d.callbacks(trigger).length, 1);
      d.advance(h, 42);
      assert.deepEqual(d.callbacks(trigger).map(([t]) => t), [1, 17, 42]);
      assert.equal(d.timers(h), 1);

      const assigner2 = new ScriptedAssigner(d.eventTime);
      assigner2.windows = [w(0, 100)];
      const trigger2 = new ScriptedTrigger<TimeWindow>();
      const { h: h2 } = await harness({ assigner: assigner2, trigger: trigger2 });
      const on = (f: (ctx: TriggerContext) => void) => {
        trigger2.onElementScript = (_e, _t, _w, ctx) => {
          f(ctx);
          return TriggerResult.CONTINUE;
        };
        h2.processElement(0, 0);
      };
      on((ctx) => d.register(ctx, 1));
      on((ctx) => d.remove(ctx, 1));
      assert.equal(d.timers(h2), 1);
      on((ctx) => d.register(ctx, 2));
      d.advance(h2, 50);
      assert.deepEqual(d.callbacks(trigger2).map(([t, win]) => [t, String(win)]), [[2, String(w(0, 100))]]);
      assert.equal(d.timers(h2), 1);
    });

    test(`test${d.name}WindowsAreMergedEagerly`, async () => {
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      const trigger = timerAndStateTrigger(d);
      const { h } = await harness({ assigner, trigger });
      d.advance(h, MIN_TIMESTAMP);
      assigner.windows = [w(0, 2)];
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 3);
      assert.equal(d.timers(h), 2);
      assigner.windows = [w(2, 4)];
      assigner.mergeScript = shouldMerge([w(0, 2), w(2, 4)], [w(0, 2), w(2, 4)], w(0, 4));
      trigger.onElementScript = () => TriggerResult.CONTINUE;
      h.processElement(0, 0);
      assert.deepEqual(trigger.mergeCalls.map(String), [String(w(0, 4))]);
      assert.equal(numKeyedStateEntries(h), 3);
      assert.equal(d.timers(h), 2);
    });

    test(`testRejectShrinkingMerging${d.name}Windows`, async () => {
      const lateness = d.eventTime ? 10 : 0;
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h } = await harness({ assigner, trigger, lateness });
      d.advance(h, 0);
      assigner.windows = [w(0, 22)];
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 2);
      assert.equal(d.timers(h), 1);
      assigner.windows = [w(0, 25)];
      d.advance(h, 20);
      assert.equal(numKeyedStateEntries(h), 2);
      assert.equal(d.timers(h), 1);
      assigner.mergeScript = shouldMerge([w(0, 22), w(0, 25)], [w(0, 22), w(0, 25)], w(0, 20 - lateness + 2));
      h.processElement(0, 0);
      assigner.windows = [w(0, 25)];
      assigner.mergeScript = shouldMerge([w(0, 20 - lateness + 2), w(0, 25)], [w(0, 20 - lateness + 2), w(0, 25)], w(0, 20 - lateness + 1));
      assert.throws(() => h.processElement(0, 0), /cannot become earlier than the current/);
    });

    test(`testMergingOfExisting${d.name}Windows: one state window kept, merged windows' cleanup timers deleted`, async () => {
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      const trigger = timerAndStateTrigger(d);
      const { h } = await harness({ assigner, trigger });
      d.advance(h, MIN_TIMESTAMP);
      assigner.windows = [w(0, 2)];
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 3);
      assert.equal(d.timers(h), 2);
      assigner.windows = [w(2, 4)];
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 5);
      assert.equal(d.timers(h), 4);
      assigner.windows = [w(1, 3)];
      assigner.mergeScript = shouldMerge([w(0, 2), w(2, 4), w(1, 3)], [w(0, 2), w(2, 4), w(1, 3)], w(0, 4));
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 3);
      assert.equal(d.timers(h), 2);
      assert.equal(h.records().length, 0);
    });

    test(`testOn${d.name}PurgeDoesNotCleanupMergingSet`, async () => {
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      assigner.windows = [w(0, 4)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h } = await harness({ assigner, trigger });
      trigger.onElementScript = (_e, _t, _w, ctx) => {
        d.register(ctx, 1);
        return TriggerResult.CONTINUE;
      };
      h.processElement(0, 0);
      d.setTimeScript(trigger, TriggerResult.PURGE);
      assert.equal(numKeyedStateEntries(h), 2);
      assert.equal(d.timers(h), 2);
      d.advance(h, 1);
      assert.equal(numKeyedStateEntries(h), 1, 'the merging window set');
      assert.equal(d.timers(h), 1);
      assert.equal(h.records().length, 0);
    });

    test(`testNo${d.name}GarbageCollectionTimerForGlobalWindow`, async () => {
      const trigger = new ScriptedTrigger<GlobalWindow>();
      const { h } = await harness({ assigner: new GlobalAssigner(d.eventTime), trigger });
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 1);
      assert.equal(h.timers.eventTimeTimerCount, 0);
      assert.equal(h.timers.processingTimeTimerCount, 0);
    });

    test(`test${d.name}GarbageCollectionTimer: the trigger still fires at the cleanup time, then clear`, async () => {
      const lateness = d.eventTime ? 20 : 0;
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(0, 20)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h, fn } = await harness({ assigner, trigger, lateness });
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 1);
      assert.equal(d.timers(h), 1);
      assert.equal(d.otherTimers(h), 0);
      d.setTimeScript(trigger, TriggerResult.FIRE);
      d.advance(h, 19 + lateness);
      assert.deepEqual(d.callbacks(trigger).map(([t]) => t), [19 + lateness]);
      assert.equal(fn.count(0, w(0, 20), [0]), 1);
      assert.equal(trigger.clearCalls.length, 1);
      assert.equal(d.timers(h), 0);
      assert.equal(d.otherTimers(h), 0);
    });

    test(`test${d.name}TriggerTimerAndGarbageCollectionTimerCoincide`, async () => {
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(0, 20)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      const { h } = await harness({ assigner, trigger });
      trigger.onElementScript = (_e, _t, _w, ctx) => {
        d.register(ctx, 19);
        return TriggerResult.CONTINUE;
      };
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 1);
      assert.equal(d.timers(h), 1);
      d.advance(h, 19);
      assert.equal(trigger.clearCalls.length, 1);
      assert.equal(d.callbacks(trigger).length, 1);
      assert.equal(d.timers(h), 0);
      assert.equal(d.otherTimers(h), 0);
    });

    for (const [kind, purge, merging] of [
      ['', false, false],
      ['WithPurgingTrigger', true, false],
      ['WithPurgingTriggerAndMergingWindows', true, true],
    ] as const) {
      test(`testStateAndTimerCleanupAt${d.name}GarbageCollection${kind}`, async () => {
        const assigner = merging ? new ScriptedMergingAssigner(d.eventTime) : new ScriptedAssigner(d.eventTime);
        assigner.windows = [w(0, 20)];
        const trigger = new ScriptedTrigger<TimeWindow>();
        const { h } = await harness({ assigner, trigger, lateness: 20 });
        trigger.onElementScript = (_e, _t, _w, ctx) => {
          d.register(ctx, 1000);
          ctx.getPartitionedState(valueState).update('hello');
          return purge ? TriggerResult.PURGE : TriggerResult.CONTINUE;
        };
        trigger.clearScript = (_w, ctx) => {
          d.remove(ctx, 1000);
          ctx.getPartitionedState(valueState).clear();
        };
        h.processElement(0, 0);
        assert.equal(trigger.clearCalls.length, 0);
        assert.equal(numKeyedStateEntries(h), purge ? (merging ? 2 : 1) : 2);
        assert.equal(d.timers(h), 2);
        assert.equal(d.otherTimers(h), 0);
        // Processing time has no lateness: its cleanup is at 19, passed on the way to 39.
        d.advance(h, 19 + 20);
        assert.equal(trigger.clearCalls.length, 1);
        assert.equal(numKeyedStateEntries(h), 0);
        assert.equal(d.timers(h), 0);
        assert.equal(d.otherTimers(h), 0);
      });
    }

    test(`testMergingWindowSetClearedAt${d.name}GarbageCollection`, async () => {
      const assigner = new ScriptedMergingAssigner(d.eventTime);
      assigner.windows = [w(0, 20)];
      const { h } = await harness({ assigner, trigger: new ScriptedTrigger<TimeWindow>(), lateness: 20 });
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 2);
      assert.equal(d.timers(h), 1);
      d.advance(h, 19 + 20);
      assert.equal(numKeyedStateEntries(h), 0);
      assert.equal(d.timers(h), 0);
    });

    test(`testPerWindowStateSetAndClearedOn${d.name}Purge`, async () => {
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(0, 20)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      trigger.onElementScript = () => TriggerResult.FIRE;
      const fn = new RecordingFunction();
      fn.log.processScript = (ctx) => ctx.windowState().getState(valueState).update('hello');
      fn.log.clearScript = (ctx) => ctx.windowState().getState(valueState).clear();
      const { h } = await harness({ assigner, trigger, fn, lateness: 20 });
      h.processElement(0, 0);
      assert.equal(numKeyedStateEntries(h), 2);
      assert.equal(d.timers(h), 1);
      d.advance(h, 19 + 20);
      assert.equal(numKeyedStateEntries(h), 0);
      assert.equal(d.timers(h), 0);
    });

    test(`test${d.name}Querying: the function's context sees the current time, in process and in clear`, async () => {
      const assigner = new ScriptedAssigner(d.eventTime);
      assigner.windows = [w(0, 20)];
      const trigger = new ScriptedTrigger<TimeWindow>();
      trigger.onElementScript = () => TriggerResult.FIRE;
      const fn = new RecordingFunction();
      const seen: number[] = [];
      const now = (ctx: ProcessWindowContext<Window>) => (d.eventTime ? ctx.currentWatermark() : ctx.currentProcessingTime());
      fn.log.processScript = (ctx) => void seen.push(now(ctx));
      fn.log.clearScript = (ctx) => void seen.push(now(ctx));
      const { h } = await harness({ assigner, trigger, fn, lateness: 20 });
      d.advance(h, 10);
      h.processElement(0, 0);
      assert.equal(fn.log.calls.length, 1);
      d.advance(h, 100);
      assert.equal(fn.log.clears.length, 1);
      assert.deepEqual(seen, [10, 100]);
    });
  }

  test('testMergeWindowsIsCalled', async () => {
    const assigner = new ScriptedMergingAssigner(true);
    assigner.windows = [w(2, 4), w(0, 2)];
    const { h } = await harness({ assigner, trigger: new ScriptedTrigger<TimeWindow>() });
    h.processElement(0, 0);
    assert.equal(assigner.mergeCalls.length, 2);
    assert.deepEqual(assigner.mergeCalls[0]!.map(String), [String(w(2, 4))]);
  });

  test('testOnElementPurgeDoesNotCleanupMergingSet', async () => {
    const assigner = new ScriptedMergingAssigner(true);
    assigner.windows = [w(0, 2)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    trigger.onElementScript = () => TriggerResult.PURGE;
    const { h } = await harness({ assigner, trigger });
    h.processElement(0, 0);
    assert.equal(numKeyedStateEntries(h), 1);
    assert.equal(h.timers.eventTimeTimerCount, 1);
    assert.equal(h.output.length, 0);
  });

  test('testNoEventTimeGarbageCollectionTimerForLongMax / testProcessingTimeGarbageCollectionTimerIsAlwaysWindowMaxTimestamp', async () => {
    const MAX = Number.MAX_SAFE_INTEGER;
    const a1 = new ScriptedAssigner(true);
    a1.windows = [w(0, MAX - 10)];
    const { h: h1 } = await harness({ assigner: a1, trigger: new ScriptedTrigger<TimeWindow>(), lateness: 20 });
    h1.processElement(0, 0);
    assert.equal(numKeyedStateEntries(h1), 1);
    assert.equal(h1.timers.eventTimeTimerCount, 0);
    assert.equal(h1.timers.processingTimeTimerCount, 0);

    const a2 = new ScriptedAssigner(false);
    a2.windows = [w(0, MAX - 10)];
    const t2 = new ScriptedTrigger<TimeWindow>();
    const { h: h2 } = await harness({ assigner: a2, trigger: t2, lateness: 20 });
    h2.processElement(0, 0);
    assert.equal(numKeyedStateEntries(h2), 1);
    assert.equal(h2.timers.eventTimeTimerCount, 0);
    assert.equal(h2.timers.processingTimeTimerCount, 1);
    assert.equal(t2.clearCalls.length, 0);
    h2.setProcessingTime(MAX - 10);
    assert.equal(t2.clearCalls.length, 1);
    assert.equal(h2.timers.processingTimeTimerCount, 0);
  });

  test('testProcessingElementsWithinAllowedLateness / testLateWindowDropping', async () => {
    const assigner = new ScriptedAssigner(true);
    assigner.windows = [w(0, 2)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    trigger.onElementScript = () => TriggerResult.FIRE;
    const { h, fn } = await harness({ assigner, trigger, lateness: 20 });
    h.processWatermark(20);
    h.processElement(0, 0);
    assert.equal(fn.count(0, w(0, 2), [0]), 1);
    assert.equal(trigger.clearCalls.length, 0);
    assert.equal(numKeyedStateEntries(h), 1);
    assert.equal(h.timers.eventTimeTimerCount, 1, 'just the cleanup timer');

    const { h: h2, fn: fn2 } = await harness({ assigner, trigger, lateness: 20 });
    h2.processWatermark(21);
    h2.processElement(0, 0);
    assert.equal(numKeyedStateEntries(h2), 0);
    assert.equal(h2.timers.eventTimeTimerCount, 0);
    assert.equal(h2.timers.processingTimeTimerCount, 0);
    assert.equal(fn2.calls.length, 0);
  });

  test('testStateSnapshotAndRestore: merging windows, their trigger state and timers survive a restore', async () => {
    const assigner = new ScriptedMergingAssigner(true);
    assigner.windows = [w(2, 4), w(0, 2)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    trigger.onElementScript = (_e, _t, _w, ctx) => {
      ctx.registerEventTimeTimer(0);
      ctx.getPartitionedState(valueState).update('hello');
      return TriggerResult.CONTINUE;
    };
    trigger.onEventTimeScript = () => TriggerResult.FIRE_AND_PURGE;
    const { h } = await harness({ assigner, trigger });
    h.processElement(0, 0);
    assert.equal(numKeyedStateEntries(h), 5);
    assert.equal(h.timers.eventTimeTimerCount, 4);
    const snapshot = h.snapshot();

    const trigger2 = new ScriptedTrigger<TimeWindow>();
    trigger2.clearScript = (_w, ctx) => {
      ctx.deleteEventTimeTimer(0);
      ctx.getPartitionedState(valueState).clear();
    };
    trigger2.onEventTimeScript = (time) => (time === 0 ? TriggerResult.FIRE : TriggerResult.CONTINUE);
    const fn2f = new RecordingFunction();
    const fn2 = fn2f.log;
    const spec: WindowOperatorSpec = {
      assigner: new ScriptedMergingAssigner(true) as WindowAssigner<unknown, Window>,
      windows: assignedWindows(new ScriptedMergingAssigner(true) as WindowAssigner<unknown, Window>),
      trigger: trigger2 as Trigger<unknown, Window>,
      evictor,
      allowedLateness: 0,
      lateDataTag: undefined,
      contents: { kind: 'elements' },
      function: { kind: 'process', fn: fn2f as never },
    };
    const h2 = await new WindowHarness(spec, (v: unknown) => v, { restore: snapshot }).open();
    assert.equal(numKeyedStateEntries(h2), 5);
    assert.equal(h2.timers.eventTimeTimerCount, 4);
    h2.processWatermark(20);
    assert.equal(trigger2.clearCalls.length, 2);
    assert.equal(fn2.calls.length, 2);
    assert.equal(fn2.count(0, w(0, 2), [0]), 1);
    assert.equal(fn2.count(0, w(2, 4), [0]), 1);
    assert.equal(trigger2.eventTimeCalls.length, 4, 'also called for the cleanup timers');
    assert.equal(numKeyedStateEntries(h2), 0);
    assert.equal(h2.timers.eventTimeTimerCount, 0);
  });

  test('testWindowStateNotAvailableToMergingWindows', async () => {
    const assigner = new ScriptedMergingAssigner(true);
    assigner.windows = [w(0, 20)];
    const trigger = new ScriptedTrigger<TimeWindow>();
    trigger.onElementScript = () => TriggerResult.FIRE;
    const fn = new RecordingFunction();
    fn.log.processScript = (ctx) => ctx.windowState().getState(valueState).update('hello');
    const { h } = await harness({ assigner, trigger, fn, lateness: 20 });
    assert.throws(() => h.processElement(0, 0), /Per-window state is not allowed when using merging windows/);
  });
});
