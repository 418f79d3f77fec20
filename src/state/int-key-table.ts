/**
 * The heap table's values of one key group whose keys are 32-bit integers (ids: the common
 * key), in an open-addressing table instead of a Map.
 *
 * Why: a keyed function's usual step reads its key's value and writes a new one (a count, a sum,
 * an accumulator). In a Map that is two lookups, each a hash, a bucket and a chain entry in a
 * builtin V8 does not inline, in memory the size of the state: 40% of the keyed count's
 * processing through `flink run` (`perf`). Here a lookup is a multiply and a linear probe over
 * one array that holds each key beside its value (one cache miss where the Map takes two; typed
 * arrays of keys, marks and values, tried first, took three), inlined into the caller; a write
 * right after a read of the same key goes to the slot the read found. 10M read-and-write steps
 * over 100k keys in 128 key groups: 256–283 ms, against 354–449 ms with a Map per key group
 * (`node --import tsx bench/experiments/state-table-layout.ts`; the README's per-record path
 * has the rest of the figures).
 *
 * -0 is stored as 0, as a Map stores it. Entries come in slot order, not insertion order.
 */

/** A key this table takes: an int32 (-0 included: it is the key 0, as in a Map). */
export function isInt32Key(k: unknown): k is number {
  return typeof k === 'number' && (k | 0) === k;
}

const MIN_BITS = 4;

/** What a key's place holds when no key was ever there (ends a probe), and when its key was removed (a probe goes on past it). */
const FREE = undefined;
const REMOVED = null;

export class IntKeyTable<V> {
  private bits = MIN_BITS;
  /**
   * Slot i is places 2i (its key, an int32 as a small integer, or {@link FREE} or
   * {@link REMOVED}) and 2i + 1 (its value): a key and its value share a cache line, so a lookup
   * in a table larger than the cache costs one miss (a Map's costs two: its bucket, then the
   * entry; typed arrays of keys, marks and values cost three).
   */
  private slots: unknown[] = new Array<unknown>(2 << MIN_BITS).fill(FREE);
  /** Keys held. */
  private live = 0;
  /** Slots not free: held keys and removed ones, which probes pass over. */
  private used = 0;
  /** The place of the key a read or write found last: a write of the same key goes there without a probe. */
  private last = 0;

  /** Keys held. */
  get size(): number {
    return this.live;
  }

  /** The bytes of its places' array (8 a place). */
  get bytes(): number {
    return 16 << this.bits;
  }

  get(key: number): V | undefined {
    const at = this.find(key | 0);
    if (at < 0) return undefined;
    this.last = at;
    return this.slots[at + 1] as V;
  }

  set(key: number, value: V): void {
    // An int key may come as a double (what `(i * 7919) % n` gives once i * 7919 passes 2^31):
    // `| 0` makes it an int32, for the probe and to be stored as a small integer.
    const k = key | 0;
    // The place of the last read, if it holds this key (keys are unique), else a probe.
    let at = this.last;
    const held = this.slots[at];
    if (typeof held !== 'number' || held !== k) {
      at = this.find(k);
      if (at < 0) {
        this.insert(-1 - at, k, value);
        return;
      }
      this.last = at;
    }
    this.slots[at + 1] = value;
  }

  /**
   * Loads the places a lookup of `key` starts at, its key's and its value's, so that the lookup
   * finds them in cache (see HeapStateTable.prefetch); 1 if they hold a key, for the caller to
   * keep. Both, because a slot's two places share a cache line only when the array starts on a
   * 16-byte boundary: V8 aligns it to 8, so in about half the tables one slot in four straddles
   * two lines (loading the value's place too takes 7–10% off the keyed count's CPU time over
   * 1M keys, 9% over 2M; over 100k keys, no change: see the README's per-record path).
   */
  touch(key: number): number {
    const h = this.home(key | 0);
    const slots = this.slots;
    return typeof slots[h] === 'number' && slots[h + 1] !== undefined ? 1 : 0;
  }

  /** True if the key was held. */
  delete(key: number): boolean {
    const at = this.find(key | 0);
    if (at < 0) return false;
    this.slots[at] = REMOVED;
    this.slots[at + 1] = undefined;
    this.live--;
    // Shrunk when an eighth full, as a Map shrinks: a key group that TTL cleanup or window
    // cleanup emptied would otherwise keep its largest table.
    if (8 * this.live < 1 << this.bits && this.bits > MIN_BITS) this.rebuild(this.live);
    return true;
  }

