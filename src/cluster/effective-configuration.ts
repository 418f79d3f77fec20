import type { JobSettings, RestartStrategyConfiguration } from '../api/index.js';
import { type Configuration, CoreOptions, PipelineOptions } from '../config/index.js';
import type { ParallelismDefaults } from './compile-pipeline.js';

const CODE = 'job code';

/**
 * The configuration a job runs with: defaults, then config.yaml, then -D and -p (already in
 * `base`), then what the job's own code set — which wins, as in Flink.
 */
export function effectiveConfiguration(base: Configuration, s: JobSettings): Configuration {
  const entries: Array<[string, unknown]> = [
    ['parallelism.default', s.parallelism],
    ['pipeline.max-parallelism', s.maxParallelism],
    ['pipeline.auto-watermark-interval', s.autoWatermarkInterval],
    ['execution.checkpointing.interval', s.checkpoint.interval],
    ['execution.checkpointing.mode', s.checkpoint.mode],
    ['execution.checkpointing.timeout', s.checkpoint.timeout],
    ['execution.checkpointing.min-pause', s.checkpoint.minPause],
    ['execution.checkpointing.max-concurrent-checkpoints', s.checkpoint.maxConcurrent],
    ['execution.checkpointing.tolerable-failed-checkpoints', s.checkpoint.tolerableFailures],
    ['execution.checkpointing.externalized-checkpoint-retention', s.checkpoint.externalizedRetention],
    ['execution.checkpointing.dir', s.checkpoint.storageDir],
    ['state.backend.type', s.stateBackend],
    ['execution.checkpointing.incremental', s.incrementalCheckpoints],
    ...restartStrategyEntries(s.restartStrategy),
  ];
  let config = base;
  for (const [key, value] of entries) if (value !== undefined) config = config.with(key, value, CODE);
  return config;
}

function restartStrategyEntries(r: RestartStrategyConfiguration | undefined): Array<[string, unknown]> {
  if (!r) return [];
  switch (r.type) {
    case 'none':
      return [['restart-strategy.type', 'none']];
    case 'fixed-delay':
      return [
        ['restart-strategy.type', 'fixed-delay'],
        ['restart-strategy.fixed-delay.attempts', r.attempts],
        ['restart-strategy.fixed-delay.delay', r.delayMs],
      ];
    case 'exponential-delay':
      return [
        ['restart-strategy.type', 'exponential-delay'],
        ['restart-strategy.exponential-delay.initial-backoff', r.initialBackoffMs],
        ['restart-strategy.exponential-delay.max-backoff', r.maxBackoffMs],
        ['restart-strategy.exponential-delay.backoff-multiplier', r.backoffMultiplier],
        ['restart-strategy.exponential-delay.reset-backoff-threshold', r.resetBackoffThresholdMs],
        ['restart-strategy.exponential-delay.jitter-factor', r.jitterFactor],
      ];
    case 'failure-rate':
      return [
        ['restart-strategy.type', 'failure-rate'],
        ['restart-strategy.failure-rate.max-failures-per-interval', r.maxFailuresPerInterval],
        ['restart-strategy.failure-rate.failure-rate-interval', r.failureIntervalMs],
        ['restart-strategy.failure-rate.delay', r.delayMs],
      ];
  }
}

/** The parallelism settings a configuration gives the job graph. */
export function parallelismDefaults(config: Configuration): ParallelismDefaults {
  return { parallelism: config.get(CoreOptions.DEFAULT_PARALLELISM), maxParallelism: config.get(PipelineOptions.MAX_PARALLELISM) };
}
