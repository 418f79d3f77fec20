import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration, MAX_TIMESTAMP, MIN_TIMESTAMP, Time } from '../../src/util/time.js';
import {
  ContinuousEventTimeTrigger,
  ContinuousProcessingTimeTrigger,
  DeltaTrigger,
  CountTrigger,
  EndOfStreamTrigger,
  EventTimeTrigger,
  GlobalWindow,
  GlobalWindowSerializer,
  NeverTrigger,
  type OnMergeContext,
  ProcessingTimeTrigger,
  PurgingTrigger,
  TimeWindow,
  TimeWindowBoundsSerializer,
  Trigger,
  type TriggerContext,
  TriggerResult,
  type Window,
} from '../../src/windowing/index.js';
import { ConstantTrigger } from './constant-trigger.js';
import { TriggerHarness } from './trigger-harness.js';

const { CONTINUE, FIRE, PURGE, FIRE_AND_PURGE } = TriggerResult;
const w = (start: number, end: number) => new TimeWindow(start, end);
const W02 = w(0, 2);
const W24 = w(2, 4);
const W04 = w(0, 4);

/** Counts to check: all state entries / per window, all timers / per window. */
interface Counts {
  state?: number;
  stateOf?: Array<[Window, number]>;
  event?: number;
  eventOf?: Array<[Window, number]>;
  processing?: number;
  processingOf?: Array<[Window, number]>;
}

/**
 * One step of a trigger script, after Flink's TriggerTestHarness calls. Elements without a
 * timestamp get MIN_TIMESTAMP, as Flink's StreamRecord without one does.
 */
type Step =
  | ['element', Window, TriggerResult, number?]
  | ['watermark', number, Array<[Window, TriggerResult]>?]
  | ['time', number, Array<[Window, TriggerResult]>?]
  | ['merge', Window, Window[]]
  | ['clear', Window]
  | ['onEventTime', number, Window, TriggerResult]
  | ['counts', Counts];

function run(trigger: Trigger<unknown, Window>, steps: Step[], serializer = TimeWindowBoundsSerializer.INSTANCE as never): void {
  const h = new TriggerHarness<unknown, Window>(trigger, serializer);
  const show = (firings: Array<[Window, TriggerResult]>) => firings.map(([win, r]) => `${String(win)} ${r.name}`);
  steps.forEach((step, i) => {
    const at = `step ${i + 1} (${step[0]})`;
    switch (step[0]) {
      case 'element':
        assert.equal(h.processElement('e', step[3] ?? MIN_TIMESTAMP, step[1]), step[2], at);
        break;
      case 'watermark':
        assert.deepEqual(show(h.advanceWatermark(step[1])), show(step[2] ?? []), at);
        break;
      case 'time':
        assert.deepEqual(show(h.advanceProcessingTime(step[1])), show(step[2] ?? []), at);
        break;
      case 'merge':
        h.mergeWindows(step[1], step[2]);
        break;
      case 'clear':
        h.clearTriggerState(step[1]);
        break;
      case 'onEventTime':
        assert.equal(h.invokeOnEventTime(step[1], step[2]), step[3], at);
        break;
      case 'counts': {
        const c = step[1];
        if (c.state !== undefined) assert.equal(h.numStateEntries(), c.state, `${at}: state entries`);
        for (const [win, n] of c.stateOf ?? []) assert.equal(h.numStateEntries(win), n, `${at}: state entries of ${String(win)}`);
        if (c.event !== undefined) assert.equal(h.numEventTimeTimers(), c.event, `${at}: event-time timers`);
        for (const [win, n] of c.eventOf ?? []) assert.equal(h.numEventTimeTimers(win), n, `${at}: event-time timers of ${String(win)}`);
        if (c.processing !== undefined) assert.equal(h.numProcessingTimeTimers(), c.processing, `${at}: processing-time timers`);
        for (const [win, n] of c.processingOf ?? []) assert.equal(h.numProcessingTimeTimers(win), n, `${at}: processing-time timers of ${String(win)}`);
        break;
      }
    }
  });
}

type Script = [string, () => Trigger<unknown, Window>, Step[]];

function scripts(name: string, cases: Script[]): void {
  describe(name, () => {
    for (const [title, make, steps] of cases) test(title, () => run(make(), steps));
  });
}

