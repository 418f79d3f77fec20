import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  NoWatermarksGenerator,
  Watermark,
  type WatermarkGenerator,
  type WatermarkGeneratorContext,
  WatermarksWithIdleness,
  WatermarkStrategy,
} from '../../src/graph/index.js';
import { WatermarkStrategy as FromConnectors } from '../../src/connectors/index.js';
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy as FromPackage } from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Duration, MIN_TIMESTAMP, Time } from '../../src/util/time.js';
import { RecordingOutput } from './recording-output.js';

const clock = new ManualClock(0);
const context: WatermarkGeneratorContext = { getInputActivityClock: () => clock };

describe('WatermarkStrategy (Flink WatermarkStrategyTest)', () => {
  const generators: Array<[string, WatermarkStrategy<unknown>, Function]> = [
    ['noWatermarks', WatermarkStrategy.noWatermarks(), NoWatermarksGenerator],
    ['forMonotonousTimestamps', WatermarkStrategy.forMonotonousTimestamps(), AscendingTimestampsWatermarks],
    ['forBoundedOutOfOrderness', WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofSeconds(5)), BoundedOutOfOrdernessWatermarks],
    ['withIdleness', WatermarkStrategy.forMonotonousTimestamps().withIdleness(Duration.ofDays(7)), WatermarksWithIdleness],
    // testWithWatermarkAlignment: another with… on top of alignment keeps both.
    ['withWatermarkAlignment, then withIdleness', WatermarkStrategy.forMonotonousTimestamps().withWatermarkAlignment('group-1', Duration.ofMillis(200)).withIdleness(Duration.ofMillis(200)), WatermarksWithIdleness],
    ['withIdleness, then withTimestampAssigner', WatermarkStrategy.forMonotonousTimestamps().withIdleness(Duration.ofDays(7)).withTimestampAssigner(() => 42), WatermarksWithIdleness],
  ];
  for (const [name, strategy, type] of generators) {
    test(`${name} makes a ${type.name}`, () => assert.ok(strategy.createWatermarkGenerator(context) instanceof type));
  }

  test('forBoundedOutOfOrderness: highest timestamp − bound − 1, with a Duration or a Time', () => {
    for (const bound of [Duration.ofMillis(10), Time.milliseconds(10)]) {
      const g = WatermarkStrategy.forBoundedOutOfOrderness(bound).createWatermarkGenerator(context);
      const out = new RecordingOutput();
      g.onEvent('e', 1337, out);
      g.onPeriodicEmit(out);
      assert.equal(out.lastWatermark(), 1326);
    }
  });

  test('each split or subtask gets a fresh generator', () => {
    const s = WatermarkStrategy.forMonotonousTimestamps();
    const a = s.createWatermarkGenerator(context);
    const b = s.createWatermarkGenerator(context);
    a.onEvent('e', 100, new RecordingOutput());
    const out = new RecordingOutput();
    b.onPeriodicEmit(out);
    assert.equal(out.lastWatermark(), MIN_TIMESTAMP);
  });

  test('forGenerator: a custom (punctuated) generator, given the context', () => {
    let seen: WatermarkGeneratorContext | undefined;
    const s = WatermarkStrategy.forGenerator<{ ts: number; marker: boolean }>((ctx) => {
      seen = ctx;
      return {
        onEvent: (e, ts, out) => e.marker && out.emitWatermark(new Watermark(ts)),
        onPeriodicEmit: () => {},
      } satisfies WatermarkGenerator<{ ts: number; marker: boolean }>;
    });
    const out = new RecordingOutput();
    const g = s.createWatermarkGenerator(context);
    g.onEvent({ ts: 5, marker: false }, 5, out);
    g.onEvent({ ts: 9, marker: true }, 9, out);
    assert.deepEqual(out.events, ['wm 9']);
    assert.equal(seen, context);
  });

  test('withIdleness measures on the context clock', () => {
    const c = new ManualClock(0);
    const g = WatermarkStrategy.forMonotonousTimestamps().withIdleness(Duration.ofMillis(10)).createWatermarkGenerator({ getInputActivityClock: () => c });
    const out = new RecordingOutput();
    g.onPeriodicEmit(out);
    c.advance(11);
    g.onPeriodicEmit(out);
    assert.deepEqual(out.events, [`wm ${MIN_TIMESTAMP}`, 'idle']);
  });

  // testDefaultTimeStampAssigner / testLambdaTimestampAssigner / testClassTimestampAssigner.
  const assigners: Array<[string, WatermarkStrategy<unknown>, number]> = [
    ['the default keeps the record timestamp', WatermarkStrategy.forMonotonousTimestamps(), 13],
    ['a function', WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(() => 42), 42],
    ['an object with extractTimestamp', WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner({ extractTimestamp: () => 42 }), 42],
    ['noWatermarks with an assigner', WatermarkStrategy.noWatermarks().withTimestampAssigner((_e, ts) => ts + 1), 14],
    ['withIdleness keeps the assigner', WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(() => 42).withIdleness(Time.seconds(1)), 42],
    ['the last withTimestampAssigner wins', WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(() => 1).withTimestampAssigner(() => 42), 42],
    ['alignment and idleness keep the record timestamp', WatermarkStrategy.forMonotonousTimestamps().withWatermarkAlignment('group-1', Duration.ofMillis(200)).withIdleness(Duration.ofMillis(200)), 13],
    ['alignment keeps the assigner', WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner(() => 42).withWatermarkAlignment('g', Duration.ofMillis(200)), 42],
  ];
  for (const [name, strategy, expected] of assigners) {
    test(`timestamp assigner: ${name}`, () => assert.equal(strategy.createTimestampAssigner()(null, 13), expected));
  }

  test('strategies are immutable', () => {
    const base = WatermarkStrategy.forMonotonousTimestamps<number>();
    base.withTimestampAssigner((n) => n).withIdleness(Duration.ofSeconds(1));
    assert.equal(base.hasTimestampAssigner(), false);
    assert.ok(base.createWatermarkGenerator(context) instanceof AscendingTimestampsWatermarks);
  });

  test('the runtime can tell "no watermarks" and "no assigner" apart cheaply', () => {
    assert.equal(WatermarkStrategy.noWatermarks().isNoWatermarks(), true);
    assert.equal(WatermarkStrategy.noWatermarks().withTimestampAssigner(() => 1).isNoWatermarks(), true);
    assert.equal(WatermarkStrategy.noWatermarks().withIdleness(Duration.ofSeconds(1)).isNoWatermarks(), false);
    assert.equal(WatermarkStrategy.forMonotonousTimestamps().isNoWatermarks(), false);
    assert.equal(WatermarkStrategy.noWatermarks().hasTimestampAssigner(), false);
    assert.equal(WatermarkStrategy.noWatermarks().withTimestampAssigner(() => 1).hasTimestampAssigner(), true);
  });

  test('a timestamp assigner returning something other than whole milliseconds fails clearly', () => {
    for (const bad of ['12', 1.5, Number.NaN, undefined, 2 ** 60]) {
      const assign = WatermarkStrategy.noWatermarks<unknown>().withTimestampAssigner(() => bad as number).createTimestampAssigner();
      assert.throws(() => assign('e', 0), (e: unknown) => e instanceof TypeError && /The timestamp assigner result must be a whole number of milliseconds/.test(e.message), String(bad));
    }
  });

  const bad: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ['a negative bound', () => WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofMillis(-1)), RangeError, /maxOutOfOrderness cannot be negative/],
    ['a bound in bare milliseconds', () => WatermarkStrategy.forBoundedOutOfOrderness(5 as unknown as Duration), TypeError, /maxOutOfOrderness must be a Duration or a Time/],
    ['a zero idle timeout', () => WatermarkStrategy.noWatermarks().withIdleness(Duration.ZERO), RangeError, /idleTimeout must be greater than zero/],
    ['a negative idle timeout', () => WatermarkStrategy.noWatermarks().withIdleness(Duration.ofMillis(-1)), RangeError, /idleTimeout must be greater than zero/],
    ['a timestamp assigner that is not one', () => WatermarkStrategy.noWatermarks().withTimestampAssigner(5 as never), TypeError, /withTimestampAssigner needs a function/],
    ['a generator supplier that is not one', () => WatermarkStrategy.forGenerator(null as never), TypeError, /forGenerator needs a function/],
  ];
  for (const [name, make, type, message] of bad) {
    test(`refuses ${name}`, () => assert.throws(make, (e: unknown) => e instanceof type && message.test(e.message)));
  }

  test('is the same class from graph/, connectors/ and the package', () => {
    assert.equal(FromConnectors, WatermarkStrategy);
    assert.equal(FromPackage, WatermarkStrategy);
  });
});

describe('fromSource', () => {
  const source = new DataGeneratorSource((i: number) => i, 10);
  const taken: Array<[string, WatermarkStrategy<number>]> = [
    ['noWatermarks()', WatermarkStrategy.noWatermarks()],
    ['forMonotonousTimestamps()', WatermarkStrategy.forMonotonousTimestamps()],
    ['a timestamp assigner', WatermarkStrategy.noWatermarks<number>().withTimestampAssigner((n) => n)],
    ['idleness', WatermarkStrategy.noWatermarks<number>().withIdleness(Duration.ofSeconds(1))],
  ];
  for (const [name, strategy] of taken) {
    test(`takes ${name}`, () => {
      StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, strategy, 'gen');
    });
  }
  test('refuses no strategy', () => {
    assert.throws(() => StreamExecutionEnvironment.getExecutionEnvironment().fromSource(source, undefined as never, 'gen'), /fromSource needs a WatermarkStrategy/);
  });
});
