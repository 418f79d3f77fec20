import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlinkError } from '../../src/util/errors.js';
import { Duration, MIN_TIMESTAMP, Time } from '../../src/util/time.js';
import {
  DynamicEventTimeSessionWindows,
  DynamicProcessingTimeSessionWindows,
  EndOfStreamTrigger,
  EventTimeSessionWindows,
  EventTimeTrigger,
  GlobalWindow,
  GlobalWindows,
  NeverTrigger,
  ProcessingTimeSessionWindows,
  ProcessingTimeTrigger,
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TimeWindow,
  type Trigger,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type Window,
  type WindowAssigner,
  type WindowAssignerContext,
} from '../../src/windowing/index.js';

const ms = Duration.ofMillis;
const at = (now: number): WindowAssignerContext => ({ getCurrentProcessingTime: () => now });
const noClock: WindowAssignerContext = {
  getCurrentProcessingTime: () => {
    throw new Error('an event-time assigner read the clock');
  },
};
const names = (windows: readonly Window[]) => windows.map(String).sort();
const tw = (start: number, end: number) => String(new TimeWindow(start, end));

/** [what the element is, its timestamp, the clock, the windows it gets]. */
type Case = [unknown, number, number, string[]];

function assignmentTable(name: string, assigner: WindowAssigner<unknown, Window>, cases: Case[]) {
  describe(name, () => {
    for (const [element, ts, now, expected] of cases) {
      test(`element at ${ts === MIN_TIMESTAMP ? 'no timestamp' : ts}, clock ${now}`, () => {
        const ctx = assigner.isEventTime() ? noClock : at(now);
        assert.deepEqual(names(assigner.assignWindows(element, ts, ctx)), [...expected].sort());
      });
    }
  });
}

// Flink TumblingEventTimeWindowsTest.
assignmentTable('TumblingEventTimeWindows.of(5000)', TumblingEventTimeWindows.of(ms(5000)), [
  ['s', 0, 0, [tw(0, 5000)]],
  ['s', 4999, 0, [tw(0, 5000)]],
  ['s', 5000, 0, [tw(5000, 10000)]],
  ['s', -1, 0, [tw(-5000, 0)]],
]);
assignmentTable('TumblingEventTimeWindows.of(5000, offset 100)', TumblingEventTimeWindows.of(ms(5000), ms(100)), [
  ['s', 100, 0, [tw(100, 5100)]],
  ['s', 5099, 0, [tw(100, 5100)]],
  ['s', 5100, 0, [tw(5100, 10100)]],
]);
assignmentTable('TumblingEventTimeWindows.of(5000, offset -100)', TumblingEventTimeWindows.of(ms(5000), ms(-100)), [
  ['s', 0, 0, [tw(-100, 4900)]],
  ['s', 4899, 0, [tw(-100, 4900)]],
  ['s', 4900, 0, [tw(4900, 9900)]],
]);
assignmentTable('TumblingEventTimeWindows.of(Time.seconds(5), Time.seconds(1))', TumblingEventTimeWindows.of(Time.seconds(5), Time.seconds(1)), [
  ['s', 1000, 0, [tw(1000, 6000)]],
  ['s', 5999, 0, [tw(1000, 6000)]],
  ['s', 6000, 0, [tw(6000, 11000)]],
]);
// Flink TumblingProcessingTimeWindowsTest: the clock decides, the timestamp is ignored.
assignmentTable('TumblingProcessingTimeWindows.of(5000)', TumblingProcessingTimeWindows.of(ms(5000)), [
  ['s', MIN_TIMESTAMP, 0, [tw(0, 5000)]],
  ['s', MIN_TIMESTAMP, 4999, [tw(0, 5000)]],
  ['s', MIN_TIMESTAMP, 5000, [tw(5000, 10000)]],
]);
assignmentTable('TumblingProcessingTimeWindows.of(5000, offset 100)', TumblingProcessingTimeWindows.of(ms(5000), ms(100)), [
  ['s', MIN_TIMESTAMP, 100, [tw(100, 5100)]],
  ['s', MIN_TIMESTAMP, 5099, [tw(100, 5100)]],
  ['s', MIN_TIMESTAMP, 5100, [tw(5100, 10100)]],
]);
assignmentTable('TumblingProcessingTimeWindows.of(5000, offset -100)', TumblingProcessingTimeWindows.of(ms(5000), ms(-100)), [
  ['s', MIN_TIMESTAMP, 100, [tw(-100, 4900)]],
  ['s', MIN_TIMESTAMP, 4899, [tw(-100, 4900)]],
  ['s', MIN_TIMESTAMP, 4900, [tw(4900, 9900)]],
]);

