import { IntKeyTable, isInt32Key } from './int-key-table.js';
import { type KeyGroupRange, assignToKeyGroup } from './key-groups.js';
import { type ChangedKeys, NO_GUARD, type SnapshotGuard, type StateTable } from './state-table.js';

/**
 * Int keys' shards: each an {@link IntKeyTable}. A JS array holds at most ~2^27 places, so one
 * table would cap a state at tens of millions of keys; 128 shards hold over two billion. A
 * shard is also what a snapshot freezes and encodes at a time (see PendingKeyedSnapshot).
 */
export const INT_SHARDS = 128;

/**
 * The shard of int key `k`: the top 7 bits of a multiply after a shift-xor. Not the key group
 * (a murmur hash: the cost this layout avoids, ~9% of the keyed count's CPU time) and not a plain
 * multiply: IntKeyTable places keys by the top bits of another multiply, which a shard chosen by
 * one would correlate with (1M counting keys took 7× longer to read back).
 */
export function shardOf(k: number): number {
  return Math.imul(k ^ (k >>> 15), 0x2c1b3c6d) >>> 25;
}

/**
 * The heap table: int32 keys' values in {@link INT_SHARDS} shards chosen by a cheap hash of the
 * key (an {@link IntKeyTable} each, see there for why), found without their key group; any other
 * key's in a Map per key group (its key group is known or computed: a Map hashes the key anyway).
 * A JS Map holds at most 2^24 entries, which is why those are split by key group.
 *
 * Units (what a snapshot freezes, and what a walk over every entry goes through): the shards
 * (0 .. INT_SHARDS - 1, key groups mixed), then each key group's Map.
 *
 * A negative key group means "not computed": the table computes it where it needs it (a key
 * that is not an int32).
 */
export class HeapStateTable<V> implements StateTable<V> {
  private readonly ints: (IntKeyTable<V> | undefined)[];
  private readonly maps: (Map<unknown, V> | undefined)[];
  /** The first key group of the range. */
  private readonly start: number;
  readonly units: number;
  /** Restored int entries held back per shard (see stage). */
  private staged: Staged | undefined;
  /** Set while incremental checkpoints are on (by unit). */
  changes: ChangedKeys | undefined;
  /** Reads since the last prefetch (wrapping past 2^31, which only skips a prefetch). */
  private reads = 0;
  /**
   * How many of the last prefetch's places held a key (0 if it loaded none): stored, so that V8
   * cannot drop the loads as unused; tests read it.
   */
  prefetched = 0;

  /**
   * @param guard units frozen by a snapshot in progress; the first access to one lets the
   *   snapshot encode it before anything can change (see PendingKeyedSnapshot)
   */
  constructor(
    readonly keyGroupRange: KeyGroupRange,
    private readonly maxParallelism: number,
    private readonly guard: SnapshotGuard = NO_GUARD,
  ) {
    this.start = keyGroupRange.start;
    this.units = INT_SHARDS + keyGroupRange.size;
    this.ints = new Array<IntKeyTable<V> | undefined>(INT_SHARDS).fill(undefined);
    this.maps = new Array<Map<unknown, V> | undefined>(keyGroupRange.size).fill(undefined);
  }

  // The int-key path of get, set and delete is kept small, the rest in methods of its own: V8
  // inlines the state path into the keyed function only within a budget of bytecode, and the
  // other keys' path holds a key group's hash.

  get(keyGroup: number, key: unknown): V | undefined {
    this.reads = (this.reads + 1) | 0;
    if (!isInt32Key(key)) return this.getOther(keyGroup, key);
    const s = shardOf(key);
    if (this.guard.frozen[s] === 1) this.guard.thaw(s);
    return this.ints[s]?.get(key);
  }

  set(keyGroup: number, key: unknown, value: V): void {
    if (!isInt32Key(key)) return this.setOther(keyGroup, key, value);
    const s = shardOf(key);
    if (this.guard.frozen[s] === 1) this.guard.thaw(s);
    (this.ints[s] ??= new IntKeyTable<V>()).set(key, value);
    this.changes?.record(s, key);
  }

  delete(keyGroup: number, key: unknown): void {
    if (!isInt32Key(key)) return this.deleteOther(keyGroup, key);
    const s = shardOf(key);
    if (this.guard.frozen[s] === 1) this.guard.thaw(s);
    if (this.ints[s]?.delete(key) === true) this.changes?.record(s, key);
  }

