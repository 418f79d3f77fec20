/**
 * One window's buffered accumulators by key, for the {@link AccumulatorBuffer}. Keys that are
 * 32-bit integers (ids: the common key) live in an open-addressing table of typed arrays; any
 * other key in a Map by its state map key.
 *
 * Why not a Map for all: the lookup is on every element's path, and with the rest of a job's
 * memory traffic around it a Map's lookup (hash, bucket, chain entry: dependent loads into
 * tables the cache has lost) cost ~16 ns per element in a profile of the windows bench, an array
 * index ~2 ns. Linear probing over an Int32Array of keys with the accumulators in a parallel
 * array is one load more than the array and needs no key range.
 */

/** A key the int table takes: an int32 other than -0 (which a Map takes as 0, but whose key is kept as written). */
export function isIntKey(k: unknown): k is number {
  return typeof k === 'number' && (k | 0) === k && (k !== 0 || 1 / k > 0);
}

/** A key outside the int table, with what writing it back needs. */
export interface OtherEntry {
  readonly key: unknown;
  readonly keyGroup: number;
  acc: unknown;
  /** State holds an older accumulator of the key (the buffered one was read from it). */
  readonly stored: boolean;
}

/** What {@link WindowAccumulators.accumulatorOf} gives for a key it does not hold. */
export const NOT_HELD: unique symbol = Symbol('not held');

const MIN_BITS = 4;

/** Slot marks: never used (ends a probe), holding a key, or removed (a probe goes on past it). */
const FREE = 0;
const TAKEN = 1;
const REMOVED = 2;

export class WindowAccumulators {
  private bits = MIN_BITS;
  /** Int keys by slot; a slot holds one where {@link taken} is {@link TAKEN}. */
  private keys = new Int32Array(1 << MIN_BITS);
  private taken = new Uint8Array(1 << MIN_BITS);
  private keyGroups = new Uint16Array(1 << MIN_BITS);
  /** 1 where state holds an older accumulator of the slot's key (the buffered one was read from it). */
  private stored = new Uint8Array(1 << MIN_BITS);
  /** Accumulators by slot (int keys). */
  accs: unknown[] = new Array<unknown>(1 << MIN_BITS);
  /** Int keys held. */
  private ints = 0;
  /** Slots not {@link FREE}: held keys and removed ones, which probes pass over. */
  private used = 0;
  /** Keys that are not int32, by their state map key. */
  readonly others = new Map<unknown, OtherEntry>();

  /** Accumulators held. */
  get size(): number {
    return this.ints + this.others.size;
  }

  /** The slot of int key `k`: its index if held, else `-1 - index` of the free slot it would take. */
  find(k: number): number {
    const mask = (1 << this.bits) - 1;
    const keys = this.keys;
    const taken = this.taken;
    // Fibonacci hashing: the top bits of k × 2^32/φ spread ids that count up.
    let i = Math.imul(k, 0x9e3779b1) >>> (32 - this.bits);
    let free = -1;
    for (let mark = taken[i]!; mark !== FREE; mark = taken[i]!) {
      if (mark === TAKEN) {
        if (keys[i] === k) return i;
      } else if (free < 0) free = i;
      i = (i + 1) & mask;
    }
    return -1 - (free < 0 ? i : free);
  }

  /**
   * Holds `acc` for int key `k` at the free slot `free` that {@link find} returned (as `-1 - free`);
   * `stored`: state holds an older accumulator of the key.
   */
  insert(free: number, k: number, keyGroup: number, acc: unknown, stored: boolean): void {
    // Kept at most half used, so probes stay short and a free slot always exists.
    if (this.taken[free] === FREE && 2 * (this.used + 1) > 1 << this.bits) {
      this.grow();
      free = -1 - this.find(k);
    }
    if (this.taken[free] === FREE) this.used++;
    this.keys[free] = k;
    this.taken[free] = TAKEN;
    this.keyGroups[free] = keyGroup;
    this.stored[free] = stored ? 1 : 0;
    this.accs[free] = acc;
    this.ints++;
  }

  /** True if state holds an older accumulator of the key at slot `i` (from {@link find}). */
  isStored(i: number): boolean {
    return this.stored[i] === 1;
  }

  /** Drops the key at slot `i` (from {@link find}). */
  remove(i: number): void {
    this.taken[i] = REMOVED;
    this.accs[i] = undefined;
    this.ints--;
  }

  /** The accumulator held for key `k` (of any kind), or {@link NOT_HELD}. */
  accumulatorOf(k: unknown): unknown {
    if (isIntKey(k)) {
      const at = this.find(k);
      return at >= 0 ? this.accs[at] : NOT_HELD;
    }
    const e = this.others.get(k);
    return e === undefined ? NOT_HELD : e.acc;
  }

  /** Drops key `k` (of any kind): undefined if it was not held, else whether state holds an older accumulator of it. */
  drop(k: unknown): boolean | undefined {
    if (isIntKey(k)) {
      const at = this.find(k);
      if (at < 0) return undefined;
      const stored = this.isStored(at);
      this.remove(at);
      return stored;
    }
    const e = this.others.get(k);
    if (e === undefined) return undefined;
    this.others.delete(k);
    return e.stored;
  }

  /** Calls `write` for every accumulator held, int keys first (in slot order), then the others. */
  forEach(write: (key: unknown, keyGroup: number, acc: unknown) => void): void {
    if (this.ints > 0) {
      const n = 1 << this.bits;
      for (let i = 0; i < n; i++) if (this.taken[i] === TAKEN) write(this.keys[i], this.keyGroups[i]!, this.accs[i]);
    }
    for (const e of this.others.values()) write(e.key, e.keyGroup, e.acc);
  }

  /** Empties the table, keeping its arrays for the next window (it is about as full again). */
  clear(): void {
    if (this.used > 0) {
      this.taken.fill(FREE);
      this.accs.fill(undefined);
      this.ints = 0;
      this.used = 0;
    }
    this.others.clear();
  }

  /** Doubles the table (or rehashes it at its size, if removed slots are most of what is used). */
  private grow(): void {
    const { keys, taken, keyGroups, stored, accs } = this;
    const n = 1 << this.bits;
    if (4 * this.ints >= n) this.bits++;
    const size = 1 << this.bits;
    this.keys = new Int32Array(size);
    this.taken = new Uint8Array(size);
    this.keyGroups = new Uint16Array(size);
    this.stored = new Uint8Array(size);
    this.accs = new Array<unknown>(size);
    this.used = this.ints;
    for (let i = 0; i < n; i++) {
      if (taken[i] !== TAKEN) continue;
      const to = -1 - this.find(keys[i]!);
      this.keys[to] = keys[i]!;
      this.taken[to] = TAKEN;
      this.keyGroups[to] = keyGroups[i]!;
      this.stored[to] = stored[i]!;
      this.accs[to] = accs[i];
    }
  }
}
