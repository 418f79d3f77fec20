import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../util/duration.js';
import { ConfigError } from '../util/errors.js';
import { isRemoteUri } from '../util/file-uri.js';
import { echo } from '../util/sanitize.js';

/** A value as recorded on a job row: durations are milliseconds, enums their names. */
export type ConfigValue = string | number | boolean;

/** What a computed default may look at: the home and the other effective settings. */
export interface DefaultContext {
  readonly home: string;
  get<U>(option: ConfigOption<U>): U;
}

/**
 * A typed configuration key in Flink's style (cf. Flink's `ConfigOption<T>`): the key, its
 * default, and a parser that turns a YAML value or a `-D` string into a `T` or throws a
 * {@link ConfigError} naming the key and `source` (a file path or `-D`).
 */
export interface ConfigOption<T> {
  readonly key: string;
  /** The default; for options with {@link computeDefault} this is only a fallback. */
  readonly defaultValue: T;
  /** Parses a raw value (number, boolean or string from YAML; string from `-D`). */
  parse(raw: unknown, source: string): T;
  readonly description: string;
  /** A default that depends on the home or other options (e.g. restart strategy). */
  readonly computeDefault?: (ctx: DefaultContext) => T;
  /** How the default reads in documentation when it is computed. */
  readonly defaultDescription?: string;
  /** The accepted range of a number or duration (in ms), both ends included unless `minExclusive`. */
  readonly bounds?: { readonly min: number; readonly max: number; readonly minExclusive?: true };
}

/**
 * The longest duration accepted, in ms: 2^31−1, about 24.8 days. Durations become timers, and
 * Node fires a timer set beyond this after 1 ms instead (so `interval: 30 d` would checkpoint
 * continuously).
 */
export const MAX_DURATION_MS = 2_147_483_647;
/** The largest integer accepted where no other limit applies: Java's Integer.MAX_VALUE, as Flink's int options. */
export const MAX_INT = 2_147_483_647;

/** Formats a raw value for an error message: one line, bounded (it may be anything a file holds). */
export function showRaw(raw: unknown): string {
  if (typeof raw === 'string') return echo(raw);
  if (typeof raw === 'number' || typeof raw === 'boolean' || raw === null) return String(raw);
  try {
    return echo(JSON.stringify(raw) ?? String(raw));
  } catch {
    return echo(String(raw));
  }
}

/** The one shape of a bad-value error, so every option reads the same. */
export function invalidValue(raw: unknown, key: string, source: string, expected: string): ConfigError {
  return new ConfigError(
    `Invalid value '${showRaw(raw)}' for ${key} in ${source}: expected ${expected}`,
    'config.invalidValue',
  );
}

interface Common {
  readonly description: string;
  readonly computeDefault?: (ctx: DefaultContext) => unknown;
  readonly defaultDescription?: string;
}

function option<T>(
  key: string,
  defaultValue: T,
  common: Common,
  parse: (raw: unknown, source: string) => T,
  bounds?: { min: number; max: number; minExclusive?: true },
): ConfigOption<T> {
  const { description, computeDefault, defaultDescription } = common;
  return {
    key,
    defaultValue,
    description,
    parse,
    ...(computeDefault ? { computeDefault: computeDefault as (ctx: DefaultContext) => T } : {}),
    ...(defaultDescription ? { defaultDescription } : {}),
    ...(bounds ? { bounds } : {}),
  };
}

/** Bounds of a duration option: at least `min` ms (default 0), at most `max` (default {@link MAX_DURATION_MS}). */
interface DurationBounds {
  readonly min?: number;
  readonly max?: number;
}

/** A duration in milliseconds within its bounds. */
export function durationOption(key: string, defaultMs: number, common: Common & DurationBounds): ConfigOption<number> {
  const bounds = { min: common.min ?? 0, max: common.max ?? MAX_DURATION_MS };
  return option(key, defaultMs, common, (raw, source) => parseDurationValue(raw, key, source, bounds), bounds);
}

/** A duration in milliseconds that may be unset (`undefined`), e.g. the checkpoint interval. */
export function optionalDurationOption(key: string, common: Common & DurationBounds): ConfigOption<number | undefined> {
  const bounds = { min: common.min ?? 0, max: common.max ?? MAX_DURATION_MS };
  return option<number | undefined>(key, undefined, common, (raw, source) => parseDurationValue(raw, key, source, bounds), bounds);
}

function parseDurationValue(raw: unknown, key: string, source: string, { min, max }: { min: number; max: number }): number {
  const ms = typeof raw === 'string' || typeof raw === 'number' ? parseDuration(raw) : undefined;
  if (ms === undefined) throw invalidValue(raw, key, source, "a duration such as '10 s' or '500 ms'");
  if (ms < min) throw invalidValue(raw, key, source, `a duration of at least ${min} ms`);
  if (ms > max) {
    const why = max === MAX_DURATION_MS ? ' (about 24.8 days, the longest timer Node.js can set)' : '';
    throw invalidValue(raw, key, source, `a duration of at most ${max} ms${why}`);
  }
  return ms;
}

