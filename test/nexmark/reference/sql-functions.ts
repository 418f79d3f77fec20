/**
 * The SQL functions Nexmark's queries use, with Flink SQL's results. Times are ms since the
 * epoch; Nexmark's TIMESTAMP(3) columns are that instant in UTC, so DATE_FORMAT and HOUR are UTC.
 */

const DAY_MS = 86_400_000;
const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
/** `HH:mm` of each minute of a day: formatting is a lookup, not a Date per row. */
const HOUR_MINUTES = Array.from({ length: 1440 }, (_, m) => `${pad2(Math.floor(m / 60))}:${pad2(m % 60)}`);
let lastDay = Number.NaN;
let lastDayText = '';

/** `DATE_FORMAT(t, 'yyyy-MM-dd')`. */
export function formatDay(t: number): string {
  const day = Math.floor(t / DAY_MS);
  if (day !== lastDay) {
    const d = new Date(day * DAY_MS);
    lastDayText = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
    lastDay = day;
  }
  return lastDayText;
}

/** Milliseconds since midnight UTC. */
const timeOfDay = (t: number) => ((t % DAY_MS) + DAY_MS) % DAY_MS;

/** `DATE_FORMAT(t, 'HH:mm')`. */
export function formatHourMinute(t: number): string {
  return HOUR_MINUTES[Math.floor(timeOfDay(t) / 60_000)]!;
}

/** `HOUR(t)`. */
export function hourOf(t: number): number {
  return Math.floor(timeOfDay(t) / 3_600_000);
}

/**
 * `0.908 * price` (DECIMAL(23, 3)) as the double nearest to the exact decimal, which prints as
 * that decimal: 908·price is an exact integer below 2^53, and one division rounds once.
 */
export function toEuro(price: number): number {
  return (price * 908) / 1000;
}

/** `AVG` of a BIGINT column: a BIGINT, the quotient truncated (exact for sums below 2^53). */
export function avgBigint(sum: number, count: number): number {
  return Math.trunc(sum / count);
}

/** `REGEXP_EXTRACT(s, re, group)`: the group of the first match, or null without a match. */
export function regexpExtract(s: string, re: RegExp, group: number): string | null {
  const m = re.exec(s);
  return m === null ? null : (m[group] ?? null);
}

/**
 * `SPLIT_INDEX(s, sep, index)` for each index: the index-th piece (empty pieces kept), or null
 * beyond the last.
 */
export function splitIndex(s: string, sep: string, ...indexes: number[]): (string | null)[] {
  const parts = s.split(sep);
  return indexes.map((i) => (i >= 0 && i < parts.length ? parts[i]! : null));
}

/** Nexmark's `count_char(s, c)` UDF: how many times the character occurs. */
export function countChar(s: string, c: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] === c) n++;
  return n;
}