// Flink SlidingEventTimeWindowsTest.
assignmentTable('SlidingEventTimeWindows.of(5000, 1000)', SlidingEventTimeWindows.of(ms(5000), ms(1000)), [
  ['s', 0, 0, [tw(-4000, 1000), tw(-3000, 2000), tw(-2000, 3000), tw(-1000, 4000), tw(0, 5000)]],
  ['s', 4999, 0, [tw(0, 5000), tw(1000, 6000), tw(2000, 7000), tw(3000, 8000), tw(4000, 9000)]],
  ['s', 5000, 0, [tw(1000, 6000), tw(2000, 7000), tw(3000, 8000), tw(4000, 9000), tw(5000, 10000)]],
]);
assignmentTable('SlidingEventTimeWindows.of(5000, 1000, offset 100)', SlidingEventTimeWindows.of(ms(5000), ms(1000), ms(100)), [
  ['s', 100, 0, [tw(-3900, 1100), tw(-2900, 2100), tw(-1900, 3100), tw(-900, 4100), tw(100, 5100)]],
  ['s', 5099, 0, [tw(100, 5100), tw(1100, 6100), tw(2100, 7100), tw(3100, 8100), tw(4100, 9100)]],
  ['s', 5100, 0, [tw(1100, 6100), tw(2100, 7100), tw(3100, 8100), tw(4100, 9100), tw(5100, 10100)]],
]);
assignmentTable('SlidingEventTimeWindows.of(5000, 1000, offset -100)', SlidingEventTimeWindows.of(ms(5000), ms(1000), ms(-100)), [
  ['s', 0, 0, [tw(-4100, 900), tw(-3100, 1900), tw(-2100, 2900), tw(-1100, 3900), tw(-100, 4900)]],
  ['s', 4899, 0, [tw(-100, 4900), tw(900, 5900), tw(1900, 6900), tw(2900, 7900), tw(3900, 8900)]],
  ['s', 4900, 0, [tw(900, 5900), tw(1900, 6900), tw(2900, 7900), tw(3900, 8900), tw(4900, 9900)]],
]);
assignmentTable('SlidingEventTimeWindows.of(Time.seconds(5), Time.seconds(1), 500 ms)', SlidingEventTimeWindows.of(Time.seconds(5), Time.seconds(1), Time.milliseconds(500)), [
  ['s', 100, 0, [tw(-4500, 500), tw(-3500, 1500), tw(-2500, 2500), tw(-1500, 3500), tw(-500, 4500)]],
  ['s', 5499, 0, [tw(500, 5500), tw(1500, 6500), tw(2500, 7500), tw(3500, 8500), tw(4500, 9500)]],
  ['s', 5100, 0, [tw(500, 5500), tw(1500, 6500), tw(2500, 7500), tw(3500, 8500), tw(4500, 9500)]],
]);
// Flink SlidingProcessingTimeWindowsTest.
assignmentTable('SlidingProcessingTimeWindows.of(5000, 1000)', SlidingProcessingTimeWindows.of(ms(5000), ms(1000)), [
  ['s', MIN_TIMESTAMP, 0, [tw(-4000, 1000), tw(-3000, 2000), tw(-2000, 3000), tw(-1000, 4000), tw(0, 5000)]],
  ['s', MIN_TIMESTAMP, 4999, [tw(0, 5000), tw(1000, 6000), tw(2000, 7000), tw(3000, 8000), tw(4000, 9000)]],
  ['s', MIN_TIMESTAMP, 5000, [tw(1000, 6000), tw(2000, 7000), tw(3000, 8000), tw(4000, 9000), tw(5000, 10000)]],
]);
assignmentTable('SlidingProcessingTimeWindows.of(5000, 1000, offset -100)', SlidingProcessingTimeWindows.of(ms(5000), ms(1000), ms(-100)), [
  ['s', MIN_TIMESTAMP, 0, [tw(-4100, 900), tw(-3100, 1900), tw(-2100, 2900), tw(-1100, 3900), tw(-100, 4900)]],
]);
// A slide larger than the size leaves gaps: some timestamps are in no window (Flink's loop gives none).
assignmentTable('SlidingEventTimeWindows.of(1000, 5000)', SlidingEventTimeWindows.of(ms(1000), ms(5000)), [
  ['s', 500, 0, [tw(0, 1000)]],
  ['s', 1500, 0, []],
]);

