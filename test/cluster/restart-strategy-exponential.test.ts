/**
 * ExponentialDelayRestartStrategy against the cases of Flink 1.19+'s
 * ExponentialDelayRestartBackoffTimeStrategyTest: the same settings, failure times and expected
 * delays (a failure's delay is what Flink's getBackoffTime returns right after notifyFailure).
 * Failure times stand in for Flink's ManualClock; a fixed random function for its jitter.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ExponentialDelaySettings, ExponentialDelayRestartStrategy } from '../../src/cluster/restart-strategy.js';
import { assertGivesUp, delayOf, delays } from '../helpers/restart-decisions.js';

const UNBOUNDED = 2_147_483_647;

function strategy(s: Partial<ExponentialDelaySettings> & Pick<ExponentialDelaySettings, 'initialBackoffMs' | 'maxBackoffMs'>, random?: () => number) {
  return new ExponentialDelayRestartStrategy({ multiplier: 2, resetThresholdMs: UNBOUNDED, jitter: 0, maxAttempts: UNBOUNDED, ...s }, random);
}

/** Failures `gap` ms apart from 0: each comes after the previous restart (gap > max backoff). */
function spaced(count: number, gap: number): number[] {
  return Array.from({ length: count }, (_, i) => i * gap);
}

/**
 * Every delay the `count`-th failure (spaced past each restart) can get, over random values
 * spread evenly across [0, 1): Flink's test collects them from 1,000 random runs.
 */
function possibleDelays(settings: Parameters<typeof strategy>[0], count: number): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < 1_000; i++) {
    const s = strategy(settings, () => i / 1_000);
    const all = delays(s, spaced(count, settings.maxBackoffMs + 1));
    seen.add(all[count - 1] as number);
  }
  return [...seen].sort((a, b) => a - b);
}

