import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  IdlenessTimer,
  NoWatermarksGenerator,
  Watermark,
  type WatermarkGenerator,
  WatermarksWithIdleness,
} from '../../src/graph/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../src/util/time.js';
import { RecordingOutput } from './recording-output.js';

/** Feeds events, then one periodic emit; the last watermark emitted. */
function watermarkAfter(generator: WatermarkGenerator<unknown>, timestamps: number[]): number | undefined {
  const out = new RecordingOutput();
  for (const ts of timestamps) generator.onEvent('e', ts, out);
  generator.onPeriodicEmit(out);
  return out.lastWatermark();
}

describe('BoundedOutOfOrdernessWatermarks (Flink BoundedOutOfOrdernessWatermarksTest): highest − bound − 1', () => {
  const cases: Array<[string, number[], number]> = [
    ['before any record: the smallest time', [], MIN_TIMESTAMP],
    ['after one event', [1337], 1326],
    ['after events out of order', [12345, 12300, 12340, 12280], 12334],
  ];
  for (const [name, timestamps, expected] of cases) {
    test(name, () => assert.equal(watermarkAfter(new BoundedOutOfOrdernessWatermarks(10), timestamps), expected));
  }
  test('a repeated probe gives the same watermark', () => {
    const g = new BoundedOutOfOrdernessWatermarks(10);
    g.onEvent('e', 723456, new RecordingOutput());
    g.onPeriodicEmit(new RecordingOutput());
    const out = new RecordingOutput();
    g.onPeriodicEmit(out);
    assert.equal(out.lastWatermark(), 723445);
  });
  test('emits only from onPeriodicEmit', () => {
    const out = new RecordingOutput();
    new BoundedOutOfOrdernessWatermarks(10).onEvent('e', 100, out);
    assert.deepEqual(out.events, []);
  });
  test('a negative bound is refused', () => assert.throws(() => new BoundedOutOfOrdernessWatermarks(-1), /maxOutOfOrderness cannot be negative/));
});

describe('AscendingTimestampsWatermarks (Flink AscendingTimestampsWatermarksTest): highest − 1', () => {
  const cases: Array<[string, number[], number]> = [
    ['before any record', [], MIN_TIMESTAMP],
    ['after one event', [1337], 1336],
    ['after an event with a lower timestamp', [12345, 12340], 12344],
  ];
  for (const [name, timestamps, expected] of cases) {
    test(name, () => assert.equal(watermarkAfter(new AscendingTimestampsWatermarks(), timestamps), expected));
  }
});

test('NoWatermarksGenerator emits nothing', () => {
  assert.equal(watermarkAfter(new NoWatermarksGenerator(), [1, 2, 3]), undefined);
});

describe('IdlenessTimer (Flink WatermarksWithIdlenessTest)', () => {
  /** A timer started and then made idle by one timeout + 1 ms. */
  const idleTimer = (clock: ManualClock, timeout: number) => {
    const t = new IdlenessTimer(clock, timeout);
    t.checkIfIdle(); // starts the countdown
    clock.advance(timeout + 1);
    assert.equal(t.checkIfIdle(), true);
    return t;
  };
  test('initially active', () => assert.equal(new IdlenessTimer(new ManualClock(1000), 10).checkIfIdle(), false));
  test('idle after the timeout without events', () => {
    const clock = new ManualClock(1000);
    const t = new IdlenessTimer(clock, 10);
    t.checkIfIdle();
    clock.advance(10);
    assert.equal(t.checkIfIdle(), false, 'exactly the timeout is not yet idle');
    clock.advance(1);
    assert.equal(t.checkIfIdle(), true);
  });
  test('stays idle on repeated checks', () => {
    const clock = new ManualClock(0);
    const t = idleTimer(clock, 122);
    assert.equal(t.checkIfIdle(), true);
    clock.advance(100);
    assert.equal(t.checkIfIdle(), true);
  });
  test('active after activity', () => {
    const clock = new ManualClock(0);
    const t = idleTimer(clock, 10);
    t.activity();
    assert.equal(t.checkIfIdle(), false);
  });
  test('idle, active, idle again', () => {
    const clock = new ManualClock(0);
    const t = idleTimer(clock, 122);
    t.activity();
    assert.equal(t.checkIfIdle(), false);
    t.checkIfIdle(); // starts the countdown again
    clock.advance(123);
    assert.equal(t.checkIfIdle(), true);
  });
  test('a clock starting at 0 works (no 0 sentinel)', () => {
    const clock = new ManualClock(0);
    const t = new IdlenessTimer(clock, 5);
    t.checkIfIdle();
    clock.advance(3);
    assert.equal(t.checkIfIdle(), false);
    clock.advance(3);
    assert.equal(t.checkIfIdle(), true);
  });
});

