/**
 * Unit tests of the restart strategies (Flink's RestartBackoffTimeStrategy family), driven with
 * explicit failure times, and of restartStrategyFrom(Configuration) including its defaults and
 * which setting wins (Flink's RestartBackoffTimeStrategyFactoryLoaderTest). Exponential-delay's
 * own cases: restart-strategy-exponential.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ExponentialDelayRestartStrategy,
  FailureRateRestartStrategy,
  FixedDelayRestartStrategy,
  NoRestartStrategy,
  type RestartStrategy,
  restartStrategyFrom,
} from '../../src/cluster/restart-strategy.js';
import { Configuration } from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';
import { assertGivesUp, delayOf, delays } from '../helpers/restart-decisions.js';

const HOME = '/nonexistent/flink-ts-home';

/** A Configuration as `-D key=value` pairs would build it. */
function configWith(pairs: Record<string, string> = {}): Configuration {
  let c = new Configuration(HOME);
  for (const [k, v] of Object.entries(pairs)) c = c.with(k, v, '-D');
  return c;
}

/** The strategy `restart-strategy.type: <type>` makes, with `settings` given as `restart-strategy.<type>.<key>`. */
function strategyOf(type: string, settings: Record<string, string>): RestartStrategy {
  const keys = Object.entries(settings).map(([key, value]) => [`restart-strategy.${type}.${key}`, value]);
  return restartStrategyFrom(configWith({ 'restart-strategy.type': type, ...Object.fromEntries(keys) }));
}

describe('NoRestartStrategy', () => {
  test('never restarts, from the first failure on', () => {
    const s = new NoRestartStrategy();
    assert.equal(s.name, 'none');
    assertGivesUp(s.onFailure(0), /none/);
    assertGivesUp(s.onFailure(1_000_000), /none/);
  });
});

describe('FixedDelayRestartStrategy', () => {
  test('restarts `attempts` times after the fixed delay, then gives up', () => {
    const s = new FixedDelayRestartStrategy(3, 250);
    assert.equal(s.name, 'fixed-delay');
    assert.deepEqual(delays(s, [0, 10, 20]), [250, 250, 250]);
    assertGivesUp(s.onFailure(30), /fixed-delay.*3 restart/);
    // Once given up, it stays given up.
    assertGivesUp(s.onFailure(10_000_000), /fixed-delay/);
  });

  test('attempts are not renewed by time passing', () => {
    const s = new FixedDelayRestartStrategy(2, 0);
    assert.deepEqual(delays(s, [0, 3_600_000, 7_200_000]), [0, 0, 'stop']);
  });

  test('every failure is a new attempt, also one during a pending restart (only exponential-delay joins them)', () => {
    const s = new FixedDelayRestartStrategy(2, 10_000);
    assert.deepEqual(s.onFailure(0), { restart: true, delayMs: 10_000, newAttempt: true });
    assert.deepEqual(s.onFailure(1), { restart: true, delayMs: 10_000, newAttempt: true });
    assertGivesUp(s.onFailure(2), /2 restart/);
  });

  test('zero attempts: the first failure fails the job', () => {
    assertGivesUp(new FixedDelayRestartStrategy(0, 100).onFailure(0), /0 restart/);
  });
});

