import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Duration, MAX_TIMESTAMP, MIN_TIMESTAMP, Time } from '../../src/util/time.js';
import {
  allowedLatenessMillis,
  cleanupTime,
  GlobalWindow,
  isCleanupTime,
  isElementLate,
  isWindowLate,
  needsCleanupTimer,
  TimeWindow,
  type Window,
} from '../../src/windowing/index.js';

// SPEC.md "Precise semantics" and Flink's WindowOperator (cleanupTime, isWindowLate, isElementLate).
const W = new TimeWindow(0, 10); // maxTimestamp 9
const G = GlobalWindow.get();

describe('cleanupTime', () => {
  const cases: Array<[string, Window, number, boolean, number]> = [
    ['event time: maxTimestamp + lateness', W, 5, true, 14],
    ['event time without lateness: maxTimestamp', W, 0, true, 9],
    ['event time: capped at the largest time', new TimeWindow(0, MAX_TIMESTAMP - 5), 100, true, MAX_TIMESTAMP],
    ['event time: lateness of the largest time', W, MAX_TIMESTAMP, true, MAX_TIMESTAMP],
    ['processing time: maxTimestamp, lateness ignored', W, 5, false, 9],
    ['the global window: the end of time', G, 0, false, MAX_TIMESTAMP],
  ];
  for (const [name, window, lateness, eventTime, expected] of cases) {
    test(name, () => {
      assert.equal(cleanupTime(window, lateness, eventTime), expected);
      assert.equal(isCleanupTime(window, expected, lateness, eventTime), true);
      assert.equal(isCleanupTime(window, expected - 1, lateness, eventTime), false);
    });
  }
  test('no cleanup timer at the end of time', () => {
    assert.equal(needsCleanupTimer(cleanupTime(G, 0, false)), false);
    assert.equal(needsCleanupTimer(cleanupTime(W, 5, true)), true);
  });
});

describe('isWindowLate: maxTimestamp + allowedLateness <= watermark, event time only', () => {
  const cases: Array<[number, number, boolean, boolean]> = [
    // [lateness, watermark, event time, late]
    [0, 8, true, false],
    [0, 9, true, true],
    [5, 13, true, false],
    [5, 14, true, true],
    [MAX_TIMESTAMP, MAX_TIMESTAMP - 1, true, false], // no overflow into "late"
    [0, MIN_TIMESTAMP, true, false],
    [0, MAX_TIMESTAMP, false, false], // processing time: never late
  ];
  for (const [lateness, watermark, eventTime, late] of cases) {
    test(`lateness ${lateness}, watermark ${watermark}, ${eventTime ? 'event' : 'processing'} time → ${late}`, () => {
      assert.equal(isWindowLate(W, lateness, eventTime, watermark), late);
    });
  }
});

describe('isElementLate: timestamp + allowedLateness <= watermark, event time only', () => {
  const cases: Array<[number, number, number, boolean, boolean]> = [
    // [timestamp, lateness, watermark, event time, late]
    [10, 0, 9, true, false],
    [10, 0, 10, true, true],
    [10, 5, 14, true, false],
    [10, 5, 15, true, true],
    [MAX_TIMESTAMP - 1, 10, MAX_TIMESTAMP - 1, true, false], // capped, not wrapped
    [10, 0, 100, false, false],
  ];
  for (const [ts, lateness, watermark, eventTime, late] of cases) {
    test(`timestamp ${ts}, lateness ${lateness}, watermark ${watermark} → ${late}`, () => {
      assert.equal(isElementLate(ts, lateness, eventTime, watermark), late);
    });
  }
});

describe('allowedLatenessMillis', () => {
  test('takes a Duration or a Time', () => {
    assert.equal(allowedLatenessMillis(Duration.ofSeconds(2)), 2000);
    assert.equal(allowedLatenessMillis(Time.minutes(1)), 60_000);
    assert.equal(allowedLatenessMillis(Duration.ZERO), 0);
  });
  test('refuses a negative lateness (Flink: "The allowed lateness cannot be negative")', () => {
    assert.throws(() => allowedLatenessMillis(Duration.ofMillis(-1)), /The allowed lateness cannot be negative, got -1 ms/);
  });
});
