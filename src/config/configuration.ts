import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import { ConfigError } from '../util/errors.js';
import { FileTooLargeError, NotRegularFileError, readRegularFileSync } from '../util/regular-file.js';
import { echo } from '../util/sanitize.js';
import { notUtf8TextReason } from '../util/text-encoding.js';
import { homeLayout, resolveHome } from './home.js';
import type { ConfigOption, ConfigValue, DefaultContext } from './option-types.js';
import { ALL_OPTIONS, RENAMED_KEYS, findOption } from './options.js';

/** Where a setting came from: a config file path, `-D`, or `code` (the job's own settings). */
export type ConfigSource = string;

interface Entry {
  readonly value: unknown;
  readonly source: ConfigSource;
}

/**
 * An immutable set of effective settings: explicitly set values (each remembering its source)
 * over computed defaults over static defaults. Every change returns a new Configuration.
 */
export class Configuration {
  /** The home that home-relative defaults (checkpoint and savepoint dirs) resolve against. */
  readonly home: string;
  private readonly entries: ReadonlyMap<string, Entry>;

  /** An empty configuration (all defaults); use {@link loadConfiguration} for files and -D. */
  constructor(home: string = resolveHome(), entries: ReadonlyMap<string, Entry> = new Map()) {
    this.home = home;
    this.entries = entries;
  }

  /** The effective value of `option`: as set, else its (computed) default. */
  get<T>(option: ConfigOption<T>): T {
    const entry = this.entries.get(option.key);
    if (entry !== undefined) return entry.value as T;
    if (option.computeDefault) {
      const ctx: DefaultContext = { home: this.home, get: (o) => this.get(o) };
      return option.computeDefault(ctx);
    }
    return option.defaultValue;
  }

  /** True if `option` was set explicitly (file, -D or code) rather than defaulted. */
  isSet(option: ConfigOption<unknown>): boolean {
    return this.entries.has(option.key);
  }

  /** Where `option` was set (a file path, `-D`, `code`), or undefined if defaulted. */
  sourceOf(option: ConfigOption<unknown>): ConfigSource | undefined {
    return this.entries.get(option.key)?.source;
  }

  /**
   * A copy with `key` set to `value`, parsed and validated as if read from `source`.
   * `undefined` or `null` unsets the key.
   *
   * @throws ConfigError for an unknown key or a bad value.
   */
  with(key: string, value: unknown, source: ConfigSource = 'code'): Configuration {
    const option = findOption(key);
    if (option === undefined) throw unknownKey(key, source);
    const next = new Map(this.entries);
    if (value === undefined || value === null) next.delete(key);
    else next.set(key, { value: option.parse(value, source), source });
    return new Configuration(this.home, next);
  }

  /** Typed variant of {@link with}; the value is still validated (e.g. ranges). */
  set<T>(option: ConfigOption<T>, value: T, source: ConfigSource = 'code'): Configuration {
    return this.with(option.key, value, source);
  }

  /**
   * The effective configuration as a flat record for a job row: every supported key with its
   * value (durations in ms), unset optional keys (such as a disabled interval) left out.
   */
  toRecord(): Record<string, ConfigValue> {
    const out: Record<string, ConfigValue> = {};
    for (const option of ALL_OPTIONS) {
      const v = this.get(option);
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[option.key] = v;
    }
    return out;
  }
}

/** What {@link loadConfiguration} reads. */
export interface LoadConfigurationOptions {
  /** The home whose `config.yaml` is read and against which defaults resolve. */
  readonly home: string;
  /** `key=value` strings from `-D`, applied after the file (later wins). */
  readonly dynamicProperties?: readonly string[];
  /** Overrides `<home>/config.yaml` (mainly for tests). */
  readonly configPath?: string;
}

/**
 * Builds the effective configuration: defaults, then `<home>/config.yaml` if present (flat
 * `a.b.c: v` keys or nested maps), then each `-D key=value` in order.
 *
 * @throws ConfigError naming the key and the file (or `-D`) for malformed YAML, unknown keys,
 * bad values and a `-D` without `=`.
 */
export function loadConfiguration(opts: LoadConfigurationOptions): Configuration {
  const configPath = opts.configPath ?? homeLayout(opts.home).configPath;
  let config = new Configuration(opts.home);
  for (const [key, value] of readConfigFile(configPath)) config = config.with(key, value, configPath);
  for (const prop of opts.dynamicProperties ?? []) {
    const [key, value] = parseDynamicProperty(prop);
    config = config.with(key, value, '-D');
  }
  return config;
}

/** Splits one `-D` argument at its first `=`. */
export function parseDynamicProperty(prop: string): [string, string] {
  const eq = prop.indexOf('=');
  const key = eq < 0 ? '' : prop.slice(0, eq).trim();
  if (key === '') {
    throw new ConfigError(
      `Invalid -D argument '${echo(prop)}': expected key=value (e.g. -D parallelism.default=2)`,
      'config.invalidDynamicProperty',
    );
  }
  return [key, prop.slice(eq + 1).trim()];
}

/** A config file is a few hundred bytes; anything near this is not one. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Aliases a config file may expand: enough for any real use, too few for an alias bomb. */
const MAX_ALIAS_COUNT = 100;
/** Nesting of maps: Flink's longest keys have six segments. */
const MAX_NESTING = 16;

