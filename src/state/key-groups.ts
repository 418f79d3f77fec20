/*
 * Key groups: the unit in which keyed state is partitioned, snapshotted and redistributed.
 * A key belongs to key group `hash(key) mod maxParallelism`; subtask `i` of an operator with
 * parallelism `p` owns a contiguous range of key groups. Both functions are part of the
 * snapshot format: changing them would strand every saved keyed state.
 */

import { fmix32 } from '../util/int-hash.js';
import { UPPER_BOUND_MAX_PARALLELISM } from '../util/max-parallelism.js';
import { describeArgument } from '../util/describe-argument.js';

export { DEFAULT_MAX_PARALLELISM, UPPER_BOUND_MAX_PARALLELISM } from '../util/max-parallelism.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED = 0x2f1c3b5d;

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, length: number): number {
  return fmix32(h ^ length);
}

/** MurmurHash3 (x86, 32 bit) over a string's UTF-16 code units; no encoding step. */
export function murmurString(s: string): number {
  let h = SEED;
  const len = s.length;
  let i = 0;
  for (; i + 1 < len; i += 2) h = mixH(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < len) h ^= mixK(s.charCodeAt(i));
  return fmix(h, len * 2);
}

/** MurmurHash3 of one or two 32-bit words. */
function murmurWords(a: number, b?: number): number {
  if (b === undefined) return murmurInt(a);
  return fmix(mixH(mixH(SEED, a), b), 8);
}

/** MurmurHash3 of one 32-bit word: an int key's hash. */
function murmurInt(a: number): number {
  return fmix(mixH(SEED, a), 4);
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/**
 * A stable 32-bit hash of a key, identical across processes and versions. Keys may be
 * strings, numbers, bigints, booleans, or arrays/plain objects of those (hashed through
 * their canonical form).
 */
export function hashKey(key: unknown): number {
  switch (typeof key) {
    case 'string':
      return murmurString(key);
    case 'number':
      if ((key | 0) === key) return murmurWords(key);
      f64[0] = key;
      return murmurWords(i32[0]!, i32[1]!);
    case 'bigint':
      return murmurString(`n${key}`);
    case 'boolean':
      return murmurWords(key ? 1 : 0, 0x7fb00111);
    default:
      return murmurString(canonicalKey(key));
  }
}

/**
 * The identity of a composite key: arrays and objects become a canonical JSON string (object
 * fields sorted) so that two equal tuples are the same key in a Map. Values JSON cannot tell
 * apart are made distinct: a bigint is `"<n>n"`; ±Infinity and NaN (which JSON writes as null)
 * are `"\u0000Infinity"`, `"\u0000-Infinity"` and `"\u0000NaN"`; and a string that could be taken
 * for one of those (`"12n"`, or one starting with `\u0000`) gets a `\u0000` in front — so no two
 * different keys share a form. (null and undefined are one key component, as Java's null.)
 *
 * Keyed records with a composite key are canonicalised twice (for the key group at the shuffle,
 * for the state's map key after it), so the common shapes — a tuple or a plain object of
 * strings, finite numbers and booleans — skip the replacer, which costs a call per value; they
 * give the same string as the general path (a test holds the two equal).
 */
export function canonicalKey(key: unknown): string {
  if (key === null || key === undefined) {
    throw new TypeError(`A key must not be ${key}: the keyBy selector returned ${key}.`);
  }
  if (Array.isArray(key)) {
    if (hasOnlyPlainPrimitives(key) && (key as { toJSON?: unknown }).toJSON === undefined) return JSON.stringify(key);
  } else if (typeof key === 'object' && Object.getPrototypeOf(key) === Object.prototype) {
    const names = Object.keys(key).sort();
    const sorted: Record<string, unknown> = {};
    let flat = true;
    for (const name of names) {
      const v = (key as Record<string, unknown>)[name];
      if (!isPlainPrimitive(v)) {
        flat = false;
        break;
      }
      sorted[name] = v;
    }
    if (flat) return JSON.stringify(sorted);
  }
  return JSON.stringify(key, canonicalReplacer);
}

/** A value JSON writes as itself, distinct from every other: a string not needing the escape, a finite number, a boolean. */
function isPlainPrimitive(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
      return !needsEscape(v);
    case 'number':
      return Number.isFinite(v);
    case 'boolean':
      return true;
    default:
      return false;
  }
}

function hasOnlyPlainPrimitives(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (!isPlainPrimitive(values[i])) return false;
  return true;
}

/** True for a string that could be taken for a bigint's form or a mark: `"12n"`, or one starting with \u0000. */
function needsEscape(s: string): boolean {
  if (s.length === 0) return false;
  if (s.charCodeAt(0) === 0) return true;
  return s.charCodeAt(s.length - 1) === 110 && /^-?\d+n$/.test(s);
}

function canonicalReplacer(_k: string, v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return `${v}n`;
    case 'number':
      return Number.isFinite(v) ? v : `\u0000${v}`;
    case 'string':
      return needsEscape(v) ? `\u0000${v}` : v;
    default:
      break;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const sorted: Record<string, unknown> = {};
    for (const name of Object.keys(v).sort()) sorted[name] = (v as Record<string, unknown>)[name];
    return sorted;
  }
  return v;
}

/** The key under which a key is stored in a Map: primitives as they are, composites canonical. */
export function mapKey(key: unknown): unknown {
  return typeof key === 'object' ? canonicalKey(key) : key;
}

/**
 * The key group of `key`: `hash(key) mod maxParallelism`. For a power of two (the default 128)
 * the low bits of the hash are that remainder, without a division.
 */
export function assignToKeyGroup(key: unknown, maxParallelism: number): number {
  // An int key (the common key) hashed here, as hashKey hashes it: a small function, which V8
  // inlines into the record path with room to spare; hashKey's other cases would take that room.
  const h = typeof key === 'number' && (key | 0) === key ? murmurInt(key) : hashKey(key);
  return (maxParallelism & (maxParallelism - 1)) === 0 ? h & (maxParallelism - 1) : h % maxParallelism;
}

/** The subtask that owns `keyGroup` for an operator of `parallelism` subtasks. */
export function operatorIndexForKeyGroup(
  maxParallelism: number,
  parallelism: number,
  keyGroup: number,
): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** A contiguous, inclusive range of key groups owned by one subtask. */
export class KeyGroupRange {
  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

  /** The range subtask `index` of `parallelism` owns; inverse of {@link operatorIndexForKeyGroup}. */
  static forSubtask(maxParallelism: number, parallelism: number, index: number): KeyGroupRange {
    const start = Math.floor((index * maxParallelism + parallelism - 1) / parallelism);
    const end = Math.floor(((index + 1) * maxParallelism - 1) / parallelism);
    return new KeyGroupRange(start, end);
  }

  get size(): number {
    return this.end - this.start + 1;
  }

  contains(keyGroup: number): boolean {
    return keyGroup >= this.start && keyGroup <= this.end;
  }
}

/** Validates a max parallelism value; returns an error message (a sentence) or undefined. */
export function checkMaxParallelism(maxParallelism: number): string | undefined {
  if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > UPPER_BOUND_MAX_PARALLELISM) {
    return `The max parallelism must be an integer from 1 to ${UPPER_BOUND_MAX_PARALLELISM}, got ${describeArgument(maxParallelism)}.`;
  }
  return undefined;
}