// Flink EventTimeSessionWindowsTest / ProcessingTimeSessionWindowsTest.
assignmentTable('EventTimeSessionWindows.withGap(5000)', EventTimeSessionWindows.withGap(ms(5000)), [
  ['s', 0, 0, [tw(0, 5000)]],
  ['s', 4999, 0, [tw(4999, 9999)]],
  ['s', 5000, 0, [tw(5000, 10000)]],
]);
assignmentTable('EventTimeSessionWindows.withGap(Time.seconds(5))', EventTimeSessionWindows.withGap(Time.seconds(5)), [['s', 4999, 0, [tw(4999, 9999)]]]);
assignmentTable('ProcessingTimeSessionWindows.withGap(5000)', ProcessingTimeSessionWindows.withGap(ms(5000)), [
  ['s', MIN_TIMESTAMP, 0, [tw(0, 5000)]],
  ['s', MIN_TIMESTAMP, 4999, [tw(4999, 9999)]],
  ['s', MIN_TIMESTAMP, 5000, [tw(5000, 10000)]],
]);
// Flink DynamicEventTimeSessionWindowsTest / DynamicProcessingTimeSessionWindowsTest: the gap comes from the element.
const gapOf = (e: string) => Number(e.slice(3));
assignmentTable('EventTimeSessionWindows.withDynamicGap', EventTimeSessionWindows.withDynamicGap<string>(gapOf) as WindowAssigner<unknown, Window>, [
  ['gap5000', 0, 0, [tw(0, 5000)]],
  ['gap4000', 4999, 0, [tw(4999, 8999)]],
  ['gap9000', 5000, 0, [tw(5000, 14000)]],
]);
assignmentTable('ProcessingTimeSessionWindows.withDynamicGap', ProcessingTimeSessionWindows.withDynamicGap<string>({ extract: gapOf }) as WindowAssigner<unknown, Window>, [
  ['gap5000', MIN_TIMESTAMP, 0, [tw(0, 5000)]],
  ['gap4000', MIN_TIMESTAMP, 4999, [tw(4999, 8999)]],
  ['gap9000', MIN_TIMESTAMP, 5000, [tw(5000, 14000)]],
]);
// Flink GlobalWindowsTest.
assignmentTable('GlobalWindows.create()', GlobalWindows.create(), [
  ['s', 0, 0, [String(GlobalWindow.get())]],
  ['s', 4999, 0, [String(GlobalWindow.get())]],
  ['s', MIN_TIMESTAMP, 0, [String(GlobalWindow.get())]],
]);

