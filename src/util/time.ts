/**
 * Time as the engine counts it: a number of milliseconds since the epoch, a safe integer.
 * Flink's `Long.MAX_VALUE` and `Long.MIN_VALUE` become the largest and smallest safe integers,
 * and sums that would pass them stop there instead of losing precision (or, as in Java,
 * wrapping around).
 */

import { describeArgument } from './describe-argument.js';

/**
 * The largest time (Flink's `Long.MAX_VALUE`): the watermark at the end of a bounded input,
 * a `GlobalWindow`'s `maxTimestamp()` and `end`.
 */
export const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/**
 * The smallest time (Flink's `Long.MIN_VALUE`): the watermark before any has arrived, and the
 * timestamp of a record that has none.
 */
export const MIN_TIMESTAMP = Number.MIN_SAFE_INTEGER;

/** `a + b`, capped at {@link MAX_TIMESTAMP} and {@link MIN_TIMESTAMP}. */
export function saturatingAdd(a: number, b: number): number {
  const sum = a + b;
  if (sum >= MAX_TIMESTAMP) return MAX_TIMESTAMP;
  if (sum <= MIN_TIMESTAMP) return MIN_TIMESTAMP;
  return sum;
}

/** `n` units of `unitMs` each, rounding away float noise such as 1.1 × 1000 = 1100.0000000000002. */
function scaled(n: number, unitMs: number): number {
  if (typeof n !== 'number') return n; // left for checkedMillis to reject by its type
  const ms = n * unitMs;
  const rounded = Math.round(ms);
  return Math.abs(ms - rounded) < 1e-6 ? rounded : ms;
}

function checkedMillis(ms: number, what: string): number {
  if (typeof ms !== 'number' || Number.isNaN(ms)) throw new TypeError(`${what} needs a number, got ${describeArgument(ms)}.`);
  if (!Number.isFinite(ms)) throw new RangeError(`${what} must be finite, got ${describeArgument(ms)}.`);
  if (!Number.isInteger(ms)) throw new RangeError(`${what} must be a whole number of milliseconds, got ${ms} ms.`);
  if (!Number.isSafeInteger(ms)) {
    throw new RangeError(`${what} is out of range: ${ms} ms is beyond ±${MAX_TIMESTAMP} ms.`);
  }
  return ms;
}

/**
 * The factory of lengths in one unit (`Duration.ofSeconds`, `Time.seconds`): `n` units as
 * checked milliseconds, which `make` wraps; `what` names the factory in errors. Milliseconds are
 * taken as given (a fraction of one is an error, not rounded).
 */
function inUnit<T>(unitMs: number, what: string, make: (ms: number) => T): (n: number) => T {
  return (n) => make(checkedMillis(unitMs === 1 ? n : scaled(n, unitMs), what));
}

/**
 * A length of time, as Flink 2.x's `java.time.Duration`: `Duration.ofSeconds(10)`. Negative
 * lengths exist (a window offset of `Duration.ofHours(-8)`); each API says what it accepts.
 */
export class Duration {
  /** No time at all. */
  static readonly ZERO = new Duration(0);

  private constructor(private readonly ms: number) {}

  static readonly ofMillis = inUnit(1, 'Duration.ofMillis', (ms) => new Duration(ms));
  static readonly ofSeconds = inUnit(1000, 'Duration.ofSeconds', (ms) => new Duration(ms));
  static readonly ofMinutes = inUnit(60_000, 'Duration.ofMinutes', (ms) => new Duration(ms));
  static readonly ofHours = inUnit(3_600_000, 'Duration.ofHours', (ms) => new Duration(ms));
  static readonly ofDays = inUnit(86_400_000, 'Duration.ofDays', (ms) => new Duration(ms));

  toMillis(): number {
    return this.ms;
  }
  isZero(): boolean {
    return this.ms === 0;
  }
  isNegative(): boolean {
    return this.ms < 0;
  }
  equals(other: unknown): boolean {
    return other instanceof Duration && other.ms === this.ms;
  }
  toString(): string {
    return `${this.ms} ms`;
  }
}

/** A length of time, as Flink 1.x's `Time`: `Time.seconds(10)`. Same rules as {@link Duration}. */
export class Time {
  private constructor(private readonly ms: number) {}
  static readonly milliseconds = inUnit(1, 'Time.milliseconds', (ms) => new Time(ms));
  static readonly seconds = inUnit(1000, 'Time.seconds', (ms) => new Time(ms));
  static readonly minutes = inUnit(60_000, 'Time.minutes', (ms) => new Time(ms));
  static readonly hours = inUnit(3_600_000, 'Time.hours', (ms) => new Time(ms));
  static readonly days = inUnit(86_400_000, 'Time.days', (ms) => new Time(ms));
  toMilliseconds(): number {
    return this.ms;
  }
  toString(): string {
    return `${this.ms} ms`;
  }
}

/** What every API that takes a length of time accepts. */
export type DurationLike = Duration | Time;

/** A bare number where a Duration goes is named as one: the unit is what is missing. */
function describe(value: unknown): string {
  return typeof value === 'number' ? `number ${value}` : describeArgument(value);
}

/**
 * The milliseconds of a {@link Duration} or {@link Time}, checked: a TypeError if `value` is
 * neither (a bare number included, so units are never guessed), a RangeError if it is not a
 * safe whole number of milliseconds. `what` names the argument in the message.
 *
 * @example durationToMillis(Duration.ofSeconds(5), 'The window size') // 5000
 */
export function durationToMillis(value: DurationLike, what: string): number {
  let ms: number;
  if (value instanceof Duration) ms = value.toMillis();
  else if (value instanceof Time) ms = value.toMilliseconds();
  else {
    throw new TypeError(`${what} must be a Duration or a Time (e.g. Duration.ofSeconds(5)), got ${describe(value)}.`);
  }
  return checkedMillis(ms, what);
}

/**
 * Checks that `value` can be a timestamp: a safe integer number of milliseconds. For
 * timestamps from user code (timestamp assigners, watermarks, timers), whose message names
 * where it came from.
 */
export function checkTimestamp(value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(
      `${what} must be a whole number of milliseconds between ${MIN_TIMESTAMP} and ${MAX_TIMESTAMP}, got ${describe(value)}${timestampHint(value)}.`,
    );
  }
  return value;
}

/**
 * What to do with the two values event times most often arrive as, where a number is needed:
 * a `Date` (Flink's assigners return a long, so Java code calls `getTime()`) and a date string.
 */
function timestampHint(value: unknown): string {
  if (value instanceof Date) return ': return its getTime()';
  if (typeof value === 'string') return ': parse it, e.g. Date.parse(text)';
  return '';
}
