import { echo } from '../util/sanitize.js';

/**
 * Flink's ParameterTool: a job's arguments read as `--key value` pairs — what Flink's examples
 * start with (`ParameterTool.fromArgs(args)`; here `ParameterTool.fromArgs(process.argv.slice(2))`).
 *
 * Parsing is Flink's: a key starts with `--` or `-`; the argument after it is its value unless it
 * is another key; a number is always a value, so `--offset -5` gives `-5`; a key with no value
 * (`--verbose` last, or before another key) holds {@link ParameterTool.NO_VALUE_KEY}; a later
 * key wins over an earlier one of the same name.
 *
 * @example
 * const params = ParameterTool.fromArgs(process.argv.slice(2));
 * const input = params.getRequired('input');
 * const rate = params.getInt('rate', 1000);
 */
export class ParameterTool {
  /** What a key given without a value holds (Flink's `__NO_VALUE_KEY`). */
  static readonly NO_VALUE_KEY = '__NO_VALUE_KEY';

  private readonly data: ReadonlyMap<string, string>;
  /** Keys no getter has asked for yet (Flink's `getUnrequestedParameters`). */
  private readonly unrequested: Set<string>;

  private constructor(data: ReadonlyMap<string, string>) {
    this.data = data;
    this.unrequested = new Set(data.keys());
  }

  /** Parses `--key value` / `-key value` arguments; anything else is refused (a TypeError). */
  static fromArgs(args: readonly string[]): ParameterTool {
    const data = new Map<string, string>();
    let i = 0;
    while (i < args.length) {
      const key = keyOf(args, i);
      i += 1;
      const next = args[i];
      if (next === undefined) data.set(key, ParameterTool.NO_VALUE_KEY);
      else if (isNumber(next) || !next.startsWith('-')) {
        data.set(key, next);
        i += 1;
      } else data.set(key, ParameterTool.NO_VALUE_KEY);
    }
    return new ParameterTool(data);
  }

  /** The parameters of a map or a plain object of strings. */
  static fromMap(map: ReadonlyMap<string, string> | Readonly<Record<string, string>>): ParameterTool {
    const entries = map instanceof Map ? [...map.entries()] : Object.entries(map);
    for (const [key, value] of entries) {
      if (typeof value !== 'string') throw new TypeError(`ParameterTool.fromMap: the value of '${echo(key)}' must be a string.`);
    }
    return new ParameterTool(new Map(entries));
  }

  /** How many parameters there are. */
  getNumberOfParameters(): number {
    return this.data.size;
  }

  /** Whether the key was given (with or without a value). */
  has(key: string): boolean {
    this.unrequested.delete(key);
    return this.data.has(key);
  }

  /** The key's value, `undefined` if it was not given (Flink: null), or `defaultValue`. */
  get(key: string): string | undefined;
  get(key: string, defaultValue: string): string;
  get(key: string, defaultValue?: string): string | undefined {
    this.unrequested.delete(key);
    return this.data.get(key) ?? defaultValue;
  }

  /** The key's value; an Error if it was not given. */
  getRequired(key: string): string {
    const value = this.get(key);
    if (value === undefined) throw new Error(`No data for required key '${echo(key)}': give it as --${echo(key)} <value>.`);
    return value;
  }

  /** A whole number in Java's int range (Integer.parseInt's syntax). */
  getInt(key: string, defaultValue?: number): number {
    return this.whole(key, defaultValue, 'an integer', 2 ** 31);
  }

  /** A whole number; here a safe integer (Java's long is 64 bits, a JS number exact to 2^53). */
  getLong(key: string, defaultValue?: number): number {
    return this.whole(key, defaultValue, 'a safe integer', 2 ** 53);
  }

  /** A whole number in Java's short range. */
  getShort(key: string, defaultValue?: number): number {
    return this.whole(key, defaultValue, 'a short (-32768 to 32767)', 2 ** 15);
  }

  /** A whole number in Java's byte range. */
  getByte(key: string, defaultValue?: number): number {
    return this.whole(key, defaultValue, 'a byte (-128 to 127)', 2 ** 7);
  }

  /** A number (Double.parseDouble's syntax: `1.5`, `-2e3`, `NaN`, `Infinity`). */
  getDouble(key: string, defaultValue?: number): number {
    const value = this.valueFor(key, defaultValue);
    if (typeof value === 'number') return value;
    if (!/^\s*[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)\s*$/.test(value)) throw notA(key, value, 'a number');
    return Number.parseFloat(value.trim().replace(/^\+/, ''));
  }

  /** As {@link getDouble} (JS has one number type). */
  getFloat(key: string, defaultValue?: number): number {
    return this.getDouble(key, defaultValue);
  }

  /**
   * `true` if the value is "true" in any case, else `false` (Java's Boolean.valueOf) — so a flag
   * given without a value (`--verbose`) reads `false`, as in Flink: test a flag with `has`.
   */
  getBoolean(key: string, defaultValue?: boolean): boolean {
    const value = this.valueFor(key, defaultValue);
    return typeof value === 'boolean' ? value : value.toLowerCase() === 'true';
  }

  /** The keys no getter has asked for yet: arguments the job never read, typos included. */
  getUnrequestedParameters(): Set<string> {
    return new Set(this.unrequested);
  }

  /** The parameters as a map (a copy). */
  toMap(): Map<string, string> {
    return new Map(this.data);
  }

  /** These parameters and `other`'s; `other` wins for a key both have. */
  mergeWith(other: ParameterTool): ParameterTool {
    const merged = new ParameterTool(new Map([...this.data, ...other.data]));
    for (const key of merged.unrequested) if (!this.unrequested.has(key) && !other.unrequested.has(key)) merged.unrequested.delete(key);
    return merged;
  }

  private valueFor<D extends number | boolean>(key: string, defaultValue: D | undefined): string | D {
    if (defaultValue === undefined) return this.getRequired(key);
    return this.get(key) ?? defaultValue;
  }

  private whole(key: string, defaultValue: number | undefined, what: string, bound: number): number {
    const value = this.valueFor(key, defaultValue);
    if (typeof value === 'number') return value;
    const n = /^[+-]?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= -bound && n < bound)) throw notA(key, value, what);
    return n;
  }
}

function keyOf(args: readonly string[], index: number): string {
  const arg = args[index]!;
  let key: string;
  if (arg.startsWith('--')) key = arg.slice(2);
  else if (arg.startsWith('-')) key = arg.slice(1);
  else {
    throw new TypeError(`Cannot parse the arguments at '${echo(arg)}': keys start with -- or - (e.g. --input in.txt).`);
  }
  if (key === '') throw new TypeError(`Cannot parse the arguments: argument ${index + 1} ('${arg}') is a prefix without a key.`);
  return key;
}

/** Whether an argument reads as a number (so `-5` is a value, not a key), as commons-lang's isNumber. */
function isNumber(arg: string): boolean {
  return /^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfFlL]?|0[xX][0-9a-fA-F]+)$/.test(arg);
}

function notA(key: string, value: string, what: string): RangeError {
  const given = value === ParameterTool.NO_VALUE_KEY ? 'was given without a value' : `is '${echo(value)}'`;
  return new RangeError(`Parameter '${echo(key)}' must be ${what}, but it ${given}.`);
}
