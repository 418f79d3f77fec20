import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTimestamp, Duration, durationToMillis, MAX_TIMESTAMP, MIN_TIMESTAMP, saturatingAdd, Time } from '../../src/util/time.js';

describe('Duration and Time', () => {
  // Flink 2.x java.time.Duration factories and 1.x Time factories, in milliseconds.
  const cases: Array<[string, Duration | Time, number]> = [
    ['Duration.ofMillis(250)', Duration.ofMillis(250), 250],
    ['Duration.ofSeconds(5)', Duration.ofSeconds(5), 5000],
    ['Duration.ofSeconds(1.1)', Duration.ofSeconds(1.1), 1100],
    ['Duration.ofMinutes(2)', Duration.ofMinutes(2), 120_000],
    ['Duration.ofHours(-8)', Duration.ofHours(-8), -28_800_000],
    ['Duration.ofDays(1)', Duration.ofDays(1), 86_400_000],
    ['Duration.ZERO', Duration.ZERO, 0],
    ['Time.milliseconds(250)', Time.milliseconds(250), 250],
    ['Time.seconds(5)', Time.seconds(5), 5000],
    ['Time.minutes(2)', Time.minutes(2), 120_000],
    ['Time.hours(1)', Time.hours(1), 3_600_000],
    ['Time.days(1)', Time.days(1), 86_400_000],
  ];
  for (const [name, d, ms] of cases) {
    test(`${name} is ${ms} ms`, () => assert.equal(durationToMillis(d, 'x'), ms));
  }
  test('Duration helpers', () => {
    assert.equal(Duration.ofSeconds(2).toMillis(), 2000);
    assert.ok(Duration.ZERO.isZero());
    assert.ok(Duration.ofMillis(-1).isNegative());
    assert.ok(Duration.ofSeconds(1).equals(Duration.ofMillis(1000)));
  });

  const bad: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ['a fraction of a millisecond', () => Duration.ofMillis(0.5), RangeError, /Duration.ofMillis must be a whole number of milliseconds, got 0.5 ms/],
    ['NaN', () => Duration.ofSeconds(Number.NaN), TypeError, /Duration.ofSeconds needs a number, got NaN/],
    ['Infinity', () => Time.seconds(Infinity), RangeError, /Time.seconds must be finite/],
    ['beyond safe integers', () => Duration.ofDays(1e9), RangeError, /Duration.ofDays is out of range/],
    // A string read from process.argv is named as one: "got 5" read as if 5 were refused.
    ['a string', () => Duration.ofSeconds('5' as unknown as number), TypeError, /^Duration.ofSeconds needs a number, got the string '5'\.$/],
    ['undefined', () => Time.minutes(undefined as unknown as number), TypeError, /^Time.minutes needs a number, got undefined\.$/],
    ['a bare number where a duration goes', () => durationToMillis(5000 as unknown as Duration, 'The window size'), TypeError, /The window size must be a Duration or a Time \(e.g. Duration.ofSeconds\(5\)\), got number 5000/],
    ['a plain object where a duration goes', () => durationToMillis({ ms: 5 } as unknown as Duration, 'The gap'), TypeError, /The gap must be a Duration or a Time.*an object \(Object\)/],
  ];
  // Every factory of both classes goes through the same check, milliseconds (not scaled) included.
  const factories: Array<[string, (n: number) => unknown]> = [
    ['Duration.ofMillis', Duration.ofMillis],
    ['Duration.ofSeconds', Duration.ofSeconds],
    ['Duration.ofMinutes', Duration.ofMinutes],
    ['Duration.ofHours', Duration.ofHours],
    ['Duration.ofDays', Duration.ofDays],
    ['Time.milliseconds', Time.milliseconds],
    ['Time.seconds', Time.seconds],
    ['Time.minutes', Time.minutes],
    ['Time.hours', Time.hours],
    ['Time.days', Time.days],
  ];
  test('every factory names the type of a string or a bigint it is given', () => {
    for (const [name, factory] of factories) {
      assert.throws(() => factory('10' as unknown as number), { name: 'TypeError', message: `${name} needs a number, got the string '10'.` });
      assert.throws(() => factory(10n as unknown as number), { name: 'TypeError', message: `${name} needs a number, got the bigint 10n.` });
    }
  });
  for (const [name, make, type, message] of bad) {
    test(`refuses ${name}`, () => assert.throws(make, (e: unknown) => e instanceof type && message.test(e.message)));
  }
});

describe('time arithmetic', () => {
  const cases: Array<[number, number, number]> = [
    [1, 2, 3],
    [MAX_TIMESTAMP - 1, 1, MAX_TIMESTAMP],
    [MAX_TIMESTAMP - 1, 10, MAX_TIMESTAMP],
    [MAX_TIMESTAMP, MAX_TIMESTAMP, MAX_TIMESTAMP],
    [MIN_TIMESTAMP + 1, -10, MIN_TIMESTAMP],
    [MIN_TIMESTAMP, MAX_TIMESTAMP, 0],
  ];
  for (const [a, b, sum] of cases) test(`saturatingAdd(${a}, ${b}) = ${sum}`, () => assert.equal(saturatingAdd(a, b), sum));

  test('the largest and smallest times are Flink Long.MAX/MIN_VALUE stand-ins', () => {
    assert.equal(MAX_TIMESTAMP, Number.MAX_SAFE_INTEGER);
    assert.equal(MIN_TIMESTAMP, Number.MIN_SAFE_INTEGER);
  });

  test('checkTimestamp accepts safe integers only', () => {
    assert.equal(checkTimestamp(MIN_TIMESTAMP, 't'), MIN_TIMESTAMP);
    assert.throws(() => checkTimestamp(0.5, 'The timer'), /The timer must be a whole number of milliseconds/);
    // The usual mistakes of a timestamp assigner say what to return instead.
    assert.throws(() => checkTimestamp(new Date(5000) as never, 'The timestamp assigner result'), /got an object \(Date\): return its getTime\(\)\.$/);
    assert.throws(() => checkTimestamp('2024-01-01T00:00:00Z' as never, 'The timestamp assigner result'), /: parse it, e\.g\. Date\.parse\(text\)\.$/);
  });
});
