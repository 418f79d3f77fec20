import { mapKey } from './key-groups.js';
import type { StoredLayout } from './state-meta.js';

/*
 * The kind of a key, as far as it decides the key's hash and identity (key-groups.ts): numbers
 * (ints and others alike: 7 and 7.0 are one number), strings, bigints, booleans, and composites,
 * which are stored as their canonical JSON — an array's form starts with `[`, an object's with
 * `{`. A composite and the string equal to its canonical form are the same key in every respect
 * (hash, stored identity), so the kind is read off the stored form: a string starting with `[`
 * is an array key whether the selector returned the array or its JSON.
 *
 * Keys have no serializer here (a restore cannot compare key serializers as Flink does), so a
 * job whose selector changed type (`'7'` → `7`) would restore and find none of its state. The
 * kinds a subtask restored let it refuse that, as Flink refuses a changed key serializer
 * (restored-key-kinds.ts). A MapState's user keys likewise (never composites: a user key is a
 * string, number, bigint or boolean, so a string is a string whatever it starts with).
 */

/** What decides a key's hash and identity. */
export type KeyKind = 'number' | 'string' | 'bigint' | 'boolean' | 'array' | 'object';

/** The kind of a key as stored (a map key): undefined for a value no key is stored as. */
export function storedKeyKind(stored: unknown): KeyKind | undefined {
  switch (typeof stored) {
    case 'number':
      return 'number';
    case 'bigint':
      return 'bigint';
    case 'boolean':
      return 'boolean';
    case 'string': {
      const c = stored.charCodeAt(0);
      return c === 91 ? 'array' : c === 123 ? 'object' : 'string';
    }
    default:
      return undefined;
  }
}

/** The kind of a key as a selector returned it (composites are classified by their stored form). */
export function keyKind(key: unknown): KeyKind | undefined {
  return storedKeyKind(typeof key === 'object' && key !== null ? mapKey(key) : key);
}

/** The kind of a MapState's user key; undefined for null (a user key of no type in particular). */
export function userKeyKind(key: unknown): KeyKind | undefined {
  switch (typeof key) {
    case 'number':
    case 'string':
    case 'bigint':
    case 'boolean':
      return typeof key as KeyKind;
    default:
      return undefined;
  }
}

const NUMBER = 1;
const STRING = 2;
const ARRAY = 16;
const OBJECT = 32;
/**
 * A string key in an array's or an object's stored form (`'["a",1]'`, `'{x}'`): the same key as
 * that composite if it is its canonical JSON, and otherwise a string that merely starts so.
 * Stored keys cannot tell the two apart (storedKeyKind calls both composites), so such a string
 * passes where strings or such composites were held — a job keyed by strings some of which
 * start with `[` is not refused when a new one comes.
 */
const STRING_AS_ARRAY = 64;
const STRING_AS_OBJECT = 128;

/** One bit per kind, for checks over many keys at once. */
export const KIND_BITS: Readonly<Record<KeyKind, number>> = { number: NUMBER, string: STRING, bigint: 4, boolean: 8, array: ARRAY, object: OBJECT };

/** The bit of `kind` in {@link KIND_BITS}; 0 for undefined. */
export function kindBit(kind: KeyKind | undefined): number {
  return kind === undefined ? 0 : KIND_BITS[kind];
}

/**
 * The kind of a key as the selector returned it, as a bit: {@link keyKind}'s, without
 * canonicalising a composite — an array or object without `toJSON` is stored as JSON starting
 * with `[` or `{` (canonicalKey's replacer sees it as it is), so only others (a Date) take the
 * slow way — and with a string in a composite's stored form apart ({@link STRING_AS_ARRAY}).
 */
export function keyBit(k: unknown): number {
  // Small enough to be inlined into the batch's loop; composites and the rest out of line.
  if (typeof k === 'number') return NUMBER;
  if (typeof k !== 'string') return otherKeyBit(k);
  const c = k.charCodeAt(0);
  return c === 91 ? STRING_AS_ARRAY : c === 123 ? STRING_AS_OBJECT : STRING;
}

function otherKeyBit(k: unknown): number {
  if (typeof k === 'object' && k !== null && (k as { toJSON?: unknown }).toJSON === undefined) return Array.isArray(k) ? ARRAY : OBJECT;
  return kindBit(keyKind(k));
}

/**
 * The {@link keyBit}s of a batch's keys together, coarsely: every string as a string, whatever
 * it starts with (reading a string's first character costs more than its `typeof`). Enough where
 * strings were held, since then every string passes ({@link allowedKeyBits}); otherwise a batch
 * these bits do not let through is looked at key by key. Once per batch, over every key.
 */
export function kindBitsOf(keys: ArrayLike<unknown>): number {
  let bits = 0;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    bits |= typeof k === 'string' ? STRING : keyBit(k);
  }
  return bits;
}