// Flink EventTimeTriggerTest.
scripts('EventTimeTrigger', [
  ['windows are separate and fire when the watermark passes their end', () => EventTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W02, CONTINUE], ['element', W02, CONTINUE], ['element', W24, CONTINUE], ['element', W24, CONTINUE],
    ['counts', { state: 0, processing: 0, event: 2, eventOf: [[W02, 1], [W24, 1]] }],
    ['watermark', 2, [[W02, FIRE]]],
    ['counts', { state: 0, processing: 0, event: 1, eventOf: [[W02, 0], [W24, 1]] }],
    ['watermark', 4, [[W24, FIRE]]],
    ['counts', { state: 0, processing: 0, event: 0 }],
  ]],
  ['a late element fires at once and sets no timer', () => EventTimeTrigger.create(), [
    ['watermark', 2],
    ['element', W02, FIRE],
    ['counts', { state: 0, processing: 0, event: 0 }],
  ]],
  ['a watermark exactly at maxTimestamp makes the window late', () => EventTimeTrigger.create(), [
    ['watermark', 1],
    ['element', W02, FIRE],
    ['element', W24, CONTINUE],
  ]],
  ['clear does not leak across windows', () => EventTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['counts', { event: 2, eventOf: [[W02, 1], [W24, 1]] }],
    ['clear', W24],
    ['counts', { state: 0, event: 1, eventOf: [[W02, 1], [W24, 0]] }],
    ['clear', W02],
    ['counts', { state: 0, event: 0, processing: 0 }],
  ]],
  ['merging moves the timer to the merged window', () => EventTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['merge', W04, [W02, W24]],
    ['counts', { state: 0, processing: 0, event: 1, eventOf: [[W02, 0], [W24, 0], [W04, 1]] }],
    ['watermark', 4, [[W04, FIRE]]],
    ['counts', { event: 0 }],
  ]],
  ['merging late windows sets no timer (it would fire twice)', () => EventTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['watermark', 10, [[W02, FIRE], [W24, FIRE]]],
    ['counts', { event: 0 }],
    ['merge', W04, [W02, W24]],
    ['counts', { state: 0, processing: 0, event: 0, eventOf: [[W04, 0]] }],
  ]],
  ['a timer other than the window end does not fire', () => EventTimeTrigger.create(), [['onEventTime', 0, W02, CONTINUE], ['onEventTime', 1, W02, FIRE]]],
]);

// Flink ProcessingTimeTriggerTest.
scripts('ProcessingTimeTrigger', [
  ['windows are separate and fire when the clock passes their end', () => ProcessingTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W02, CONTINUE], ['element', W02, CONTINUE], ['element', W24, CONTINUE], ['element', W24, CONTINUE],
    ['counts', { state: 0, event: 0, processing: 2, processingOf: [[W02, 1], [W24, 1]] }],
    ['time', 2, [[W02, FIRE]]],
    ['counts', { processing: 1, processingOf: [[W02, 0], [W24, 1]] }],
    ['time', 4, [[W24, FIRE]]],
    ['counts', { state: 0, event: 0, processing: 0 }],
  ]],
  ['clear does not leak across windows', () => ProcessingTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['clear', W24],
    ['counts', { processing: 1, processingOf: [[W02, 1], [W24, 0]] }],
    ['clear', W02],
    ['counts', { state: 0, event: 0, processing: 0 }],
  ]],
  ['merging moves the timer to the merged window', () => ProcessingTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['merge', W04, [W02, W24]],
    ['counts', { state: 0, event: 0, processing: 1, processingOf: [[W02, 0], [W24, 0], [W04, 1]] }],
    ['time', 4, [[W04, FIRE]]],
    ['counts', { processing: 0 }],
  ]],
  ['merging windows the clock has passed sets no timer', () => ProcessingTimeTrigger.create(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['time', 10, [[W02, FIRE], [W24, FIRE]]],
    ['merge', W04, [W02, W24]],
    ['counts', { processing: 0 }],
  ]],
]);

