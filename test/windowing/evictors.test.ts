import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration, MIN_TIMESTAMP, Time } from '../../src/util/time.js';
import {
  countWindowSpec,
  CountEvictor,
  CountTrigger,
  DeltaEvictor,
  type Evictor,
  type EvictorContext,
  GlobalWindow,
  GlobalWindows,
  TimeEvictor,
  TimestampedValue,
  TumblingEventTimeWindows,
  type Trigger,
  type Window,
  type WindowAssigner,
} from '../../src/windowing/index.js';
import { TriggerHarness } from './trigger-harness.js';

type Rec = [key: string, value: number, timestamp: number];
const ctx: EvictorContext = { getCurrentProcessingTime: () => 0, getCurrentWatermark: () => MIN_TIMESTAMP };

/**
 * Flink's EvictingWindowOperator for count-triggered windows, per key and window: add the
 * element, ask the trigger, and on FIRE evict before, emit the sum of what is left
 * ("key:sum@window.maxTimestamp()"), evict after; on PURGE drop the contents.
 */
function evictingWindows(
  assigner: WindowAssigner<unknown, Window>,
  trigger: Trigger<unknown, Window>,
  evictor: Evictor<unknown, Window> | undefined,
  batches: Rec[][],
): string[][] {
  const harnesses = new Map<string, TriggerHarness<unknown, Window>>();
  const contents = new Map<string, TimestampedValue<number>[]>();
  const ser = assigner.getWindowSerializer();
  return batches.map((batch) => {
    const out: string[] = [];
    for (const [key, value, ts] of batch) {
      let h = harnesses.get(key);
      if (!h) harnesses.set(key, (h = new TriggerHarness(trigger, ser)));
      for (const window of assigner.assignWindows(value, ts, { getCurrentProcessingTime: () => 0 })) {
        const id = `${key}/${String(ser.toNamespace(window))}`;
        let pane = contents.get(id);
        if (!pane) contents.set(id, (pane = []));
        pane.push(new TimestampedValue(value, ts));
        const result = h.processElement(value, ts, window);
        if (result.isFire()) {
          evictor?.evictBefore(pane as TimestampedValue<unknown>[], pane.length, window, ctx);
          out.push(`${key}:${pane.reduce((s, e) => s + e.value, 0)}@${window.maxTimestamp()}`);
          evictor?.evictAfter(pane as TimestampedValue<unknown>[], pane.length, window, ctx);
        }
        if (result.isPurge()) pane.length = 0;
      }
    }
    return out.sort();
  });
}

const ones = (key: string, ...timestamps: number[]): Rec[] => timestamps.map((ts) => [key, 1, ts]);
const MAX = '@9007199254740991';
const global = GlobalWindows.create();