/** Reads and flattens a YAML config file; a missing file is an empty config. */
function readConfigFile(file: string): Map<string, unknown> {
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(file, MAX_CONFIG_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new Map();
    const why =
      err instanceof NotRegularFileError || err instanceof FileTooLargeError
        ? err.message
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : (err as Error).message;
    throw new ConfigError(`Cannot read ${file}: ${why}`, 'config.unreadable');
  }
  // YAML is Unicode text; read as UTF-8 regardless, UTF-16 would parse as one garbled scalar and a
  // Latin-1 value would lose its accents to U+FFFD unnoticed (SnakeYAML, Flink's reader, refuses both).
  const notText = notUtf8TextReason(bytes);
  if (notText !== undefined) throw new ConfigError(`Cannot read ${file}: ${notText}`, 'config.unreadable');
  const root = parseYaml(bytes.toString('utf8'), file);
  if (root === null || root === undefined) return new Map();
  if (!isPlainMap(root)) {
    throw new ConfigError(`${file}: expected a map of settings such as 'parallelism.default: 2'`, 'config.malformed');
  }
  const flat = new Map<string, unknown>();
  flatten(root, '', flat, file, 0);
  return flat;
}

/**
 * The YAML document as plain values. The yaml package reports what it can as document errors
 * and throws for the rest (an alias expanding too much, nesting too deep for the stack): every
 * one of them is a malformed file, said in one line.
 */
function parseYaml(text: string, file: string): unknown {
  try {
    // yaml loads only when a config file is read: loading it slows every start (each worker thread's too).
    const { parseDocument } = createRequire(import.meta.url)('yaml') as typeof Yaml;
    const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = first.linePos?.[0]?.line;
      throw new ConfigError(`${file}: ${line === undefined ? '' : `line ${line}: `}${yamlReason(first.message)}`, 'config.malformed');
    }
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: ${yamlReason(err instanceof Error ? err.message : String(err))}`, 'config.malformed');
  }
}

function yamlReason(message: string): string {
  const reason = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (/call stack/i.test(reason)) return `it is nested too deeply (more than ${MAX_NESTING} levels make no setting)`;
  if (/alias count/i.test(reason)) return `its aliases (*name) expand to too much (at most ${MAX_ALIAS_COUNT} are expanded)`;
  // The yaml package's own advice (parseAllDocuments) is for programmers, not for this file's author.
  if (/multiple documents/i.test(reason)) return "it holds more than one YAML document (a second '---'); keep every setting in one";
  return echo(reason);
}

function isPlainMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  // Only a YAML map of keys: `!!set`, `!!omap` and the like come as a Set or a Map, values no setting takes.
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Nested maps become dotted keys (`execution: {checkpointing: {interval: 1s}}` →
 * `execution.checkpointing.interval`). A key given both ways is an error, not "last wins",
 * because which one the user meant is unknowable. Null values (`key:` with nothing) are unset.
 */
function flatten(node: Record<string, unknown>, prefix: string, out: Map<string, unknown>, file: string, depth: number): void {
  if (depth >= MAX_NESTING) {
    throw new ConfigError(`${file}: key '${echo(prefix)}' is nested too deeply (more than ${MAX_NESTING} levels make no setting)`, 'config.malformed');
  }
  for (const [k, v] of Object.entries(node)) {
    const key = prefix === '' ? k.trim() : `${prefix}.${k.trim()}`;
    if (isPlainMap(v)) {
      flatten(v, key, out, file, depth + 1);
    } else if (v !== null && v !== undefined) {
      if (out.has(key)) throw new ConfigError(`${file}: key '${echo(key)}' is set twice`, 'config.duplicateKey');
      out.set(key, v);
    }
  }
}

function unknownKey(key: string, source: ConfigSource): ConfigError {
  const hint = suggestKey(key);
  return new ConfigError(
    `Unknown configuration key '${echo(key)}' in ${source}${hint === undefined ? '' : `; did you mean '${hint}'?`}`,
    'config.unknownKey',
  );
}

const MAX_KEY_LENGTH = Math.max(...ALL_OPTIONS.map((o) => o.key.length));

/** The supported key the user most likely meant: a renamed Flink 1.x key, a typo, or a suffix. */
export function suggestKey(key: string): string | undefined {
  // An own key only: `constructor` or `toString` must not find Object.prototype's.
  const renamed = Object.hasOwn(RENAMED_KEYS, key) ? RENAMED_KEYS[key] : undefined;
  if (renamed !== undefined) return renamed;
  // No key is this long; comparing one would take time in proportion to its length.
  if (key.length > 2 * MAX_KEY_LENGTH) return undefined;
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(lower.length / 5)) + 1;
  for (const { key: known } of ALL_OPTIONS) {
    const d = levenshtein(lower, known);
    if (d < bestDistance) [best, bestDistance] = [known, d];
  }
  if (best !== undefined) return best;
  // `checkpointing.interval` for `execution.checkpointing.interval`.
  const bySuffix = ALL_OPTIONS.filter((o) => o.key.endsWith(`.${lower}`));
  return bySuffix.length === 1 ? bySuffix[0]!.key : undefined;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