// Flink CountTriggerTest.
scripts('CountTrigger.of(3)', [
  ['counts per window, fires at the third element and starts over', () => CountTrigger.of(3), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['counts', { processing: 0, event: 0, state: 2, stateOf: [[W02, 1], [W24, 1]] }],
    ['element', W02, CONTINUE], ['element', W02, FIRE], ['element', W24, CONTINUE],
    ['counts', { state: 1, stateOf: [[W02, 0], [W24, 1]] }],
    ['element', W24, FIRE],
    ['counts', { state: 0 }],
  ]],
  ['clear does not leak across windows', () => CountTrigger.of(3), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['clear', W24],
    ['counts', { state: 1, stateOf: [[W02, 1], [W24, 0]] }],
    ['clear', W02],
    ['counts', { state: 0 }],
  ]],
  ['merging sums the counts', () => CountTrigger.of(3), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE], ['element', w(4, 6), CONTINUE],
    ['counts', { state: 3 }],
    ['merge', W04, [W02, W24]],
    ['counts', { state: 2, stateOf: [[W02, 0], [W24, 0], [W04, 1], [w(4, 6), 1]] }],
    ['element', W04, FIRE],
    ['counts', { state: 1, stateOf: [[W04, 0], [w(4, 6), 1]] }],
    ['element', w(4, 6), CONTINUE], ['element', w(4, 6), FIRE],
    ['counts', { state: 0 }],
  ]],
  ['merging into a window that subsumes both', () => CountTrigger.of(3), [
    ['element', W24, CONTINUE], ['element', w(4, 6), CONTINUE],
    ['merge', w(0, 8), [W24, w(4, 6)]],
    ['counts', { state: 1, stateOf: [[W24, 0], [w(4, 6), 0], [w(0, 8), 1]] }],
    ['element', w(0, 8), FIRE],
    ['counts', { state: 0 }],
  ]],
]);

// Flink ContinuousEventTimeTriggerTest (elements without a timestamp, as there), with the
// fire time capped at the window's end (FLINK-20443).
const hourly = () => ContinuousEventTimeTrigger.of(Time.hours(1));
scripts('ContinuousEventTimeTrigger', [
  ['a timer for a window without trigger state does nothing', () => ContinuousEventTimeTrigger.of(Duration.ofMillis(5)), [
    ['watermark', 10],
    ['element', W02, FIRE], // late: fires at once, keeps no state
    ['onEventTime', 20, W02, CONTINUE], // a cleanup timer
    ['counts', { state: 0, event: 0 }],
  ]],
  ['windows are separate; each fires at its end and at its fire time', () => hourly(), [
    ['element', W02, CONTINUE], ['element', W02, CONTINUE], ['element', W02, CONTINUE], ['element', W24, CONTINUE], ['element', W24, CONTINUE],
    ['counts', { state: 2, processing: 0, event: 4, eventOf: [[W02, 2], [W24, 2]] }],
    ['watermark', 2, [[W02, FIRE], [W24, FIRE], [W02, FIRE]]],
    ['counts', { state: 2, processing: 0, event: 3, eventOf: [[W02, 1], [W24, 2]] }],
    ['watermark', 4, [[W02, FIRE], [W24, FIRE], [W24, FIRE]]],
    ['counts', { state: 2, processing: 0, event: 2 }],
  ]],
  ['a late element fires at once and sets no timer', () => hourly(), [
    ['watermark', 2],
    ['element', W02, FIRE],
    ['counts', { state: 0, processing: 0, event: 0 }],
  ]],
  ['clear deletes the fire-time timer, not the end-of-window one', () => hourly(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['counts', { state: 2, event: 4, eventOf: [[W02, 2], [W24, 2]] }],
    ['clear', W24],
    ['counts', { state: 1, event: 3, eventOf: [[W02, 2], [W24, 1]] }],
    ['clear', W02],
    ['counts', { state: 0, processing: 0, event: 2 }],
  ]],
  ['merging keeps the earliest fire time and registers it for the merged window', () => hourly(), [
    ['element', W02, CONTINUE], ['element', W24, CONTINUE],
    ['merge', W04, [W02, W24]],
    ['counts', { state: 1, processing: 0, event: 5, eventOf: [[W02, 2], [W24, 2], [W04, 1]] }],
    ['watermark', 4, [[W02, CONTINUE], [W04, FIRE], [W24, CONTINUE], [W02, FIRE], [W24, FIRE]]],
    ['counts', { state: 1, processing: 0, event: 1 }],
  ]],
  ['fires every interval from the element rounded down, and at the end', () => ContinuousEventTimeTrigger.of(Duration.ofMillis(5)), [
    ['element', w(0, 20), CONTINUE, 7], // next fire 10
    ['element', w(0, 20), CONTINUE, 12], // already set
    ['watermark', 9],
    ['watermark', 10, [[w(0, 20), FIRE]]], // next 15
    ['watermark', 19, [[w(0, 20), FIRE], [w(0, 20), FIRE]]], // 15 (next capped at 19), then 19: end of window
    ['counts', { state: 1 }], // the fire time (19) stays until the window is cleared
  ]],
]);