describe('evictors in count-triggered windows (Flink EvictingWindowOperatorTest)', () => {
  const cases: Array<[string, WindowAssigner<unknown, Window>, Evictor<unknown, Window>, Rec[][], string[][]]> = [
    [
      'CountEvictor.of(4, evictAfter) keeps the last 4 after each firing',
      global,
      CountEvictor.of(4, true),
      [
        [...ones('key2', 3000, 3999), ...ones('key1', 20, 0, 999), ...ones('key2', 1998, 1999, 1000)],
        [...ones('key1', 10999), ...ones('key2', 1000)],
        ones('key2', 1000, 1000),
      ],
      [[`key1:2${MAX}`, `key2:2${MAX}`, `key2:4${MAX}`], [`key1:4${MAX}`, `key2:6${MAX}`], [`key2:6${MAX}`]],
    ],
    [
      'TimeEvictor.of(2 s, evictAfter) drops what is 2 s older than the newest after each firing',
      global,
      TimeEvictor.of(Time.seconds(2), true),
      [
        [...ones('key2', 1000, 4000), ...ones('key1', 20, 0, 999), ...ones('key2', 3500, 2001, 1001)],
        [...ones('key1', 10999), ...ones('key2', 1002)],
      ],
      [[`key1:2${MAX}`, `key2:2${MAX}`, `key2:3${MAX}`], [`key1:4${MAX}`, `key2:5${MAX}`]],
    ],
    [
      'TimeEvictor.of(2 s) before the function, in 4 s tumbling windows',
      TumblingEventTimeWindows.of(Duration.ofSeconds(4)),
      TimeEvictor.of(Time.seconds(2)),
      [
        [...ones('key2', 1000, 3999), ...ones('key1', 20, 0, 999, 5999), ...ones('key2', 3500, 2001, 1001)],
        [...ones('key1', 6500), ...ones('key2', 1002)],
      ],
      [['key1:2@3999', 'key2:1@3999', 'key2:3@3999'], ['key1:2@7999', 'key2:3@3999']],
    ],
    [
      'TimeEvictor evicts nothing from elements without timestamps',
      global,
      TimeEvictor.of(Time.seconds(2), true),
      [
        [...ones('key2', MIN_TIMESTAMP, MIN_TIMESTAMP), ...ones('key1', MIN_TIMESTAMP, MIN_TIMESTAMP, MIN_TIMESTAMP), ...ones('key2', MIN_TIMESTAMP, MIN_TIMESTAMP, MIN_TIMESTAMP)],
        [...ones('key1', MIN_TIMESTAMP), ...ones('key2', MIN_TIMESTAMP)],
      ],
      [[`key1:2${MAX}`, `key2:2${MAX}`, `key2:4${MAX}`], [`key1:4${MAX}`, `key2:6${MAX}`]],
    ],
    [
      'DeltaEvictor.of(2, last − element) before the function',
      global,
      DeltaEvictor.of<unknown, Window>(2, (a, b) => (b as number) - (a as number)),
      [
        [['key2', 1, 3000], ['key2', 4, 3999], ['key1', 1, 20], ['key1', 1, 0], ['key1', 5, 999], ['key2', 5, 1998], ['key2', 6, 1999], ['key2', 1, 1000]],
        [['key1', 3, 10999], ['key2', 10, 1000]],
      ],
      [[`key1:2${MAX}`, `key2:11${MAX}`, `key2:4${MAX}`], [`key1:8${MAX}`, `key2:10${MAX}`]],
    ],
    [
      'DeltaEvictor.of(2, last − element, evictAfter)',
      global,
      DeltaEvictor.of<unknown, Window>(2, { getDelta: (a, b) => (b as number) - (a as number) }, true),
      [
        [['key2', 1, 3000], ['key2', 4, 3999], ['key1', 1, 20], ['key1', 1, 0], ['key1', 5, 999], ['key2', 5, 1998], ['key2', 6, 1999], ['key2', 1, 1000]],
        [['key1', 9, 10999], ['key2', 10, 1000]],
      ],
      [[`key1:2${MAX}`, `key2:15${MAX}`, `key2:5${MAX}`], [`key1:16${MAX}`, `key2:22${MAX}`]],
    ],
  ];
  for (const [name, assigner, evictor, batches, expected] of cases) {
    test(name, () => assert.deepEqual(evictingWindows(assigner, CountTrigger.of(2), evictor, batches), expected));
  }
});

describe('count windows (Flink KeyedStream.countWindow)', () => {
  const seq = (n: number): Rec[] => Array.from({ length: n }, (_, i) => ['k', i + 1, MIN_TIMESTAMP]);
  const cases: Array<[string, ReturnType<typeof countWindowSpec>, string[]]> = [
    // countWindow(3): every 3 elements, fire and purge.
    ['countWindow(3)', countWindowSpec(3), [`k:6${MAX}`, `k:15${MAX}`]],
    // countWindow(4, 2): every 2 elements, the last 4.
    ['countWindow(4, 2)', countWindowSpec(4, 2), [`k:3${MAX}`, `k:10${MAX}`, `k:18${MAX}`]],
  ];
  for (const [name, spec, expected] of cases) {
    test(name, () => {
      const [out] = evictingWindows(spec.assigner, spec.trigger, spec.evictor, [seq(7)]);
      assert.deepEqual(out, [...expected].sort());
    });
  }
  test('sizes must be positive whole numbers', () => {
    assert.throws(() => countWindowSpec(0), /countWindow size must be a positive whole number, got 0/);
    assert.throws(() => countWindowSpec(4, 1.5), /countWindow slide must be a positive whole number/);
  });
  // A count read from process.argv is a string: the message names it as one, not as the number it looks like.
  test('a count given as a string is named as one', () => {
    assert.throws(() => countWindowSpec('5' as unknown as number), { message: "countWindow size must be a positive whole number, got the string '5'." });
    assert.throws(() => CountTrigger.of('5' as unknown as number), /got the string '5'\.$/);
    assert.throws(() => CountEvictor.of('5' as unknown as number), { message: "CountEvictor.of(maxCount) needs a whole number ≥ 0, got the string '5'." });
    assert.throws(() => DeltaEvictor.of('5' as unknown as number, () => 0), { message: "DeltaEvictor.of needs a numeric threshold, got the string '5'." });
  });
});

