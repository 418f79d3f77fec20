/** A restart strategy set in job code (`env.setRestartStrategy`); wins over `restart-strategy.*` keys. */
export type RestartStrategyConfiguration =
  | { readonly type: 'none' }
  | { readonly type: 'fixed-delay'; readonly attempts: number; readonly delayMs: number }
  | {
      readonly type: 'exponential-delay';
      readonly initialBackoffMs: number;
      readonly maxBackoffMs: number;
      readonly backoffMultiplier: number;
      readonly resetBackoffThresholdMs: number;
      readonly jitterFactor: number;
    }
  | { readonly type: 'failure-rate'; readonly maxFailuresPerInterval: number; readonly failureIntervalMs: number; readonly delayMs: number };

/** Factories for restart strategies, after Flink's RestartStrategies. */
export const RestartStrategies = {
  noRestart(): RestartStrategyConfiguration {
    return { type: 'none' };
  },
  fixedDelayRestart(attempts: number, delayMs: number): RestartStrategyConfiguration {
    return { type: 'fixed-delay', attempts, delayMs };
  },
  exponentialDelayRestart(
    initialBackoffMs = 1000,
    maxBackoffMs = 60_000,
    backoffMultiplier = 1.5,
    resetBackoffThresholdMs = 3_600_000,
    jitterFactor = 0.1,
  ): RestartStrategyConfiguration {
    return { type: 'exponential-delay', initialBackoffMs, maxBackoffMs, backoffMultiplier, resetBackoffThresholdMs, jitterFactor };
  },
  failureRateRestart(maxFailuresPerInterval: number, failureIntervalMs: number, delayMs: number): RestartStrategyConfiguration {
    return { type: 'failure-rate', maxFailuresPerInterval, failureIntervalMs, delayMs };
  },
} as const;