/** An integer in `[min, max]` (`max` defaults to {@link MAX_INT}). */
export function intOption(key: string, defaultValue: number, common: Common & { min: number; max?: number }): ConfigOption<number> {
  const bounds = { min: common.min, max: common.max ?? MAX_INT };
  const range = `an integer from ${bounds.min} to ${bounds.max}`;
  return option(key, defaultValue, common, (raw, source) => parseIntIn(raw, key, source, bounds, range), bounds);
}

/** `raw` as an integer in `bounds`, or a ConfigError saying `range` was expected. */
function parseIntIn(raw: unknown, key: string, source: string, bounds: { min: number; max: number }, range: string): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < bounds.min || n > bounds.max) throw invalidValue(raw, key, source, range);
  return n;
}

/**
 * An integer in `[min, max]` or `auto` (any case), for a count the engine may choose itself,
 * e.g. `taskmanager.numberOfTaskSlots`.
 */
export function autoIntOption(key: string, defaultValue: number | 'auto', common: Common & { min: number; max: number }): ConfigOption<number | 'auto'> {
  const bounds = { min: common.min, max: common.max };
  const range = `'auto' or an integer from ${bounds.min} to ${bounds.max}`;
  return option<number | 'auto'>(
    key,
    defaultValue,
    common,
    (raw, source) => (typeof raw === 'string' && raw.trim().toLowerCase() === 'auto' ? 'auto' : parseIntIn(raw, key, source, bounds, range)),
    bounds,
  );
}

/** A finite number in `[min, max]`, or in `(min, max]` with `minExclusive` (Flink's "must be greater than"). */
export function numberOption(
  key: string,
  defaultValue: number,
  common: Common & { min: number; max?: number; minExclusive?: boolean },
): ConfigOption<number> {
  const exclusive = common.minExclusive === true;
  const bounds = { min: common.min, max: common.max ?? Number.MAX_VALUE, ...(exclusive ? { minExclusive: true as const } : {}) };
  const lower = exclusive ? `greater than ${common.min}` : `>= ${common.min}`;
  const range = common.max === undefined ? `a number ${lower}` : exclusive ? `a number ${lower} and at most ${bounds.max}` : `a number from ${common.min} to ${bounds.max}`;
  return option(
    key,
    defaultValue,
    common,
    (raw, source) => {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n) || n < bounds.min || (exclusive && n === bounds.min) || n > bounds.max) throw invalidValue(raw, key, source, range);
      return n;
    },
    bounds,
  );
}

/** `true` or `false` (any case). */
export function booleanOption(key: string, defaultValue: boolean, common: Common): ConfigOption<boolean> {
  return option(key, defaultValue, common, (raw, source) => {
    if (typeof raw === 'boolean') return raw;
    const s = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
    if (s === 'true') return true;
    if (s === 'false') return false;
    throw invalidValue(raw, key, source, "'true' or 'false'");
  });
}

/**
 * One of `values`, matched case-insensitively as Flink does; `aliases` maps other accepted
 * spellings (lower case) to a canonical value (e.g. Flink's `fixeddelay`).
 */
export function enumOption<E extends string>(
  key: string,
  values: readonly E[],
  defaultValue: E,
  common: Common & { aliases?: Readonly<Record<string, E>> },
): ConfigOption<E> {
  const byLower = new Map<string, E>(values.map((v) => [v.toLowerCase(), v]));
  for (const [alias, v] of Object.entries(common.aliases ?? {})) byLower.set(alias.toLowerCase(), v);
  return option(key, defaultValue, common, (raw, source) => {
    const hit = typeof raw === 'string' ? byLower.get(raw.trim().toLowerCase()) : undefined;
    if (hit === undefined) throw invalidValue(raw, key, source, `one of ${values.join(', ')}`);
    return hit;
  });
}

/** A local directory: a path (made absolute, `~/` expanded) or a `file:` URI. */
export function pathOption(key: string, common: Common & { computeDefault: (ctx: DefaultContext) => string }): ConfigOption<string> {
  return option(key, '', common, (raw, source) => {
    const s = typeof raw === 'string' ? raw.trim() : '';
    if (s === '') throw invalidValue(raw, key, source, 'a directory path');
    if (/^file:/i.test(s)) {
      try {
        return fileURLToPath(s);
      } catch {
        throw invalidValue(raw, key, source, "a file: URI such as 'file:///data/checkpoints'");
      }
    }
    if (isRemoteUri(s)) {
      throw invalidValue(raw, key, source, 'a local directory or file: URI (remote file systems are not supported)');
    }
    if (s === '~' || s.startsWith('~/')) return path.join(os.homedir(), s.slice(1));
    return path.resolve(s);
  });
}