describe('argument checks (Flink testInvalidParameters)', () => {
  const cases: Array<[string, () => unknown, RegExp]> = [
    ['tumbling: negative size', () => TumblingEventTimeWindows.of(Time.seconds(-1)), /abs\(offset\) < size/],
    ['tumbling: zero size', () => TumblingEventTimeWindows.of(Duration.ZERO), /abs\(offset\) < size/],
    ['tumbling: offset above size', () => TumblingEventTimeWindows.of(Time.seconds(10), Time.seconds(20)), /abs\(offset\) < size/],
    ['tumbling: offset below −size', () => TumblingEventTimeWindows.of(Time.seconds(10), Time.seconds(-11)), /abs\(offset\) < size/],
    ['tumbling processing: negative size', () => TumblingProcessingTimeWindows.of(Time.seconds(-1)), /TumblingProcessingTimeWindows parameters must satisfy abs\(offset\) < size/],
    ['tumbling processing: offset above size', () => TumblingProcessingTimeWindows.of(Time.seconds(10), Time.seconds(20)), /abs\(offset\) < size/],
    ['sliding: negative size', () => SlidingEventTimeWindows.of(Time.seconds(-2), Time.seconds(1)), /abs\(offset\) < slide and size > 0/],
    ['sliding: negative slide', () => SlidingEventTimeWindows.of(Time.seconds(2), Time.seconds(-1)), /abs\(offset\) < slide and size > 0/],
    ['sliding: negative size with an offset', () => SlidingEventTimeWindows.of(Time.seconds(-20), Time.seconds(10), Time.seconds(-1)), /abs\(offset\) < slide and size > 0/],
    ['sliding: offset below −slide', () => SlidingEventTimeWindows.of(Time.seconds(20), Time.seconds(10), Time.seconds(-11)), /abs\(offset\) < slide and size > 0/],
    ['sliding: offset above slide', () => SlidingEventTimeWindows.of(Time.seconds(20), Time.seconds(10), Time.seconds(11)), /abs\(offset\) < slide and size > 0/],
    ['sliding processing: zero slide', () => SlidingProcessingTimeWindows.of(Time.seconds(2), Duration.ZERO), /SlidingProcessingTimeWindows parameters must satisfy abs\(offset\) < slide and size > 0/],
    ['session: negative gap', () => EventTimeSessionWindows.withGap(Time.seconds(-1)), /0 < size/],
    ['session: zero gap', () => EventTimeSessionWindows.withGap(Time.seconds(0)), /0 < size/],
    ['processing session: zero gap', () => ProcessingTimeSessionWindows.withGap(Time.seconds(0)), /ProcessingTimeSessionWindows parameters must satisfy 0 < size/],
  ];
  for (const [name, make, message] of cases) {
    test(name, () => assert.throws(make, (e: unknown) => e instanceof RangeError && message.test(e.message)));
  }

  test('a duration must be a Duration or Time, not a bare number', () => {
    assert.throws(
      () => TumblingEventTimeWindows.of(5000 as unknown as Duration),
      (e: unknown) => e instanceof TypeError && /TumblingEventTimeWindows size must be a Duration or a Time/.test(e.message),
    );
  });

  // Flink Dynamic*SessionWindowsTest.testInvalidParameters: a gap ≤ 0 from the extractor fails at assignment.
  const dynamic: Array<[string, WindowAssigner<number, TimeWindow>]> = [
    ['event time', DynamicEventTimeSessionWindows.withDynamicGap<number>((gap) => gap)],
    ['processing time', DynamicProcessingTimeSessionWindows.withDynamicGap<number>((gap) => gap)],
  ];
  for (const [name, assigner] of dynamic) {
    for (const gap of [-1, 0]) {
      test(`dynamic ${name} session: a gap of ${gap}`, () => {
        assert.throws(() => assigner.assignWindows(gap, 1, at(1)), (e: unknown) => e instanceof RangeError && /0 < gap/.test(e.message));
      });
    }
    test(`dynamic ${name} session: a gap that is not a number`, () => {
      assert.throws(() => assigner.assignWindows(Number.NaN, 1, at(1)), TypeError);
      // A gap read as text from a record is named as the string it is, not shown as a number.
      const fromText = DynamicEventTimeSessionWindows.withDynamicGap<string>((text) => text as unknown as number);
      assert.throws(() => fromText.assignWindows('10', 1, at(1)), /returned the string '10'; it must return a whole number of milliseconds/);
    });
  }
});

