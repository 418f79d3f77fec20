/** The restart strategy a job's code sets reaches its configuration under Flink's keys. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartStrategies, type JobSettings, type RestartStrategyConfiguration } from '../../src/api/index.js';
import { effectiveConfiguration } from '../../src/cluster/effective-configuration.js';
import { Configuration } from '../../src/config/index.js';

function restartKeys(strategy: RestartStrategyConfiguration): Record<string, unknown> {
  const settings: JobSettings = {
    parallelism: undefined,
    maxParallelism: undefined,
    checkpoint: {},
    stateBackend: undefined,
    incrementalCheckpoints: undefined,
    restartStrategy: strategy,
    operatorChaining: true,
  };
  const record = effectiveConfiguration(new Configuration('/nonexistent/flink-ts-home'), settings).toRecord();
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