// Flink ContinuousProcessingTimeTriggerTest, at the trigger: a tumbling window of 10 and
// sessions of gap 10, interval 5; `clear` where the window operator cleans the window up.
scripts('ContinuousProcessingTimeTrigger', [
  ['fires every interval and at the end of the window', () => ContinuousProcessingTimeTrigger.of(Duration.ofMillis(5)), [
    ['element', w(0, 10), CONTINUE], // clock 0: next fire 5
    ['time', 2], ['element', w(0, 10), CONTINUE],
    ['time', 5, [[w(0, 10), FIRE]]], // next capped at 9
    ['time', 7], ['element', w(0, 10), CONTINUE],
    ['time', 9, [[w(0, 10), FIRE]]],
    ['clear', w(0, 10)],
    ['time', 10], ['element', w(10, 20), CONTINUE], // next 15
    ['time', 15, [[w(10, 20), FIRE]]], // next capped at 19
    ['time', 18], ['element', w(10, 20), CONTINUE],
    ['time', 20, [[w(10, 20), FIRE]]],
  ]],
  ['a merged window keeps the fire time of the merged ones', () => ContinuousProcessingTimeTrigger.of(Duration.ofMillis(5)), [
    ['element', w(0, 10), CONTINUE], // next fire 5
    ['time', 2],
    ['merge', w(0, 12), [w(0, 10)]], // the element at 2 opened [2,12), which merged
    ['element', w(0, 12), CONTINUE],
    ['time', 5, [[w(0, 10), CONTINUE], [w(0, 12), FIRE]]], // the old window's timer finds no state
    ['time', 9],
    ['time', 10, [[w(0, 12), FIRE]]], // next capped at 11
    ['time', 15, [[w(0, 12), FIRE]]],
    ['clear', w(0, 12)],
    ['time', 100],
    ['counts', { state: 0, processing: 0 }],
  ]],
  ['ignores event time', () => ContinuousProcessingTimeTrigger.of(Duration.ofMillis(5)), [
    ['element', w(0, 10), CONTINUE], ['watermark', MAX_TIMESTAMP], ['counts', { event: 0, processing: 1 }],
  ]],
]);

describe('global window triggers', () => {
  const serializer = GlobalWindowSerializer.INSTANCE as never;
  const G = GlobalWindow.get();
  // Flink GlobalWindows.EndOfStreamTrigger: fires once, at the end-of-input watermark.
  test('EndOfStreamTrigger fires only at the end of time', () =>
    run(EndOfStreamTrigger.INSTANCE, [
      ['element', G, CONTINUE, 5], ['element', G, CONTINUE, 6],
      ['counts', { event: 1, eventOf: [[G, 1]] }],
      ['watermark', 1e15],
      ['watermark', MAX_TIMESTAMP, [[G, FIRE]]],
    ], serializer));
  test('NeverTrigger never fires', () =>
    run(NeverTrigger.INSTANCE, [['element', G, CONTINUE, 5], ['watermark', MAX_TIMESTAMP], ['time', MAX_TIMESTAMP], ['counts', { event: 0, processing: 0, state: 0 }]], serializer));
  test('CountTrigger works on the global window', () =>
    run(CountTrigger.of(2), [['element', G, CONTINUE], ['element', G, FIRE], ['element', G, CONTINUE]], serializer));
});