describe('records without a timestamp', () => {
  // Flink's event-time assigners reject Long.MIN_VALUE ("no timestamp marker") and say why.
  // Flink's session assigners let such a record open a window at the start of time; here every
  // event-time assigner rejects it.
  const assigners: Array<[string, WindowAssigner<unknown, Window>]> = [
    ['TumblingEventTimeWindows', TumblingEventTimeWindows.of(ms(10))],
    ['SlidingEventTimeWindows', SlidingEventTimeWindows.of(ms(10), ms(5))],
    ['EventTimeSessionWindows', EventTimeSessionWindows.withGap(ms(10))],
    ['EventTimeSessionWindows', EventTimeSessionWindows.withDynamicGap(() => 10) as WindowAssigner<unknown, Window>],
  ];
  for (const [name, assigner] of assigners) {
    test(`${name} explains what to do`, () => {
      assert.throws(
        () => assigner.assignWindows('s', MIN_TIMESTAMP, noClock),
        (e: unknown) =>
          e instanceof FlinkError &&
          e.code === 'window.missingTimestamp' &&
          e.message.startsWith(`${name} got a record without a timestamp`) &&
          e.message.includes('assignTimestampsAndWatermarks'),
      );
    });
  }
});

describe('properties (Flink testProperties)', () => {
  const cases: Array<[string, WindowAssigner<unknown, Window>, boolean, Function, boolean]> = [
    ['TumblingEventTimeWindows', TumblingEventTimeWindows.of(Time.seconds(5), ms(100)), true, EventTimeTrigger, false],
    ['TumblingProcessingTimeWindows', TumblingProcessingTimeWindows.of(Time.seconds(5), ms(100)), false, ProcessingTimeTrigger, false],
    ['SlidingEventTimeWindows', SlidingEventTimeWindows.of(Time.seconds(5), ms(100)), true, EventTimeTrigger, false],
    ['SlidingProcessingTimeWindows', SlidingProcessingTimeWindows.of(Time.seconds(5), ms(100)), false, ProcessingTimeTrigger, false],
    ['EventTimeSessionWindows', EventTimeSessionWindows.withGap(Time.seconds(5)), true, EventTimeTrigger, true],
    ['DynamicEventTimeSessionWindows', EventTimeSessionWindows.withDynamicGap(() => 5000) as WindowAssigner<unknown, Window>, true, EventTimeTrigger, true],
    ['ProcessingTimeSessionWindows', ProcessingTimeSessionWindows.withGap(Time.seconds(5)), false, ProcessingTimeTrigger, true],
    ['DynamicProcessingTimeSessionWindows', ProcessingTimeSessionWindows.withDynamicGap(() => 5000) as WindowAssigner<unknown, Window>, false, ProcessingTimeTrigger, true],
    ['GlobalWindows.create()', GlobalWindows.create(), false, NeverTrigger, false],
    ['GlobalWindows.createWithEndOfStreamTrigger()', GlobalWindows.createWithEndOfStreamTrigger(), false, EndOfStreamTrigger, false],
  ];
  for (const [name, assigner, eventTime, trigger, merging] of cases) {
    test(name, () => {
      assert.equal(assigner.isEventTime(), eventTime);
      assert.ok(assigner.getDefaultTrigger() instanceof trigger);
      assert.equal(assigner.isMerging(), merging);
    });
  }

  test('fixed-size assigners key windows by a number, sessions by a string', () => {
    assert.equal(TumblingEventTimeWindows.of(ms(10)).getWindowSerializer().toNamespace(new TimeWindow(20, 30)), 20);
    assert.equal(SlidingEventTimeWindows.of(ms(10), ms(5)).getWindowSerializer().toNamespace(new TimeWindow(15, 25)), 15);
    assert.equal(EventTimeSessionWindows.withGap(ms(10)).getWindowSerializer().toNamespace(new TimeWindow(3, 17)), '3:17');
    assert.equal(GlobalWindows.create().getWindowSerializer().toNamespace(GlobalWindow.get()), 0);
  });
});