describe('FailureRateRestartStrategy', () => {
  test('restarts with the delay while failures within the interval stay at most the maximum', () => {
    const s = new FailureRateRestartStrategy(2, 1_000, 50);
    assert.equal(s.name, 'failure-rate');
    assert.equal(delayOf(s.onFailure(0)), 50);
    assert.equal(delayOf(s.onFailure(400)), 50);
    // A third failure within [0, 1000): more than 2 in the interval.
    assertGivesUp(s.onFailure(900), /more than 2 failure\(s\) within 1000 ms/);
  });

  test('old failures leave the window, so a steady low rate restarts forever', () => {
    const s = new FailureRateRestartStrategy(2, 1_000, 10);
    // Two failures per interval, never three within one (both ends included: 0 and 1000 would be).
    assert.deepEqual(delays(s, [0, 501, 1_002, 1_503, 2_004, 2_505, 3_006]), [10, 10, 10, 10, 10, 10, 10]);
  });

  test('both ends of the interval count: a failure exactly one interval later still counts the old one', () => {
    // Flink restarts only if the oldest of the last max + 1 failures lies more than the interval back.
    const s = new FailureRateRestartStrategy(1, 1_000, 0);
    assert.equal(delayOf(s.onFailure(0)), 0);
    assertGivesUp(s.onFailure(1_000), /more than 1 failure/);
    const t = new FailureRateRestartStrategy(1, 1_000, 0);
    t.onFailure(0);
    assert.equal(delayOf(t.onFailure(1_001)), 0);
  });

  test('Flink testManyFailuresWithinRate: one failure per 1 ms interval, each 2 ms apart, restarts every time', () => {
    const s = new FailureRateRestartStrategy(1, 1, 0);
    assert.deepEqual(delays(s, [0, 2, 4]), [0, 0, 0]);
  });

  test('Flink testFailuresExceedingRate: the fourth failure within 10 s with a maximum of 3 fails the job', () => {
    const s = new FailureRateRestartStrategy(3, 10_000, 0);
    assert.deepEqual(delays(s, [0, 0, 0, 0]), [0, 0, 0, 'stop']);
  });

  test('every failure is a new attempt with the fixed delay (Flink testBackoffTime)', () => {
    assert.deepEqual(new FailureRateRestartStrategy(1, 1, 10_000).onFailure(0), { restart: true, delayMs: 10_000, newAttempt: true });
  });

  test('recovers after a burst once the burst has left the window', () => {
    const s = new FailureRateRestartStrategy(3, 10_000, 5);
    assert.deepEqual(delays(s, [0, 1, 2]), [5, 5, 5]);
    // Long after the burst, failures are fine again.
    assert.deepEqual(delays(s, [20_000, 20_001, 20_002]), [5, 5, 5]);
    assert.deepEqual(delays(s, [20_003]), ['stop']);
  });
});

