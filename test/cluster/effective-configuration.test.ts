/**
 * The restart strategy a job's code sets reaches its configuration under Flink's keys, and wins
 * over the configuration's (Flink's RestartBackoffTimeStrategyFactoryLoaderTest).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartStrategies, type JobSettings, type RestartStrategyConfiguration } from '../../src/api/index.js';
import { effectiveConfiguration } from '../../src/cluster/effective-configuration.js';
import {
  ExponentialDelayRestartStrategy,
  FailureRateRestartStrategy,
  FixedDelayRestartStrategy,
  NoRestartStrategy,
  restartStrategyFrom,
} from '../../src/cluster/restart-strategy.js';
import { Configuration } from '../../src/config/index.js';
import { ConfigError } from '../../src/util/errors.js';

/** The configuration a job runs with: `pairs` as from config.yaml, then what its code set. */
function jobConfiguration(code: { strategy?: RestartStrategyConfiguration; interval?: number }, pairs: Record<string, string> = {}): Configuration {
  const settings: JobSettings = {
    parallelism: undefined,
    maxParallelism: undefined,
    checkpoint: code.interval === undefined ? {} : { interval: code.interval },
    stateBackend: undefined,
    incrementalCheckpoints: undefined,
    restartStrategy: code.strategy,
    operatorChaining: true,
  };
  let base = new Configuration('/nonexistent/flink-ts-home');
  for (const [k, v] of Object.entries(pairs)) base = base.with(k, v, '/home/config.yaml');
  return effectiveConfiguration(base, settings);
}

function restartKeys(strategy: RestartStrategyConfiguration): Record<string, unknown> {
  const record = jobConfiguration({ strategy }).toRecord();
  return Object.fromEntries(Object.entries(record).filter(([k]) => k.startsWith('restart-strategy.')));
}

test('each restart strategy sets its type and every one of its fields', () => {
  assert.equal(restartKeys(RestartStrategies.noRestart())['restart-strategy.type'], 'none');
  const fixed = restartKeys(RestartStrategies.fixedDelayRestart(7, 2500));
  assert.equal(fixed['restart-strategy.type'], 'fixed-delay');
  assert.equal(fixed['restart-strategy.fixed-delay.attempts'], 7);
  assert.equal(fixed['restart-strategy.fixed-delay.delay'], 2500);
  const exp = restartKeys(RestartStrategies.exponentialDelayRestart(11, 22_000, 3, 44_000, 0.5));
  assert.equal(exp['restart-strategy.type'], 'exponential-delay');
  assert.equal(exp['restart-strategy.exponential-delay.initial-backoff'], 11);
  assert.equal(exp['restart-strategy.exponential-delay.max-backoff'], 22_000);
  assert.equal(exp['restart-strategy.exponential-delay.backoff-multiplier'], 3);
  assert.equal(exp['restart-strategy.exponential-delay.reset-backoff-threshold'], 44_000);
  assert.equal(exp['restart-strategy.exponential-delay.jitter-factor'], 0.5);
  const rate = restartKeys(RestartStrategies.failureRateRestart(5, 60_000, 900));
  assert.equal(rate['restart-strategy.type'], 'failure-rate');
  assert.equal(rate['restart-strategy.failure-rate.max-failures-per-interval'], 5);
  assert.equal(rate['restart-strategy.failure-rate.failure-rate-interval'], 60_000);
  assert.equal(rate['restart-strategy.failure-rate.delay'], 900);
});

test("the job's setRestartStrategy wins over the configuration's restart-strategy.type (Flink's …SpecifiedInExecutionConfig)", () => {
  const failureRate = { 'restart-strategy.type': 'failure-rate' };
  assert.ok(restartStrategyFrom(jobConfiguration({ strategy: RestartStrategies.noRestart() }, failureRate)) instanceof NoRestartStrategy);
  assert.ok(restartStrategyFrom(jobConfiguration({ strategy: RestartStrategies.fixedDelayRestart(1, 1000) }, failureRate)) instanceof FixedDelayRestartStrategy);
  const exp = restartStrategyFrom(jobConfiguration({ strategy: RestartStrategies.exponentialDelayRestart(1, 1000, 1.1, 2000, 0) }, failureRate));
  assert.ok(exp instanceof ExponentialDelayRestartStrategy);
  const rate = restartStrategyFrom(jobConfiguration({ strategy: RestartStrategies.failureRateRestart(1, 1000, 1000) }, { 'restart-strategy.type': 'fixed-delay' }));
  assert.ok(rate instanceof FailureRateRestartStrategy);
});