  private getOther(keyGroup: number, key: unknown): V | undefined {
    return this.maps[this.thawedIndexOf(keyGroup, key)]?.get(key);
  }

  private setOther(keyGroup: number, key: unknown, value: V): void {
    const i = this.thawedIndexOf(keyGroup, key);
    (this.maps[i] ??= new Map<unknown, V>()).set(key, value);
    this.changes?.record(INT_SHARDS + i, key);
  }

  private deleteOther(keyGroup: number, key: unknown): void {
    const i = this.thawedIndexOf(keyGroup, key);
    if (this.maps[i]?.delete(key) === true) this.changes?.record(INT_SHARDS + i, key);
  }

  /**
   * The index in the range of a key that is not an int32, given its key group or -1, its Map's
   * unit thawed first if a snapshot froze it.
   */
  private thawedIndexOf(keyGroup: number, key: unknown): number {
    const i = (keyGroup >= 0 ? keyGroup : assignToKeyGroup(key, this.maxParallelism)) - this.start;
    if (this.guard.frozen[INT_SHARDS + i] === 1) this.guard.thaw(INT_SHARDS + i);
    return i;
  }

  /**
   * Loads the places where the lookups of a batch's keys will start, one after another before
   * any record of the batch is processed. Each is a cache miss in a table larger than the cache;
   * taken in a row, without the records' work between them, the processor has several in flight
   * at once, and the lookups then find their places in cache (the keyed count took 5% less CPU
   * time over 100k keys, 29% less over 1M). Only for a table that is read about once a record (by
   * its reads since the last prefetch: a state read now and then is not worth a load per
   * record), and larger than a core's cache (judged by the first key's shard): in cache, the
   * loads only add work (4% more CPU time for the keyed count over 1000 keys).
   */
  prefetch(keys: ArrayLike<unknown>): void {
    const reads = this.reads;
    this.reads = 0;
    this.prefetched = 0;
    if (2 * reads < keys.length || keys.length === 0) return;
    const first = keys[0];
    if (!isInt32Key(first)) return;
    const ints = this.ints;
    const sample = ints[shardOf(first)];
    if (sample === undefined || sample.bytes * INT_SHARDS < PREFETCH_MIN_BYTES) return;
    let found = 0;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (!isInt32Key(k)) continue;
      const t = ints[shardOf(k)];
      if (t !== undefined) found += t.touch(k);
    }
    this.prefetched = found;
  }

  /** The value of `key` in unit `unit` as it is, for a snapshot's reads (no freeze check). */
  peekUnit(unit: number, key: unknown): V | undefined {
    if (unit < INT_SHARDS) return isInt32Key(key) ? this.ints[unit]?.get(key) : undefined;
    return this.maps[unit - INT_SHARDS]?.get(key);
  }

  /** The live entries of one unit (no freeze check). */
  unitEntries(unit: number): Iterable<[unknown, V]> {
    if (unit < INT_SHARDS) return this.ints[unit]?.entries() ?? NO_ENTRIES;
    return this.maps[unit - INT_SHARDS] ?? NO_ENTRIES;
  }

  /** The keys of one unit (no freeze check), in a new array of their number: no entry pairs made. */
  unitKeys(unit: number): unknown[] {
    if (unit < INT_SHARDS) return this.ints[unit]?.keys() ?? [];
    const map = this.maps[unit - INT_SHARDS];
    return map === undefined ? [] : [...map.keys()];
  }

  keyGroupOf(unit: number, key: unknown): number {
    return unit < INT_SHARDS ? assignToKeyGroup(key, this.maxParallelism) : this.start + unit - INT_SHARDS;
  }

  /**
   * The live entries of one key group, int keys first (no freeze check). Int keys are found by
   * walking every shard: O(all int keys) a call, so a walk over every key group goes by units
   * instead (unitEntries).
   */
  *entries(keyGroup: number): Generator<[unknown, V]> {
    for (let s = 0; s < INT_SHARDS; s++) {
      const t = this.ints[s];
      if (t === undefined) continue;
      for (const e of t.entries()) if (assignToKeyGroup(e[0], this.maxParallelism) === keyGroup) yield e;
    }
    const map = this.maps[keyGroup - this.start];
    if (map !== undefined) yield* map;
  }

  /** Makes room for `entries` (a restore's, about to be set) in key group `keyGroup` at once. */
  reserve(_keyGroup: number, entries: readonly (readonly [unknown, unknown])[]): void {
    // Room is made by rebuilding a shard: a snapshot still reading it reads it first.
    let counts: Uint32Array | undefined;
    for (const [k] of entries) if (isInt32Key(k)) (counts ??= new Uint32Array(INT_SHARDS))[shardOf(k)]!++;
    if (counts === undefined) return;
    for (let s = 0; s < INT_SHARDS; s++) {
      if (counts[s] === 0) continue;
      if (this.guard.frozen[s] === 1) this.guard.thaw(s);
      (this.ints[s] ??= new IntKeyTable<V>()).reserve(counts[s]!);
    }
  }

  /**
   * Takes a restore's entries of `keyGroup`: int keys held back per shard until
   * {@link putStaged}, the others put now. A key group's int keys spread over every shard, so put
   * block by block each went to a table not in cache (a restore of 1M keys took twice as long as
   * with a table per key group); put shard by shard, a shard's table stays in cache while it fills.
   */
  stage(keyGroup: number, entries: readonly (readonly [unknown, unknown])[]): void {
    const staged = (this.staged ??= newStaged(entries, this.keyGroupRange.size));
    const { lists, lengths } = staged;
    const changes = this.changes;
    this.changes = undefined;
    for (const [k, v] of entries) {
      if (isInt32Key(k)) {
        const s = shardOf(k);
        const list = lists[s]!;
        const n = lengths[s]!;
        list[n] = k;
        list[n + 1] = v;
        lengths[s] = n + 2;
      } else this.setOther(keyGroup, k, v as V);
    }
    this.changes = changes;
  }

  /** Puts the int keys {@link stage} held back, shard by shard; restored entries are not changes to track. */
  putStaged(): void {
    const staged = this.staged;
    if (staged === undefined) return;
    this.staged = undefined;
    const { lists, lengths } = staged;
    for (let s = 0; s < INT_SHARDS; s++) {
      const list = lists[s]!;
      const n = lengths[s]!;
      // Let each shard's list go once put: at the peak, a restore holds its keys twice only for one shard.
      lists[s] = NO_STAGED;
      if (n === 0) continue;
      if (this.guard.frozen[s] === 1) this.guard.thaw(s);
      const t = (this.ints[s] ??= new IntKeyTable<V>());
      t.reserve(n / 2);
      for (let i = 0; i < n; i += 2) t.set(list[i] as number, list[i + 1] as V);
    }
  }

  get size(): number {
    let n = 0;
    for (const t of this.ints) n += t?.size ?? 0;
    for (const m of this.maps) n += m?.size ?? 0;
    return n;
  }
}

