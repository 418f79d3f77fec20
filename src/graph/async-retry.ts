/*
 * Retries of async calls (Flink's AsyncRetryStrategy, 1.16+): when an answer satisfies the
 * strategy's result predicate, or a failure its exception predicate, and the strategy allows
 * another attempt, the call is made again after a back-off, within the same overall timeout.
 */

import { describeArgument } from '../util/describe-argument.js';

/** When an answer calls for another attempt (Flink's AsyncRetryPredicate). */
export interface AsyncRetryPredicate<OUT> {
  readonly resultPredicate?: (results: readonly OUT[]) => boolean;
  readonly exceptionPredicate?: (error: unknown) => boolean;
}

/** How often and how soon to try again (Flink's AsyncRetryStrategy). Attempts count from 1. */
export interface AsyncRetryStrategy<OUT> {
  canRetry(currentAttempts: number): boolean;
  getBackoffTimeMillis(currentAttempts: number): number;
  getRetryPredicate(): AsyncRetryPredicate<OUT>;
}

/** Flink's RetryPredicates. */
export const RetryPredicates = {
  /** Retry when the call answered with no results. */
  EMPTY_RESULT_PREDICATE: (results: readonly unknown[]): boolean => results.length === 0,
  /** Retry on any failure. */
  HAS_EXCEPTION_PREDICATE: (_error: unknown): boolean => true,
  /** Retry on failures of one error class. */
  createExceptionTypePredicate:
    (type: abstract new (...args: never[]) => unknown) =>
    (error: unknown): boolean =>
      error instanceof type,
} as const;

function checkAttempts(maxAttempts: number): void {
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`maxAttempts should be greater than zero, got ${describeArgument(maxAttempts)}.`);
}

function checkDelay(name: string, ms: number): void {
  if (!(Number.isFinite(ms) && ms > 0)) throw new RangeError(`${name} should be greater than zero, got ${describeArgument(ms)}.`);
}

abstract class RetryBuilder<OUT, Self> {
  protected resultPredicate: ((results: readonly OUT[]) => boolean) | undefined;
  protected exceptionPredicate: ((error: unknown) => boolean) | undefined;

  /** Retry when the answer's results satisfy `predicate`. */
  ifResult(predicate: (results: readonly OUT[]) => boolean): Self {
    this.resultPredicate = predicate;
    return this as unknown as Self;
  }

  /** Retry when the failure satisfies `predicate`. */
  ifException(predicate: (error: unknown) => boolean): Self {
    this.exceptionPredicate = predicate;
    return this as unknown as Self;
  }

  protected predicate(): AsyncRetryPredicate<OUT> {
    return { ...(this.resultPredicate ? { resultPredicate: this.resultPredicate } : {}), ...(this.exceptionPredicate ? { exceptionPredicate: this.exceptionPredicate } : {}) };
  }
}

/**
 * Flink's FixedDelayRetryStrategyBuilder: another attempt after `backoffTimeMillis` while
 * `currentAttempts <= maxAttempts` (as Flink counts: up to maxAttempts retries after the first call).
 */
class FixedDelayRetryStrategyBuilder<OUT> extends RetryBuilder<OUT, FixedDelayRetryStrategyBuilder<OUT>> {
  constructor(
    private readonly maxAttempts: number,
    private readonly backoffTimeMillis: number,
  ) {
    super();
    checkAttempts(maxAttempts);
    checkDelay('backoffTimeMillis', backoffTimeMillis);
  }

  build(): AsyncRetryStrategy<OUT> {
    const { maxAttempts, backoffTimeMillis } = this;
    const predicate = this.predicate();
    return { canRetry: (n) => n <= maxAttempts, getBackoffTimeMillis: () => backoffTimeMillis, getRetryPredicate: () => predicate };
  }
}

/**
 * Flink's ExponentialBackoffDelayRetryStrategyBuilder: the first retry after `initialDelay`, each
 * later one `multiplier` times the one before (in whole milliseconds), at most `maxRetryDelay`. (Flink keeps the last
 * delay in the strategy, shared by every call of the subtask; here each call backs off on its own.)
 */
class ExponentialBackoffDelayRetryStrategyBuilder<OUT> extends RetryBuilder<OUT, ExponentialBackoffDelayRetryStrategyBuilder<OUT>> {
  constructor(
    private readonly maxAttempts: number,
    private readonly initialDelay: number,
    private readonly maxRetryDelay: number,
    private readonly multiplier: number,
  ) {
    super();
    checkAttempts(maxAttempts);
    checkDelay('initialDelay', initialDelay);
    checkDelay('maxRetryDelay', maxRetryDelay);
    if (!(Number.isFinite(multiplier) && multiplier >= 1)) throw new RangeError(`multiplier should be at least 1, got ${describeArgument(multiplier)}.`);
  }

  build(): AsyncRetryStrategy<OUT> {
    const { maxAttempts, initialDelay, maxRetryDelay, multiplier } = this;
    const predicate = this.predicate();
    return {
      canRetry: (n) => n <= maxAttempts,
      getBackoffTimeMillis: (n) => {
        // Flink's steps: the first retry after initialDelay (even above the maximum), each later
        // one the one before times the multiplier, cut to whole milliseconds at every step (its
        // (long) cast), at most maxRetryDelay. (A closed form rounds once and drifts for 1.5.)
        let delay = initialDelay;
        for (let attempt = 2; attempt <= n; attempt++) delay = Math.min(Math.trunc(delay * multiplier), maxRetryDelay);
        return delay;
      },
      getRetryPredicate: () => predicate,
    };
  }
}

/** Flink's AsyncRetryStrategies. */
export const AsyncRetryStrategies = {
  NO_RETRY_STRATEGY: { canRetry: () => false, getBackoffTimeMillis: () => -1, getRetryPredicate: () => ({}) } as AsyncRetryStrategy<unknown>,
  FixedDelayRetryStrategyBuilder,
  ExponentialBackoffDelayRetryStrategyBuilder,
} as const;