test("the job's strategy takes its own settings, not the configuration's sub-keys of the same strategy", () => {
  const config = jobConfiguration(
    { strategy: RestartStrategies.fixedDelayRestart(3, 50) },
    { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': '9', 'restart-strategy.fixed-delay.delay': '9 s' },
  );
  const s = restartStrategyFrom(config);
  assert.deepEqual([0, 1, 2, 3].map((t) => s.onFailure(t).restart), [true, true, true, false]);
  assert.deepEqual(s.onFailure(4), { restart: false, reason: 'the fixed-delay restart strategy allows 3 restart(s)' });
});

test("the job's exponentialDelayRestart has no attempt limit, whatever attempts-before-reset-backoff the configuration sets (as Flink's loader)", () => {
  const config = jobConfiguration(
    { strategy: RestartStrategies.exponentialDelayRestart(1, 10, 2, 3_600_000, 0) },
    { 'restart-strategy.exponential-delay.attempts-before-reset-backoff': '2' },
  );
  const s = restartStrategyFrom(config);
  assert.ok(s instanceof ExponentialDelayRestartStrategy);
  assert.equal(s.settings.maxAttempts, 2_147_483_647);
  // Without the job's strategy, the configuration's limit holds.
  const fromConfig = restartStrategyFrom(
    jobConfiguration({ interval: 100 }, { 'restart-strategy.exponential-delay.attempts-before-reset-backoff': '2' }),
  ) as ExponentialDelayRestartStrategy;
  assert.equal(fromConfig.settings.maxAttempts, 2);
});

test('checkpointing enabled in the job code makes exponential-delay the default; without it, none (Flink testNoStrategySpecifiedWhenCheckpointing…)', () => {
  assert.ok(restartStrategyFrom(jobConfiguration({ interval: 100 })) instanceof ExponentialDelayRestartStrategy);
  assert.ok(restartStrategyFrom(jobConfiguration({})) instanceof NoRestartStrategy);
  // The configuration's explicit type wins over the default either way.
  assert.ok(restartStrategyFrom(jobConfiguration({ interval: 100 }, { 'restart-strategy.type': 'none' })) instanceof NoRestartStrategy);
  assert.ok(restartStrategyFrom(jobConfiguration({}, { 'restart-strategy.type': 'fixed-delay' })) instanceof FixedDelayRestartStrategy);
});

test("the job's strategy with settings Flink refuses fails as the configuration would, naming the key and 'job code'", () => {
  const bad: Array<[RestartStrategyConfiguration, RegExp]> = [
    [RestartStrategies.fixedDelayRestart(-1, 10), /restart-strategy\.fixed-delay\.attempts in job code/],
    [RestartStrategies.failureRateRestart(0, 1000, 10), /restart-strategy\.failure-rate\.max-failures-per-interval in job code/],
    [RestartStrategies.exponentialDelayRestart(10, 100, 1, 1000, 0), /backoff-multiplier in job code: expected a number greater than 1/],
    [RestartStrategies.exponentialDelayRestart(10, 100, 2, 1000, 1.5), /jitter-factor in job code/],
  ];
  for (const [strategy, expected] of bad) assert.throws(() => jobConfiguration({ strategy }), (err: unknown) => err instanceof ConfigError && expected.test(err.message));
  assert.throws(
    () => restartStrategyFrom(jobConfiguration({ strategy: RestartStrategies.exponentialDelayRestart(2000, 1000) })),
    /initial-backoff \(2 s, in job code\) cannot be higher than restart-strategy\.exponential-delay\.max-backoff \(1 s, in job code\)/,
  );
});