/** The least size of a table's places (estimated from one shard's) for which a prefetch pays: about a core's L2 cache. */
const PREFETCH_MIN_BYTES = 1 << 20;

const NO_ENTRIES: Iterable<[unknown, never]> = [];

/** The most places a shard's staged list is made with at once (more come by growing it): 2^14 keys, 256 KiB. */
const MAX_STAGED_ROOM = 1 << 15;

/**
 * Staged lists for a restore whose first block is `entries`, each made with room for its share of
 * the range's int keys if every key group holds as many as this one (and a quarter more). Grown
 * by writes from empty, the lists were copied at each growth and again by each young-generation
 * GC they survived: most of the restore's time went to that (1M keys: 0.69-0.73 of the time with
 * this, `bench/experiments/ab-restore.ts`).
 */
function newStaged(entries: readonly (readonly [unknown, unknown])[], keyGroups: number): Staged {
  let ints = 0;
  for (const [k] of entries) if (isInt32Key(k)) ints++;
  const room = Math.min(MAX_STAGED_ROOM, 2 * Math.ceil((1.25 * ints * keyGroups) / INT_SHARDS));
  return { lists: Array.from({ length: INT_SHARDS }, () => new Array<unknown>(room)), lengths: new Uint32Array(INT_SHARDS) };
}

/** Restored int entries held back, per shard: key, value, key, value... up to its length (the rest of a list is room). */
interface Staged {
  readonly lists: unknown[][];
  readonly lengths: Uint32Array;
}

const NO_STAGED: unknown[] = [];