describe('evictors directly', () => {
  const values = (...ts: number[]) => ts.map((t, i) => new TimestampedValue(i, t));
  const run = (e: Evictor<unknown, Window>, elements: TimestampedValue<unknown>[], phase: 'before' | 'after') => {
    if (phase === 'before') e.evictBefore(elements, elements.length, GlobalWindow.get(), ctx);
    else e.evictAfter(elements, elements.length, GlobalWindow.get(), ctx);
    return elements.map((x) => x.value);
  };
  const cases: Array<[string, Evictor<unknown, Window>, TimestampedValue<unknown>[], 'before' | 'after', unknown[]]> = [
    ['CountEvictor keeps the last n, evicting from the front', CountEvictor.of(2), values(1, 2, 3, 4), 'before', [2, 3]],
    ['CountEvictor leaves windows of n or fewer', CountEvictor.of(4), values(1, 2, 3), 'before', [0, 1, 2]],
    ['CountEvictor.of(0) empties the window', CountEvictor.of(0), values(1, 2), 'before', []],
    ['CountEvictor evicting after does nothing before', CountEvictor.of(1, true), values(1, 2), 'before', [0, 1]],
    ['CountEvictor evicting before does nothing after', CountEvictor.of(1), values(1, 2), 'after', [0, 1]],
    ['TimeEvictor keeps what is within the size of the newest (the cutoff itself goes)', TimeEvictor.of(Duration.ofMillis(10)), values(0, 5, 10, 15, 20), 'before', [3, 4]],
    ['TimeEvictor works out of order', TimeEvictor.of(Duration.ofMillis(10)), values(20, 5, 15, 10), 'before', [0, 2]],
    ['TimeEvictor judges timestamps by the first element', TimeEvictor.of(Duration.ofMillis(10)), values(MIN_TIMESTAMP, 100, 5), 'before', [0, 1, 2]],
    ['TimeEvictor on an empty window', TimeEvictor.of(Duration.ofMillis(10)), [], 'before', []],
    ['DeltaEvictor on an empty window', DeltaEvictor.of(1, () => 5), [], 'before', []],
  ];
  for (const [name, evictor, elements, phase, expected] of cases) {
    test(name, () => assert.deepEqual(run(evictor, elements, phase), expected));
  }
  test('TimestampedValue.hasTimestamp', () => {
    assert.equal(new TimestampedValue('a').hasTimestamp(), false);
    assert.equal(new TimestampedValue('a', 0).hasTimestamp(), true);
  });
  const bad: Array<[string, () => unknown, ErrorConstructor]> = [
    ['CountEvictor.of(-1)', () => CountEvictor.of(-1), RangeError],
    ['TimeEvictor.of(-1 ms)', () => TimeEvictor.of(Duration.ofMillis(-1)), RangeError],
    ['TimeEvictor.of(1000)', () => TimeEvictor.of(1000 as unknown as Duration), TypeError],
    ['DeltaEvictor.of(NaN, fn)', () => DeltaEvictor.of(Number.NaN, () => 0), TypeError],
    ['DeltaEvictor.of(1, not a function)', () => DeltaEvictor.of(1, {} as never), TypeError],
  ];
  for (const [name, make, type] of bad) test(`${name} is refused`, () => assert.throws(make, type));
});
