import { Duration, Time } from '../util/time.js';

/*
 * Checks of the numbers connector builders take (part sizes, intervals): positive and finite,
 * else a TypeError naming the setting, as Flink's builders check `> 0`.
 */

/**
 * The milliseconds of `value`, a Duration or Time (what Flink's builders take since 1.17; the
 * spec's "a duration is a Duration or a Time wherever one is taken") or a bare number of ms (what
 * this API took first), if positive; else a TypeError naming `setting` (Flink checks `> 0`).
 */
export function positiveMillis(setting: string, value: unknown): number {
  const what = 'a Duration or Time (e.g. Duration.ofMinutes(15)) or a number of milliseconds';
  if (value instanceof Duration) return positive(setting, what, value.toMillis());
  if (value instanceof Time) return positive(setting, what, value.toMilliseconds());
  return positive(setting, what, value);
}

/** `value` if it is a positive finite number; else a TypeError naming `setting` (Flink checks `> 0`). */
export function positive(setting: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${setting} takes ${what}, a positive finite number; got ${typeof value === 'number' ? String(value) : typeof value}.`);
  }
  return value;
}
