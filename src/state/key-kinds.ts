import { KeyTypeChangedError, SnapshotRestoreError } from '../util/errors.js';
import { mapKey } from './key-groups.js';

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
 * kinds a subtask restored let it refuse that, as Flink refuses a changed key serializer.
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

/** The kinds of some keys, each with one example key as stored: what a state file records. */
export type KeyKindExamples = ReadonlyArray<readonly [kind: KeyKind, example: unknown]>;

const KINDS: ReadonlySet<string> = new Set<KeyKind>(['number', 'string', 'bigint', 'boolean', 'array', 'object']);

/** Checks a state file's recorded key kinds; returns why they are malformed, or undefined. */
export function checkKeyKindExamples(v: unknown): string | undefined {
  if (!Array.isArray(v)) return 'its key types are not a list';
  for (const e of v as unknown[]) {
    if (!Array.isArray(e) || e.length !== 2 || !KINDS.has(e[0] as string)) return 'its key types are malformed';
    if (storedKeyKind(e[1]) !== e[0]) return `its example key of type ${String(e[0])} is not one`;
  }
  return undefined;
}

/** A set of key kinds with an example key (as stored) of each. */
export class KeyKindSet {
  private readonly examples = new Map<KeyKind, unknown>();

  /** Adds the kind of `stored` (a key as stored); returns it, or undefined if no key is stored as such a value. */
  note(stored: unknown): KeyKind | undefined {
    const kind = storedKeyKind(stored);
    if (kind !== undefined && !this.examples.has(kind)) this.examples.set(kind, stored);
    return kind;
  }

  addAll(kinds: KeyKindExamples): void {
    for (const [kind, example] of kinds) if (!this.examples.has(kind)) this.examples.set(kind, example);
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

/** How a key of `kind` reads in a message: the key itself, typed. */
function describeKey(kind: KeyKind, key: unknown): string {
  if (kind === 'string') return JSON.stringify(key);
  return kind === 'bigint' ? `${String(key)}n` : String(key);
}

/**
 * The kinds of keys a subtask's keyed state was restored with (state of the key, window state
 * and timers alike), and the check of the job's own keys against the kinds of the whole
 * operator's keys, as its snapshot recorded them (every subtask's state file, see
 * state-file.ts), done on the first batch of records only (see {@link checkFirstBatch}). A
 * subtask that restored no key checks nothing, nor does one restored from a snapshot that
 * recorded no kinds.
 */
export class RestoredKeyKinds {
  private readonly observed = new KeyKindSet();
  private recorded: KeyKindSet | undefined;
  private uid: string | undefined;
  /** Until the first batch of records is checked. */
  armed = false;

  /**
   * Notes one restored key (as stored) of operator `uid`; a value no key is stored as means the
   * snapshot is damaged.
   * @throws SnapshotRestoreError naming the operator, the file and the key group
   */
  note(stored: unknown, uid: string, where: () => string): KeyKind {
    const kind = this.observed.note(stored);
    if (kind === undefined) {
      throw new SnapshotRestoreError(`Cannot restore the state of operator '${uid}': ${where()} holds a key of type ${stored === null ? 'null' : typeof stored}, which no key is stored as; the snapshot is damaged.`);
    }
    this.uid = uid;
    return kind;
  }

  /**
   * The key kinds the operator's snapshot recorded over all its subtasks, once the subtask's key
   * groups are restored: arms the check if this subtask restored a key. Undefined (a snapshot
   * written before flink-ts recorded them, or not by every subtask): nothing is checked, since
   * the kinds this subtask restored may be only some of the operator's.
   */
  operatorWide(kinds: KeyKindExamples | undefined): void {
    if (kinds === undefined) return;
    this.recorded = new KeyKindSet();
    this.recorded.addAll(kinds);
    // What this subtask restored is the operator's too (a record cannot hold less).
    this.recorded.addAll(this.observed.entries());
    this.armed = this.observed.size > 0;
  }

  /** The kinds checked against, in the order first seen. */
  get kinds(): KeyKind[] {
    return (this.recorded ?? this.observed).entries().map(([k]) => k);
  }

  /**
   * Checks the first batch of records after the restore, once: if none of its keys is of a kind
   * the restored state holds, the job's selector no longer returns the keys the state was
   * written under, and every restored value would be silently out of reach. One key of a held
   * kind is enough (a job whose keys mix kinds brings both), so a batch costs a scan only until
   * its first such key, and no batch after the first costs anything.
   * @throws KeyTypeChangedError naming the operator, both kinds, an example of each, and what to do
   */
  checkFirstBatch(keys: ArrayLike<unknown>): void {
    if (keys.length === 0) return;
    this.armed = false;
    const held = this.recorded!;
    for (let i = 0; i < keys.length; i++) {
      const kind = keyKind(keys[i]);
      if (kind !== undefined && held.has(kind)) return;
    }
    const first = keys[0];
    const now = keyKind(first)!;
    const examples = held
      .entries()
      .map(([k, ex]) => `${k}s (e.g. ${describeKey(k, ex)})`)
      .join(' and ');
    const example = describeKey(now, typeof first === 'object' ? mapKey(first) : first);
    throw new KeyTypeChangedError(
      `Operator uid '${this.uid}' restored state keyed by ${examples}, but the job's keyBy now returns ${now}s (e.g. ${example}): ` +
        `a key of another type is another key, so none of the restored state would be found. Change keyBy back to return ${this.kinds.join(' or ')}s, ` +
        `or start the operator fresh: give it a new uid and restore with --allow-non-restored-state (-n).`,
    );
  }
}