describe('WatermarksWithIdleness', () => {
  /** Steps: an event at a timestamp, or a periodic emit after advancing the clock. */
  type Step = ['event', number] | ['emit', number];
  const cases: Array<[string, Step[], string[]]> = [
    [
      'marks idle once, at the first emit strictly past the timeout, and stops asking the inner generator',
      [['event', 100], ['emit', 0], ['emit', 50], ['emit', 50], ['emit', 1], ['emit', 50]],
      ['wm 99', 'wm 99', 'wm 99', 'idle'],
    ],
    [
      'the next event marks it active before the inner generator sees it',
      [['emit', 0], ['emit', 60], ['event', 500], ['emit', 0]],
      ['wm ' + MIN_TIMESTAMP, 'idle', 'active', 'wm 499'],
    ],
    [
      'events between emits keep it active',
      [['emit', 0], ['emit', 40], ['event', 1], ['emit', 40], ['emit', 40], ['event', 2], ['emit', 40]],
      ['wm ' + MIN_TIMESTAMP, 'wm ' + MIN_TIMESTAMP, 'wm 0', 'wm 0', 'wm 1'],
    ],
  ];
  // A 50 ms timeout; the clock advances by each emit's number before the emit.
  for (const [name, steps, expected] of cases) {
    test(name, () => {
      const clock = new ManualClock(10_000);
      const g = new WatermarksWithIdleness(new AscendingTimestampsWatermarks<string>(), 50, clock);
      const out = new RecordingOutput();
      for (const [kind, n] of steps) {
        if (kind === 'event') g.onEvent('e', n, out);
        else {
          clock.advance(n);
          g.onPeriodicEmit(out);
        }
      }
      assert.deepEqual(out.events, expected);
    });
  }
  // Flink's WatermarksWithIdlenessTimeoutTest: the countdown starts at the first quiet probe, not
  // at the last event. Timeout 10 ms, an event at 4 ms, probes every 5 ms: idle at 25 ms.
  test('idle at the first probe strictly more than the timeout after the first quiet probe', () => {
    const clock = new ManualClock(1_000);
    const g = new WatermarksWithIdleness(new NoWatermarksGenerator<string>(), 10, clock);
    const out = new RecordingOutput();
    clock.advance(4);
    g.onEvent('e', 1, out);
    const idleAt: number[] = [];
    for (let t = 5; t <= 30; t += 5) {
      clock.advance(t === 5 ? 1 : 5);
      g.onPeriodicEmit(out);
      if (out.events.at(-1) === 'idle' && idleAt.length === 0) idleAt.push(t);
    }
    assert.deepEqual(idleAt, [25]);
    assert.deepEqual(out.events, ['idle'], 'once');
  });
  // Flink testZeroTimeout / testNegativeTimeout.
  for (const timeout of [0, -1]) {
    test(`a timeout of ${timeout} is refused`, () => {
      assert.throws(() => new WatermarksWithIdleness(new AscendingTimestampsWatermarks(), timeout, new ManualClock()), /idleTimeout must be greater than zero/);
    });
  }
});

describe('Watermark', () => {
  test('the largest and the initial watermark', () => {
    assert.equal(Watermark.MAX_WATERMARK.timestamp, MAX_TIMESTAMP);
    assert.equal(Watermark.UNINITIALIZED.timestamp, MIN_TIMESTAMP);
    assert.ok(new Watermark(5).equals(new Watermark(5)));
  });
  for (const bad of [1.5, Number.NaN, Infinity, MAX_TIMESTAMP + 2]) {
    test(`a watermark at ${bad} is refused`, () => assert.throws(() => new Watermark(bad), /A watermark must be a whole number of milliseconds/));
  }
});