/** The {@link keyBit}s keys may have where the kinds `held` (as {@link KIND_BITS}) were held. */
export function allowedKeyBits(held: number): number {
  let bits = held;
  if ((held & (STRING | ARRAY)) !== 0) bits |= STRING_AS_ARRAY;
  if ((held & (STRING | OBJECT)) !== 0) bits |= STRING_AS_OBJECT;
  return bits;
}

/** The kinds of some keys, each with one example key as stored: what a state file records. */
export type KeyKindExamples = ReadonlyArray<readonly [kind: KeyKind, example: unknown]>;

const KINDS: ReadonlySet<string> = new Set<KeyKind>(['number', 'string', 'bigint', 'boolean', 'array', 'object']);

/**
 * Checks a state file's recorded key kinds (`what`: "key" or "user key"; `kindOf` classifies an
 * example as stored); returns why they are malformed, or undefined.
 */
export function checkKeyKindExamples(v: unknown, what = 'key', kindOf: (stored: unknown) => KeyKind | undefined = storedKeyKind): string | undefined {
  if (!Array.isArray(v)) return `its ${what} types are not a list`;
  for (const e of v as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || !KINDS.has(e[0] as string)) return `its ${what} types are malformed`;
    if (kindOf(e[1]) !== e[0]) return `its example ${what} of type ${String(e[0])} is not one`;
  }
  return undefined;
}

/** The user-key kinds of each map state with user keys, by state name: what a state file records of them. */
export type UserKeyKindRecord = Readonly<Record<string, KeyKindExamples>>;

/** What a restored operator's snapshot recorded of the kinds of its keys, over all its subtasks (state-file.ts). */
export interface RecordedKeyKinds {
  /** The keyed stream's keys; undefined for a snapshot written before flink-ts recorded them. */
  readonly keyKinds?: KeyKindExamples;
  /** Each map state's user keys; undefined for a snapshot written before flink-ts recorded them. */
  readonly userKeyKinds?: UserKeyKindRecord;
}

/** Checks a state file's recorded user-key kinds; returns why they are malformed, or undefined. */
export function checkUserKeyKindRecord(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Uint8Array) return 'its user key types are malformed';
  for (const [name, kinds] of Object.entries(v)) {
    const bad = checkKeyKindExamples(kinds, 'user key', userKeyKind);
    if (bad !== undefined) return `${bad} (state '${name}')`;
  }
  return undefined;
}

/** A set of key kinds with an example key (as stored) of each. */
export class KeyKindSet {
  private readonly examples = new Map<KeyKind, unknown>();
  /** The kinds held, as {@link KIND_BITS}. */
  bits = 0;

  /** `kindOf` classifies what is noted: keys as stored (the default), or user keys ({@link userKeyKind}). */
  constructor(private readonly kindOf: (stored: unknown) => KeyKind | undefined = storedKeyKind) {}

  /** Adds the kind of `stored` (a key as stored); returns it, or undefined if no key is stored as such a value. */
  note(stored: unknown): KeyKind | undefined {
    const kind = this.kindOf(stored);
    if (kind !== undefined && !this.examples.has(kind)) this.add(kind, stored);
    return kind;
  }

  addAll(kinds: KeyKindExamples): void {
    for (const [kind, example] of kinds) if (!this.examples.has(kind)) this.add(kind, example);
  }

  private add(kind: KeyKind, example: unknown): void {
    this.examples.set(kind, example);
    this.bits |= KIND_BITS[kind];
  }

  /** The example of `kind`, if held. */
  example(kind: KeyKind): unknown {
    return this.examples.get(kind);
  }

  has(kind: KeyKind): boolean {
    return this.examples.has(kind);
  }

  get size(): number {
    return this.examples.size;
  }

  /** The kinds in the order first noted, with their examples (a copy). */
  entries(): Array<[KeyKind, unknown]> {
    return [...this.examples];
  }
}

/** How a key of `kind` reads in a message: the key itself, typed (a composite as stored). */
export function describeKey(kind: KeyKind, key: unknown): string {
  if (kind === 'string') return JSON.stringify(key);
  return kind === 'bigint' ? `${String(key)}n` : String(typeof key === 'object' && key !== null ? mapKey(key) : key);
}

/** The kinds of `held` with an example each, for a message: `strings (e.g. "7") and numbers (e.g. 7)`. */
export function describeKinds(held: KeyKindSet): string {
  return held
    .entries()
    .map(([k, ex]) => `${k}s (e.g. ${describeKey(k, ex)})`)
    .join(' and ');
}

/** Notes the user keys of a map state's stored value (`layout`'s: per namespace for window state). */
export function noteUserKeysOf(layout: StoredLayout, stored: unknown, kinds: KeyKindSet): void {
  if (layout.namespaced) {
    for (const one of (stored as Map<unknown, Map<unknown, unknown>>).values()) for (const k of one.keys()) kinds.note(k);
  } else for (const k of (stored as Map<unknown, unknown>).keys()) kinds.note(k);
}
