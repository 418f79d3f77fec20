import { type Configuration, RestartStrategyOptions as R } from '../config/index.js';

/** What to do after a failure. */
export type RestartDecision = { readonly restart: true; readonly delayMs: number } | { readonly restart: false; readonly reason: string };

/**
 * Decides whether a failed job restarts and after how long (Flink's RestartBackoffTimeStrategy).
 * Pure apart from the failure times it is told about, so tests drive it with explicit times.
 */
export interface RestartStrategy {
  readonly name: string;
  /** Called at each failure, at time `now` (ms). */
  onFailure(now: number): RestartDecision;
}

/** No restarts: the first failure fails the job. */
export class NoRestartStrategy implements RestartStrategy {
  readonly name = 'none';
  onFailure(_now: number): RestartDecision {
    return { restart: false, reason: 'the restart strategy is none' };
  }
}

/** Up to `attempts` restarts, each after `delayMs`. */
export class FixedDelayRestartStrategy implements RestartStrategy {
  readonly name = 'fixed-delay';
  private failures = 0;
  constructor(
    private readonly attempts: number,
    private readonly delayMs: number,
  ) {}
  onFailure(_now: number): RestartDecision {
    this.failures++;
    if (this.failures > this.attempts) return { restart: false, reason: `the fixed-delay restart strategy allows ${this.attempts} restart(s)` };
    return { restart: true, delayMs: this.delayMs };
  }
}

/** Restarts unless more than `maxFailures` failures fall within `intervalMs`. */
export class FailureRateRestartStrategy implements RestartStrategy {
  readonly name = 'failure-rate';
  private readonly times: number[] = [];
  constructor(
    private readonly maxFailures: number,
    private readonly intervalMs: number,
    private readonly delayMs: number,
  ) {}
  onFailure(now: number): RestartDecision {
    this.times.push(now);
    while (this.times.length > 0 && this.times[0]! <= now - this.intervalMs) this.times.shift();
    if (this.times.length > this.maxFailures) {
      return { restart: false, reason: `more than ${this.maxFailures} failure(s) within ${this.intervalMs} ms (failure-rate restart strategy)` };
    }
    return { restart: true, delayMs: this.delayMs };
  }
}

/**
 * Backoff that grows by `multiplier` per failure up to `maxBackoffMs`, back to the initial one
 * after the job has run `resetThresholdMs` without failing; `jitter` spreads it by ±that fraction.
 * Gives up after `maxAttempts` consecutive attempts without a reset.
 */
export class ExponentialDelayRestartStrategy implements RestartStrategy {
  readonly name = 'exponential-delay';
  private backoff: number;
  private lastFailure = -Infinity;
  private attempts = 0;
  constructor(
    private readonly initialBackoffMs: number,
    private readonly maxBackoffMs: number,
    private readonly multiplier: number,
    private readonly resetThresholdMs: number,
    private readonly jitter: number,
    private readonly maxAttempts: number,
    private readonly random: () => number = Math.random,
  ) {
    this.backoff = initialBackoffMs;
  }
  onFailure(now: number): RestartDecision {
    if (now - this.lastFailure >= this.resetThresholdMs) {
      this.backoff = this.initialBackoffMs;
      this.attempts = 0;
    } else {
      this.backoff = Math.min(this.maxBackoffMs, this.backoff * this.multiplier);
    }
    this.lastFailure = now;
    this.attempts++;
    if (this.attempts > this.maxAttempts) {
      return { restart: false, reason: `the exponential-delay restart strategy allows ${this.maxAttempts} attempt(s) before its backoff resets` };
    }
    const spread = this.backoff * this.jitter * (this.random() * 2 - 1);
    return { restart: true, delayMs: Math.max(0, Math.round(this.backoff + spread)) };
  }
}

/** The restart strategy a configuration asks for (`restart-strategy.type` and its sub-keys). */
export function restartStrategyFrom(config: Configuration): RestartStrategy {
  switch (config.get(R.RESTART_STRATEGY)) {
    case 'none':
      return new NoRestartStrategy();
    case 'fixed-delay':
      return new FixedDelayRestartStrategy(config.get(R.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS), config.get(R.RESTART_STRATEGY_FIXED_DELAY_DELAY));
    case 'failure-rate':
      return new FailureRateRestartStrategy(
        config.get(R.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL),
        config.get(R.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL),
        config.get(R.RESTART_STRATEGY_FAILURE_RATE_DELAY),
      );
    case 'exponential-delay':
      return new ExponentialDelayRestartStrategy(
        config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF),
        config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF),
        config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER),
        config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD),
        config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR),
        config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS),
      );
  }
}
