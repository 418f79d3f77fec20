import { type Configuration, RestartStrategyOptions as R } from '../config/index.js';
import { describeDuration } from '../util/duration.js';
import { ConfigError } from '../util/errors.js';

/**
 * What to do after a failure. `newAttempt` is false when the failure came while a restart was
 * already pending and joins it (exponential-delay, as Flink 1.19+): the restart still happens,
 * after what is left of that restart's delay, and counts once.
 */
export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number; readonly newAttempt: boolean }
  | { readonly restart: false; readonly reason: string };

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
    return { restart: true, delayMs: this.delayMs, newAttempt: true };
  }
}

/**
 * Restarts unless more than `maxFailures` failures fall within `intervalMs`, both ends included:
 * as Flink's FailureRateRestartBackoffTimeStrategy, the oldest of the last `maxFailures + 1`
 * failures must lie more than the interval before the newest for the job to restart.
 */
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
    while (this.times.length > 0 && now - this.times[0]! > this.intervalMs) this.times.shift();
    if (this.times.length > this.maxFailures) {
      return { restart: false, reason: `more than ${this.maxFailures} failure(s) within ${this.intervalMs} ms (failure-rate restart strategy)` };
    }
    return { restart: true, delayMs: this.delayMs, newAttempt: true };
  }
}

/** The settings of {@link ExponentialDelayRestartStrategy}, in ms where they are times. */
export interface ExponentialDelaySettings {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly multiplier: number;
  readonly resetThresholdMs: number;
  readonly jitter: number;
  readonly maxAttempts: number;
}

/**
 * Flink 1.19+'s ExponentialDelayRestartBackoffTimeStrategy. The n-th restart since the last
 * reset (n from 0) waits `initial · multiplier^n` ms, cut to whole ms, ± a random whole number
 * of ms up to `jitter` times that, then kept within [initial, max]. A failure that comes while a
 * restart is pending (at or before the time it was scheduled for) joins that restart: it is no
 * new attempt, and the restart keeps its time. Once the job has run `resetThreshold` past the
 * time of its last scheduled restart, the next failure starts over at the initial backoff.
 * More than `maxAttempts` restarts without a reset fail the job.
 */
export class ExponentialDelayRestartStrategy implements RestartStrategy {
  readonly name = 'exponential-delay';
  /** Restarts since the last reset. */
  private attempts = 0;
  /** When the pending (or last) restart was scheduled to happen; none before the first failure. */
  private nextRestartAt: number | undefined;
  constructor(
    readonly settings: ExponentialDelaySettings,
    /** Uniform in [0, 1), as Math.random; a test fixes it to pin the jitter. */
    private readonly random: () => number = Math.random,
  ) {}
  onFailure(now: number): RestartDecision {
    const pending = this.nextRestartAt !== undefined && now <= this.nextRestartAt;
    if (!pending) {
      if (this.nextRestartAt === undefined || now - this.nextRestartAt >= this.settings.resetThresholdMs) this.attempts = 0;
      this.nextRestartAt = now + this.backoff(this.attempts);
      this.attempts++;
    }
    if (this.attempts > this.settings.maxAttempts) {
      return { restart: false, reason: `the exponential-delay restart strategy allows ${this.settings.maxAttempts} attempt(s) before its backoff resets` };
    }
    return { restart: true, delayMs: Math.max(0, this.nextRestartAt! - now), newAttempt: !pending };
  }

  /** The delay of restart number `n` since the last reset, jitter included. */
  private backoff(n: number): number {
    const { initialBackoffMs, maxBackoffMs, multiplier, jitter } = this.settings;
    // Bounded so the jitter below stays exact integer arithmetic however many attempts there are.
    const base = Math.min(Math.trunc(initialBackoffMs * multiplier ** n), MAX_BASE_BACKOFF_MS);
    const offset = Math.trunc(base * jitter);
    const spread = offset === 0 ? 0 : Math.floor(this.random() * (2 * offset + 1)) - offset;
    return Math.max(initialBackoffMs, Math.min(base + spread, maxBackoffMs));
  }
}

/** 2^48 ms (~8,900 years): far beyond any max-backoff, and ±its jitter is still an exact integer. */
const MAX_BASE_BACKOFF_MS = 2 ** 48;

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
      return new ExponentialDelayRestartStrategy(exponentialDelaySettings(config));
  }
}

/**
 * The exponential-delay settings of a configuration.
 *
 * @throws ConfigError if the initial backoff exceeds the maximum one (each key alone was checked
 * when it was read; Flink refuses this pair when it creates the strategy)
 */
function exponentialDelaySettings(config: Configuration): ExponentialDelaySettings {
  const initialBackoffMs = config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF);
  const maxBackoffMs = config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF);
  if (initialBackoffMs > maxBackoffMs) {
    const [initial, max] = [R.RESTART_STRATEGY_EXPONENTIAL_DELAY_INITIAL_BACKOFF, R.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF];
    const setting = (o: typeof initial, ms: number): string => {
      const source = config.sourceOf(o);
      return `${o.key} (${describeDuration(ms)}, ${source === undefined ? 'its default' : `in ${source}`})`;
    };
    throw new ConfigError(`${setting(initial, initialBackoffMs)} cannot be higher than ${setting(max, maxBackoffMs)}.`);
  }
  return {
    initialBackoffMs,
    maxBackoffMs,
    multiplier: config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_BACKOFF_MULTIPLIER),
    resetThresholdMs: config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_RESET_BACKOFF_THRESHOLD),
    jitter: config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_JITTER_FACTOR),
    maxAttempts: config.get(R.RESTART_STRATEGY_EXPONENTIAL_DELAY_ATTEMPTS),
  };
}