describe('ExponentialDelayRestartStrategy (Flink ExponentialDelayRestartBackoffTimeStrategyTest)', () => {
  test('testMaxAttempts: 13 attempts allow 13 restarts; the 14th failure fails the job', () => {
    const s = strategy({ initialBackoffMs: 1, maxBackoffMs: 3, multiplier: 1.2, resetThresholdMs: 10, jitter: 0.25, maxAttempts: 13 });
    const outcome = delays(s, spaced(14, 4));
    assert.ok(outcome.slice(0, 13).every((d) => typeof d === 'number'), JSON.stringify(outcome));
    assert.equal(outcome[13], 'stop');
    // Given up until a reset (none within 10 ms of the last restart's time).
    assertGivesUp(s.onFailure(56), /exponential-delay.*13 attempt/);
  });

  test('testInitialBackoff: the first failure waits the initial backoff', () => {
    assert.equal(delayOf(strategy({ initialBackoffMs: 42, maxBackoffMs: 45, resetThresholdMs: 8 }).onFailure(0)), 42);
  });

  test('testMaxBackoff: no delay exceeds the maximum, jitter included', () => {
    const s = strategy({ initialBackoffMs: 1, maxBackoffMs: 6, resetThresholdMs: 8, jitter: 0.25 }, () => 0.999_999);
    for (const d of delays(s, spaced(10, 7))) assert.ok(typeof d === 'number' && d <= 6, String(d));
  });

  test('testResetBackoff: the threshold counts from the time the last restart was due, not the last failure', () => {
    const s = strategy({ initialBackoffMs: 1, maxBackoffMs: 5, resetThresholdMs: 8, jitter: 0.25 });
    assert.equal(delayOf(s.onFailure(0)), 1); // the restart is due at 1
    // 7 ms after it was due (8 after the failure): under the threshold, the backoff grows.
    assert.equal(delayOf(s.onFailure(8)), 2); // due at 10
    // 8 ms after it was due: reset.
    assert.equal(delayOf(s.onFailure(18)), 1);
  });

  test('testBackoffMultiplier: initial · multiplier^n, cut to whole ms (4, 9, 21)', () => {
    const s = strategy({ initialBackoffMs: 4, maxBackoffMs: 300, multiplier: 2.3, maxAttempts: 10 });
    assert.deepEqual(delays(s, spaced(3, 301)), [4, 9, 21]);
    // From the initial value each time, not from the rounded previous one: 4 · 2.3³ = 48.668.
    assert.deepEqual(delays(s, [903]), [48]);
  });

  test('testJitter: ± up to jitter · backoff, in whole ms, then at most the maximum', () => {
    const settings = { initialBackoffMs: 2, maxBackoffMs: 7, jitter: 0.25 };
    assert.deepEqual(possibleDelays(settings, 2), [3, 4, 5]);
    assert.deepEqual(possibleDelays(settings, 3), [6, 7]);
    assert.deepEqual(possibleDelays(settings, 4), [7]);
  });

  test('testJitterNoHigherThanMax: jitter 1 spreads down to the initial backoff, never below, never above the maximum', () => {
    const settings = { initialBackoffMs: 1, maxBackoffMs: 7, jitter: 1 };
    assert.deepEqual(possibleDelays(settings, 1), [1, 2]);
    assert.deepEqual(possibleDelays(settings, 2), [1, 2, 3, 4]);
    assert.deepEqual(possibleDelays(settings, 3), [1, 2, 3, 4, 5, 6, 7]);
  });

  test('testMultipleSettings: reset, growth and reset again', () => {
    const s = strategy({ initialBackoffMs: 1, maxBackoffMs: 9, resetThresholdMs: 80, jitter: 0.25 });
    assert.equal(delayOf(s.onFailure(0)), 1);
    assert.equal(delayOf(s.onFailure(81)), 1); // 80 after the restart was due: reset
    assert.equal(delayOf(s.onFailure(85)), 2);
    assert.equal(delayOf(s.onFailure(175)), 1); // 88 after the restart due at 87: reset
    assert.equal(delayOf(s.onFailure(185)), 2);
  });

  test('testMergeMultipleExceptionsIntoOneAttempt: failures while a restart is pending join it', () => {
    const s = strategy({ initialBackoffMs: 2, maxBackoffMs: 6, resetThresholdMs: 80, maxAttempts: 3 });
    assertMerged(s, 0, 2);
    assertMerged(s, 3, 4);
    assertMerged(s, 8, 6);
    // The fourth attempt is one more than 3.
    assertGivesUp(s.onFailure(15), /3 attempt/);
  });

  test('testMergingExceptionsWorksWithResetting: merging works the same after each reset', () => {
    const s = strategy({ initialBackoffMs: 2, maxBackoffMs: 6, resetThresholdMs: 80, maxAttempts: 3 });
    for (let round = 0, t = 0; round < 10; round++, t += 94) {
      assertMerged(s, t, 2);
      assertMerged(s, t + 3, 4);
      assertMerged(s, t + 8, 6);
    }
  });

  test('a failure at the very time its restart is due still joins it (with no delay left)', () => {
    const s = strategy({ initialBackoffMs: 5, maxBackoffMs: 100 });
    assert.deepEqual(s.onFailure(0), { restart: true, delayMs: 5, newAttempt: true });
    assert.deepEqual(s.onFailure(5), { restart: true, delayMs: 0, newAttempt: false });
    assert.deepEqual(s.onFailure(6), { restart: true, delayMs: 10, newAttempt: true });
  });

  test('a joined failure does not renew the attempts a given-up strategy had', () => {
    const s = strategy({ initialBackoffMs: 5, maxBackoffMs: 100, maxAttempts: 1 });
    assert.equal(delayOf(s.onFailure(0)), 5);
    assert.equal(delayOf(s.onFailure(3)), 2);
    assertGivesUp(s.onFailure(6), /1 attempt/);
    assertGivesUp(s.onFailure(7), /1 attempt/);
  });

  test('Flink 2.x defaults (1 s, ×1.5, max 1 min, jitter 0): 1000, 1500, 2250, 3375, …, capped at 60000', () => {
    const s = strategy({ initialBackoffMs: 1_000, maxBackoffMs: 60_000, multiplier: 1.5, resetThresholdMs: 3_600_000 });
    assert.deepEqual(delays(s, spaced(12, 60_001)), [1_000, 1_500, 2_250, 3_375, 5_062, 7_593, 11_390, 17_085, 25_628, 38_443, 57_665, 60_000]);
  });

  test('a very long run of failures stays at the maximum (no overflow into small or odd delays)', () => {
    const s = strategy({ initialBackoffMs: 1, maxBackoffMs: 1_000, jitter: 1 }, () => 0.999_999);
    const all = delays(s, spaced(3_000, 1_001));
    assert.deepEqual(new Set(all.slice(20)), new Set([1_000]));
  });
});

/**
 * Flink's checkMultipleExceptionsAreMerged: from `start`, each ms until the restart is due,
 * ten failures; only the very first is a new attempt, each waits what is left of `backoff`.
 */
function assertMerged(s: ExponentialDelayRestartStrategy, start: number, backoff: number): void {
  let first = true;
  for (let elapsed = 0; elapsed < backoff; elapsed++) {
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(s.onFailure(start + elapsed), { restart: true, delayMs: backoff - elapsed, newAttempt: first }, `at ${start + elapsed}`);
      first = false;
    }
  }
}