describe('PurgingTrigger', () => {
  /** Returns a fixed result, can merge, and records when it is cleared or merged. */
  class Scripted extends ConstantTrigger {
    readonly calls: string[] = [];
    override clear(): void {
      this.calls.push('clear');
    }
    override canMerge(): boolean {
      return true;
    }
    override onMerge(): void {
      this.calls.push('onMerge');
    }
  }
  const ctx = {} as TriggerContext;
  // Flink PurgingTriggerTest.testForwarding: FIRE becomes FIRE_AND_PURGE, the rest pass through.
  const cases: Array<[TriggerResult, TriggerResult]> = [
    [CONTINUE, CONTINUE],
    [FIRE, FIRE_AND_PURGE],
    [PURGE, PURGE],
    [FIRE_AND_PURGE, FIRE_AND_PURGE],
  ];
  for (const [nested, expected] of cases) {
    test(`${nested.name} → ${expected.name}`, () => {
      const t = PurgingTrigger.of(new Scripted(nested));
      assert.equal(t.onElement('e', 0, W02, ctx), expected);
      assert.equal(t.onEventTime(1, W02, ctx), expected);
      assert.equal(t.onProcessingTime(1, W02, ctx), expected);
    });
  }
  test('forwards clear, canMerge and onMerge', () => {
    const nested = new Scripted(CONTINUE);
    const t = PurgingTrigger.of(nested);
    t.clear(W02, ctx);
    t.onMerge(W04, ctx as OnMergeContext);
    assert.deepEqual(nested.calls, ['clear', 'onMerge']);
    assert.equal(t.canMerge(), true);
    assert.equal(PurgingTrigger.of(EndOfStreamTrigger.INSTANCE).canMerge(), false);
  });
});

describe('TriggerResult and trigger arguments', () => {
  test('isFire / isPurge', () => {
    assert.deepEqual([CONTINUE, FIRE, PURGE, FIRE_AND_PURGE].map((r) => [r.isFire(), r.isPurge()]), [[false, false], [true, false], [false, true], [true, true]]);
  });
  test('a trigger without merge support says so', () => {
    assert.equal(EndOfStreamTrigger.INSTANCE.canMerge(), false);
    class Plain extends Trigger<unknown, Window> {
      onElement() { return CONTINUE; }
      override onEventTime() { return CONTINUE; }
      override onProcessingTime() { return CONTINUE; }
      clear() {}
    }
    assert.throws(() => new Plain().onMerge(W04, {} as OnMergeContext), /Plain does not support merging/);
  });
  const bad: Array<[string, () => unknown, ErrorConstructor]> = [
    ['CountTrigger.of(0)', () => CountTrigger.of(0), RangeError],
    ['CountTrigger.of(1.5)', () => CountTrigger.of(1.5), RangeError],
    ['ContinuousEventTimeTrigger.of(0 ms)', () => ContinuousEventTimeTrigger.of(Duration.ZERO), RangeError],
    ['ContinuousProcessingTimeTrigger.of(-1 s)', () => ContinuousProcessingTimeTrigger.of(Time.seconds(-1)), RangeError],
    ['ContinuousEventTimeTrigger.of(5)', () => ContinuousEventTimeTrigger.of(5 as unknown as Duration), TypeError],
    ['PurgingTrigger.of(not a trigger)', () => PurgingTrigger.of({} as Trigger<unknown, Window>), TypeError],
  ];
  for (const [name, make, type] of bad) test(`${name} is refused`, () => assert.throws(make, type));
});

describe('DeltaTrigger', () => {
  const distance = (old: [number, number], now: [number, number]) => now[1] - old[1];

  test('fires when an element is more than the threshold past the last firing one, per window; clear drops it', () => {
    const h = new TriggerHarness(DeltaTrigger.of<[number, number], TimeWindow>(50, distance), TimeWindowBoundsSerializer.INSTANCE);
    assert.equal(h.processElement([0, 0], 0, W02), CONTINUE, 'the first element is the reference');
    assert.equal(h.processElement([1, 40], 1, W02), CONTINUE);
    assert.equal(h.processElement([2, 50], 2, W02), CONTINUE, 'exactly the threshold does not fire');
    assert.equal(h.processElement([3, 51], 3, W02), FIRE);
    assert.equal(h.processElement([4, 100], 4, W02), CONTINUE, 'measured from the firing element now');
    assert.equal(h.processElement([5, 102], 5, W02), FIRE);
    assert.equal(h.processElement([6, 500], 6, W24), CONTINUE, 'another window has its own reference');
    assert.equal(h.numStateEntries(), 2);
    h.clearTriggerState(W02);
    assert.equal(h.numStateEntries(W02), 0);
    assert.equal(h.numEventTimeTimers() + h.numProcessingTimeTimers(), 0);
    assert.equal(DeltaTrigger.of(1, distance).canMerge(), false);
    assert.equal(String(DeltaTrigger.of(50, { getDelta: distance })), 'DeltaTrigger(50)');
    assert.throws(() => DeltaTrigger.of(Number.NaN, distance), /DeltaTrigger.of needs a numeric threshold/);
    assert.throws(() => DeltaTrigger.of(1, {} as never), /DeltaTrigger.of needs a delta function/);
  });
});