  /**
   * The entries in slot order. Taken while the table changes (incremental TTL cleanup does), an
   * entry may be missed or visited twice if the table is rebuilt meanwhile, never made up.
   * An iterator object, not a generator: a generator's yield cost 30 ns an entry, most of a
   * snapshot's walk over a key group.
   */
  entries(): IterableIterator<[number, V]> {
    return new SlotEntries<V>(this);
  }

  /** The keys held, in slot order (the order of {@link entries}), in an array of their number. */
  keys(): number[] {
    const out = new Array<number>(this.live);
    const slots = this.slots;
    let n = 0;
    for (let i = 0; i < slots.length; i += 2) {
      const k = slots[i];
      if (typeof k === 'number') out[n++] = k;
    }
    return out;
  }

  /** The slots' array as it is now (for {@link SlotEntries}, which follows rebuilds). */
  get places(): readonly unknown[] {
    return this.slots;
  }

  /** Makes room for `n` more keys at once (a restore knows how many it brings): no rebuilds on the way. */
  reserve(n: number): void {
    if (4 * (this.used + n) > 3 << this.bits) this.rebuild(this.live + n);
  }

  /** Where a probe for `k` starts (its key's index). Fibonacci hashing: the top bits of k × 2^32/φ spread ids that count up. */
  private home(k: number): number {
    return (Math.imul(k, 0x9e3779b1) >>> (32 - this.bits)) << 1;
  }

  /** The place of `k`: its key's index if held, else `-1 - index` of the free slot's key it would take. */
  private find(k: number): number {
    const mask = (2 << this.bits) - 1;
    const slots = this.slots;
    let i = this.home(k);
    let free = -1;
    // Keys are compared only as numbers: a comparison that also met the free and removed marks
    // (undefined, null) would be compiled as a generic one, a builtin call per probe.
    for (;;) {
      const s = slots[i];
      if (typeof s === 'number') {
        if (s === k) return i;
      } else if (s === FREE) break;
      else if (free < 0) free = i;
      i = (i + 2) & mask;
    }
    return -1 - (free < 0 ? i : free);
  }

  private insert(free: number, k: number, value: V): void {
    // Kept at most three quarters used, so probes stay short and a free slot always exists.
    if (this.slots[free] === FREE && 4 * (this.used + 1) > 3 << this.bits) {
      this.rebuild();
      free = -1 - this.find(k);
    }
    if (this.slots[free] === FREE) this.used++;
    this.slots[free] = k;
    this.slots[free + 1] = value;
    this.live++;
    this.last = free;
  }

  /**
   * Rehashes the held keys into a table at most half full by `room` keys (by default the held
   * ones and one more: growing, or shrinking after removals). Memory matters as much as probes:
   * fresh memory costs a page fault per 4 KiB (~10 µs on the VMs this runs on), and at a third
   * full the restore of a million keys took 0.83 s against 0.32 s with Maps.
   */
  private rebuild(room = this.live + 1): void {
    const old = this.slots;
    let bits = MIN_BITS;
    while (1 << bits < 2 * room) bits++;
    this.bits = bits;
    this.slots = new Array<unknown>(2 << bits).fill(FREE);
    this.used = this.live;
    this.last = 0;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i];
      if (typeof k !== 'number') continue;
      const to = -1 - this.find(k);
      this.slots[to] = k;
      this.slots[to + 1] = old[i + 1];
    }
  }
}

/** Walks a table's slots, reading its current array at each step. */
class SlotEntries<V> implements IterableIterator<[number, V]> {
  private i = 0;

  constructor(private readonly table: IntKeyTable<V>) {}

  next(): IteratorResult<[number, V]> {
    const slots = this.table.places;
    for (let i = this.i; i < slots.length; i += 2) {
      const k = slots[i];
      if (typeof k === 'number') {
        this.i = i + 2;
        return { value: [k, slots[i + 1] as V], done: false };
      }
    }
    this.i = slots.length;
    return { value: undefined, done: true };
  }

  [Symbol.iterator](): IterableIterator<[number, V]> {
    return this;
  }
}