test('assigners, triggers and evictors fit a stream of any element type (type check)', () => {
  type Click = { user: string; time: number };
  const assigners: Array<WindowAssigner<Click, Window>> = [
    TumblingEventTimeWindows.of(ms(1)),
    GlobalWindows.create(),
    EventTimeSessionWindows.withDynamicGap<Click>((c) => c.time),
  ];
  const triggers: Array<Trigger<Click, TimeWindow>> = [EventTimeTrigger.create(), ProcessingTimeTrigger.create()];
  assert.equal(assigners.length + triggers.length, 5);
});

describe('assignment allocates nothing while elements fall into the same windows', () => {
  const ctx = { getCurrentProcessingTime: () => 0 };
  const starts = (ws: readonly TimeWindow[]) => ws.map((w) => w.start);

  test('tumbling: the same array for the same window, a new one for the next', () => {
    const a = TumblingEventTimeWindows.of(ms(10));
    const first = a.assignWindows(null, 3, ctx);
    assert.equal(a.assignWindows(null, 9, ctx), first);
    const next = a.assignWindows(null, 10, ctx);
    assert.notEqual(next, first);
    assert.deepEqual(starts(next), [10]);
    assert.deepEqual(starts(a.assignWindows(null, 3, ctx)), [0]);
  });

  test('sliding: reused only for the same windows, also when size is not a multiple of slide', () => {
    const a = SlidingEventTimeWindows.of(ms(10), ms(4));
    const at4 = a.assignWindows(null, 4, ctx);
    assert.deepEqual(starts(at4), [4, 0, -4]);
    assert.equal(a.assignWindows(null, 5, ctx), at4);
    assert.deepEqual(starts(a.assignWindows(null, 7, ctx)), [4, 0], 'same latest start, fewer windows');
    assert.deepEqual(starts(a.assignWindows(null, 4, ctx)), [4, 0, -4]);
  });
});

describe('assignment with its shortcuts gives the windows of the definition, in any order of times', () => {
  const ctx = { getCurrentProcessingTime: () => 0 };
  /** Every window start ≡ offset (mod step) with start ≤ t < start + size, latest first: Flink's definition, without shortcuts. */
  function definition(t: number, size: number, step: number, offset: number): number[] {
    const starts: number[] = [];
    const latest = TimeWindow.getWindowStartWithOffset(t, offset, step);
    for (let s = latest; s > t - size; s -= step) starts.push(s);
    return starts;
  }
  // A small deterministic generator (xorshift), so a failure names a reproducible case.
  let seed = 0x9e3779b9;
  const rand = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const shapes: Array<[string, number, number, number]> = [
    ['tumbling 10', 10, 10, 0],
    ['tumbling 7 offset -3', 7, 7, -3],
    ['sliding 10 every 4', 10, 4, 0],
    ['sliding 12 every 4 offset 1', 12, 4, 1],
    ['sliding 3 every 5 (gaps between windows)', 3, 5, 0],
    ['sliding 3 every 5 offset 2 (gaps)', 3, 5, 2],
  ];
  for (const [name, size, step, offset] of shapes) {
    test(name, () => {
      const a =
        size === step && name.startsWith('tumbling')
          ? TumblingEventTimeWindows.of(ms(size), ms(offset))
          : SlidingEventTimeWindows.of(ms(size), ms(step), ms(offset));
      // Runs of nearby times (the shortcut's case), jumps both ways, negative times.
      let t = -40;
      for (let i = 0; i < 2000; i++) {
        t = rand(4) === 0 ? rand(200) - 100 : t + rand(3);
        const got = a.assignWindows(null, t, ctx).map((w) => [w.start, w.end]);
        const want = definition(t, size, step, offset).map((s) => [s, s + size]);
        assert.deepEqual(got, want, `time ${t}`);
      }
    });
  }
});
