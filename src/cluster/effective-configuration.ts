import type { JobSettings, RestartStrategyConfiguration } from '../api/index.js';
import { type Configuration, CoreOptions, PipelineOptions, RestartStrategyOptions } from '../config/index.js';
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
    ['pipeline.object-reuse', s.objectReuse],
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

/**
 * The Flink key of each field of each restart strategy, under `restart-strategy.<type>.`
 * (`restart-strategy.fixed-delay.attempts`); the type itself goes to `restart-strategy.type`.
 */
const RESTART_STRATEGY_KEYS: {
  readonly [S in RestartStrategyConfiguration as S['type']]: { readonly [F in Exclude<keyof S, 'type'>]: string };
} = {
  none: {},
  'fixed-delay': { attempts: 'attempts', delayMs: 'delay' },
  'exponential-delay': {
    initialBackoffMs: 'initial-backoff',
    maxBackoffMs: 'max-backoff',
    backoffMultiplier: 'backoff-multiplier',
    resetBackoffThresholdMs: 'reset-backoff-threshold',
    jitterFactor: 'jitter-factor',
  },
  'failure-rate': { maxFailuresPerInterval: 'max-failures-per-interval', failureIntervalMs: 'failure-rate-interval', delayMs: 'delay' },
};

const ATTEMPTS = RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS;

function restartStrategyEntries(r: RestartStrategyConfiguration | undefined): Array<[string, unknown]> {
  if (!r) return [];
  const fields: Record<string, unknown> = r;
  const entries: Array<[string, unknown]> = [['restart-strategy.type', r.type]];
  for (const [field, key] of Object.entries(RESTART_STRATEGY_KEYS[r.type])) entries.push([`restart-strategy.${r.type}.${key}`, fields[field]]);
  // RestartStrategies.exponentialDelayRestart takes no attempts: as Flink's loader, the job's
  // strategy restarts without that limit, whatever the configuration says.
  if (r.type === 'exponential-delay') entries.push([ATTEMPTS.key, ATTEMPTS.defaultValue]);
  return entries;
}

/** The parallelism settings a configuration gives the job graph. */
export function parallelismDefaults(config: Configuration): ParallelismDefaults {
  return { parallelism: config.get(CoreOptions.DEFAULT_PARALLELISM), maxParallelism: config.get(PipelineOptions.MAX_PARALLELISM) };
}