describe('restartStrategyFrom(Configuration)', () => {
  test('default without checkpointing: none', () => {
    const s = restartStrategyFrom(configWith());
    assert.ok(s instanceof NoRestartStrategy);
    assertGivesUp(s.onFailure(0), /none/);
  });

  test('default with a checkpointing interval: exponential-delay with every Flink 2.x default (Flink testNoStrategySpecifiedWhenCheckpointingEnabled)', () => {
    const s = restartStrategyFrom(configWith({ 'execution.checkpointing.interval': '100ms' }));
    assert.ok(s instanceof ExponentialDelayRestartStrategy);
    assert.equal(s.name, 'exponential-delay');
    assert.deepEqual(s.settings, {
      initialBackoffMs: 1_000,
      maxBackoffMs: 60_000,
      multiplier: 1.5,
      resetThresholdMs: 3_600_000,
      jitter: 0.1,
      maxAttempts: 2_147_483_647,
    });
    // 1 s ± 10%, never below the initial backoff; then 1.5 s ± 10%.
    const first = delayOf(s.onFailure(0));
    assert.ok(first >= 1_000 && first <= 1_100, `first delay ${first}`);
    const second = delayOf(s.onFailure(100_000));
    assert.ok(second >= 1_350 && second <= 1_650, `second delay ${second}`);
  });

  test('an explicit type wins over the checkpointing-based default', () => {
    const s = restartStrategyFrom(configWith({ 'execution.checkpointing.interval': '100ms', 'restart-strategy.type': 'none' }));
    assert.ok(s instanceof NoRestartStrategy);
  });

  test('none, and its aliases', () => {
    for (const v of ['none', 'off', 'disable']) {
      assert.ok(restartStrategyFrom(configWith({ 'restart-strategy.type': v })) instanceof NoRestartStrategy, v);
    }
  });

  test('fixed-delay with its attempts and delay', () => {
    const s = strategyOf('fixed-delay', { attempts: '2', delay: '250ms' });
    assert.ok(s instanceof FixedDelayRestartStrategy);
    assert.deepEqual(delays(s, [0, 1, 2]), [250, 250, 'stop']);
  });

  test('fixed-delay defaults: 1 attempt after 1 s', () => {
    const s = restartStrategyFrom(configWith({ 'restart-strategy.type': 'fixed-delay' }));
    assert.deepEqual(delays(s, [0, 1]), [1_000, 'stop']);
  });

  test('failure-rate with its maximum, interval and delay', () => {
    const s = strategyOf('failure-rate', { 'max-failures-per-interval': '2', 'failure-rate-interval': '1s', delay: '20ms' });
    assert.ok(s instanceof FailureRateRestartStrategy);
    // At 1050 the failure at 0 has left the window; 100, 1050 and 1080 are three within 1 s.
    assert.deepEqual(delays(s, [0, 100, 1_050, 1_080]), [20, 20, 20, 'stop']);
  });

  test('exponential-delay with all of its settings (jitter 0)', () => {
    const s = strategyOf('exponential-delay', {
      'initial-backoff': '100ms',
      'max-backoff': '1s',
      'backoff-multiplier': '3',
      'reset-backoff-threshold': '10s',
      'jitter-factor': '0',
      'attempts-before-reset-backoff': '4',
    });
    assert.ok(s instanceof ExponentialDelayRestartStrategy);
    // Each failure after the previous restart (at most 1 s later); 2700 is capped at 1 s.
    assert.deepEqual(delays(s, [0, 1_001, 2_002, 3_003, 4_004]), [100, 300, 900, 1_000, 'stop']);
    // 10 s after the last restart was due (5004): the backoff and the attempts start over.
    assert.deepEqual(delays(s, [15_004]), [100]);
  });

  test('bad values are refused by the configuration, in one line naming the key (what Flink refuses too)', () => {
    const refused: Array<[string, string, RegExp]> = [
      ['restart-strategy.type', 'sometimes', /one of none, fixed-delay, exponential-delay, failure-rate/],
      ['restart-strategy.fixed-delay.attempts', '-1', /an integer from 0/],
      ['restart-strategy.fixed-delay.delay', '-1 s', /a duration such as/],
      ['restart-strategy.fixed-delay.delay', 'soon', /a duration such as/],
      ['restart-strategy.failure-rate.max-failures-per-interval', '0', /an integer from 1/],
      ['restart-strategy.failure-rate.failure-rate-interval', '0 ms', /at least 1 ms/],
      ['restart-strategy.failure-rate.delay', '10 lightyears', /a duration such as/],
      ['restart-strategy.exponential-delay.initial-backoff', '0', /at least 1 ms/],
      ['restart-strategy.exponential-delay.max-backoff', '0 s', /at least 1 ms/],
      // Flink: "Backoff multiplier must be greater than 1."
      ['restart-strategy.exponential-delay.backoff-multiplier', '1', /greater than 1/],
      ['restart-strategy.exponential-delay.backoff-multiplier', '0.5', /greater than 1/],
      ['restart-strategy.exponential-delay.reset-backoff-threshold', '0 min', /at least 1 ms/],
      ['restart-strategy.exponential-delay.jitter-factor', '1.01', /from 0 to 1/],
      ['restart-strategy.exponential-delay.jitter-factor', '-0.1', /from 0 to 1/],
      ['restart-strategy.exponential-delay.attempts-before-reset-backoff', '0', /an integer from 1/],
    ];
    for (const [key, value, expected] of refused) {
      assert.throws(
        () => configWith({ [key]: value }),
        (err: unknown) => err instanceof ConfigError && !err.message.includes('\n') && err.message.includes(key) && expected.test(err.message),
        `${key}=${value}`,
      );
    }
  });

  test("Flink's duration forms for these keys: 10 s, 10s, 1min, 1 m, 500 ms, 2 h, 1 d, a bare number in ms", () => {
    const forms: Array<[string, number]> = [
      ['10 s', 10_000],
      ['10s', 10_000],
      ['1min', 60_000],
      ['1 m', 60_000],
      ['2 minutes', 120_000],
      ['500 ms', 500],
      ['2 h', 7_200_000],
      ['1 d', 86_400_000],
      ['250', 250],
      [' 3 SEC ', 3_000],
    ];
    for (const [text, ms] of forms) {
      const s = strategyOf('fixed-delay', { attempts: '1', delay: text });
      assert.deepEqual(delays(s, [0]), [ms], text);
    }
  });

  test('an initial backoff above the maximum is refused naming both keys and where each came from (Flink: "Initial backoff cannot be higher than maximum backoff")', () => {
    const config = configWith({ 'restart-strategy.type': 'exponential-delay', 'restart-strategy.exponential-delay.initial-backoff': '2 min' });
    assert.throws(
      () => restartStrategyFrom(config),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message ===
          'restart-strategy.exponential-delay.initial-backoff (2 min, in -D) cannot be higher than restart-strategy.exponential-delay.max-backoff (1 min, its default).',
    );
    // Equal is fine; and other strategies do not read the pair.
    const equal = configWith({ 'restart-strategy.type': 'exponential-delay', 'restart-strategy.exponential-delay.initial-backoff': '1 min' });
    assert.ok(restartStrategyFrom(equal) instanceof ExponentialDelayRestartStrategy);
    const fixed = configWith({ 'restart-strategy.type': 'fixed-delay', 'restart-strategy.exponential-delay.initial-backoff': '2 min' });
    assert.ok(restartStrategyFrom(fixed) instanceof FixedDelayRestartStrategy);
  });
});
