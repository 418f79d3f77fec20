/**
 * Flink's duration syntax: `500 ms`, `10 s`, `10s`, `1 min`, `2 h`, `1 d`; a bare number is
 * milliseconds. Returns milliseconds, or undefined if `text` is not a duration.
 */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[1]);
  const factor = UNITS[m[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  const ms = value * factor;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

const UNITS: Record<string, number> = {
  '': 1,
  ms: 1, milli: 1, millis: 1, millisecond: 1, milliseconds: 1,
  s: 1000, sec: 1000, secs: 1000, second: 1000, seconds: 1000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
};

/** Formats milliseconds the way Flink prints durations in its CLI (e.g. `1500 ms`). */
export function formatDuration(ms: number): string {
  return `${Math.round(ms)} ms`;
}

/** Milliseconds in the largest of Flink's units that measures them whole: `10 s`, `1 min`, `2 h`, `1 d`, else `1500 ms`. */
export function describeDuration(ms: number): string {
  for (const [unit, factor] of WHOLE_UNITS) if (ms !== 0 && ms % factor === 0) return `${ms / factor} ${unit}`;
  return `${ms} ms`;
}

const WHOLE_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];
