/**
 * Unit tests of the restart strategies (Flink's RestartBackoffTimeStrategy family), driven with
 * explicit failure times, and of restartStrategyFrom(Configuration) including its defaults.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ExponentialDelayRestartStrategy,
  FailureRateRestartStrategy,
  FixedDelayRestartStrategy,
  NoRestartStrategy,
  type RestartDecision,
  type RestartStrategy,
  restartStrategyFrom,
} from '../../src/cluster/restart-strategy.js';
import { Configuration } from '../../src/config/index.js';

const HOME = '/nonexistent/flink-ts-home';

/** The delay of a decision that must be a restart. */
function delayOf(d: RestartDecision): number {
  assert.equal(d.restart, true, `expected a restart, got ${JSON.stringify(d)}`);
  return (d as { delayMs: number }).delayMs;
}

function assertGivesUp(d: RestartDecision, reason: RegExp): void {
  assert.equal(d.restart, false, `expected no restart, got ${JSON.stringify(d)}`);
  assert.match((d as { reason: string }).reason, reason);
}

/** The delays of failures at `times`, or 'stop' where the strategy gives up. */
function delays(s: RestartStrategy, times: readonly number[]): Array<number | 'stop'> {
  return times.map((t) => {
    const d = s.onFailure(t);
    return d.restart ? d.delayMs : 'stop';
  });
}

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
    // Two failures per interval, never three within one.
    assert.deepEqual(delays(s, [0, 500, 1_000, 1_500, 2_000, 2_500, 3_000]), [10, 10, 10, 10, 10, 10, 10]);
  });

  test('a failure exactly one interval later no longer counts the old one', () => {
    const s = new FailureRateRestartStrategy(1, 1_000, 0);
    assert.equal(delayOf(s.onFailure(0)), 0);
    // 999 ms later: two failures within 1000 ms.
    const t = new FailureRateRestartStrategy(1, 1_000, 0);
    t.onFailure(0);
    assertGivesUp(t.onFailure(999), /more than 1 failure/);
    // 1000 ms later: the first one has left the window.
    assert.equal(delayOf(s.onFailure(1_000)), 0);
  });

  test('recovers after a burst once the burst has left the window', () => {
    const s = new FailureRateRestartStrategy(3, 10_000, 5);
    assert.deepEqual(delays(s, [0, 1, 2]), [5, 5, 5]);
    // Long after the burst, failures are fine again.
    assert.deepEqual(delays(s, [20_000, 20_001, 20_002]), [5, 5, 5]);
    assert.deepEqual(delays(s, [20_003]), ['stop']);
  });
});

describe('ExponentialDelayRestartStrategy', () => {
  const noJitter = () => 0.5; // random() * 2 - 1 = 0

  test('the backoff grows by the multiplier from the initial one', () => {
    const s = new ExponentialDelayRestartStrategy(100, 100_000, 2, 60_000, 0, 100, noJitter);
    assert.equal(s.name, 'exponential-delay');
    assert.deepEqual(delays(s, [0, 1_000, 2_000, 3_000, 4_000]), [100, 200, 400, 800, 1_600]);
  });

  test('a fractional multiplier is applied too (1.5 by default)', () => {
    const s = new ExponentialDelayRestartStrategy(1_000, 60_000, 1.5, 3_600_000, 0, 100, noJitter);
    assert.deepEqual(delays(s, [0, 1, 2, 3]), [1_000, 1_500, 2_250, 3_375]);
  });

  test('the backoff is capped at the maximum', () => {
    const s = new ExponentialDelayRestartStrategy(100, 500, 3, 60_000, 0, 100, noJitter);
    assert.deepEqual(delays(s, [0, 1, 2, 3, 4]), [100, 300, 500, 500, 500]);
  });

  test('a failure after the reset threshold starts over at the initial backoff', () => {
    const s = new ExponentialDelayRestartStrategy(100, 100_000, 2, 10_000, 0, 100, noJitter);
    assert.deepEqual(delays(s, [0, 1_000, 2_000]), [100, 200, 400]);
    // 10 s without a failure: back to the initial backoff.
    assert.deepEqual(delays(s, [12_000, 13_000]), [100, 200]);
    // Just under the threshold: keeps growing.
    assert.deepEqual(delays(s, [22_999]), [400]);
  });

  test('gives up after `attempts` failures without a reset; a reset renews them', () => {
    const s = new ExponentialDelayRestartStrategy(100, 100_000, 2, 10_000, 0, 3, noJitter);
    assert.deepEqual(delays(s, [0, 1, 2]), [100, 200, 400]);
    assertGivesUp(s.onFailure(3), /exponential-delay.*3 attempt/);

    const r = new ExponentialDelayRestartStrategy(100, 100_000, 2, 10_000, 0, 2, noJitter);
    assert.deepEqual(delays(r, [0, 1]), [100, 200]);
    assert.deepEqual(delays(r, [20_000, 20_001, 20_002]), [100, 200, 'stop']);
  });

  test('jitter spreads the backoff by at most ± the factor, through the random function', () => {
    const lowest = new ExponentialDelayRestartStrategy(1_000, 60_000, 2, 60_000, 0.1, 100, () => 0);
    const highest = new ExponentialDelayRestartStrategy(1_000, 60_000, 2, 60_000, 0.1, 100, () => 0.999_999);
    assert.equal(delayOf(lowest.onFailure(0)), 900);
    assert.equal(delayOf(highest.onFailure(0)), 1_100);
    assert.equal(delayOf(lowest.onFailure(1)), 1_800);
    // Jitter 0 ignores the random function altogether.
    const none = new ExponentialDelayRestartStrategy(1_000, 60_000, 2, 60_000, 0, 100, () => 0);
    assert.equal(delayOf(none.onFailure(0)), 1_000);
  });
});

describe('restartStrategyFrom(Configuration)', () => {
  test('default without checkpointing: none', () => {
    const s = restartStrategyFrom(configWith());
    assert.ok(s instanceof NoRestartStrategy);
    assertGivesUp(s.onFailure(0), /none/);
  });

  test('default with a checkpointing interval: exponential-delay with Flink defaults (1 s initial, ±10%, ×1.5)', () => {
    const s = restartStrategyFrom(configWith({ 'execution.checkpointing.interval': '100ms' }));
    assert.ok(s instanceof ExponentialDelayRestartStrategy);
    assert.equal(s.name, 'exponential-delay');
    const first = delayOf(s.onFailure(0));
    assert.ok(first >= 900 && first <= 1_100, `first delay ${first}`);
    const second = delayOf(s.onFailure(1));
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
    assert.deepEqual(delays(s, [0, 1, 2, 3, 4]), [100, 300, 900, 1_000, 'stop']);
    assert.deepEqual(delays(s, [20_000]), [100]);
  });

  test('bad values are refused by the configuration', () => {
    assert.throws(() => configWith({ 'restart-strategy.type': 'sometimes' }), /restart-strategy\.type/);
    assert.throws(() => configWith({ 'restart-strategy.fixed-delay.attempts': '-1' }), /restart-strategy\.fixed-delay\.attempts/);
    assert.throws(() => configWith({ 'restart-strategy.exponential-delay.jitter-factor': '2' }), /jitter-factor/);
  });
});
