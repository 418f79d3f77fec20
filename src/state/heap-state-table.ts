import { IntKeyTable, isInt32Key } from './int-key-table.js';
import type { KeyGroupRange } from './key-groups.js';
import { type ChangedKeys, NO_GUARD, type SnapshotGuard, type StateTable } from './state-table.js';

/**
 * The heap table: per key group, the int32 keys' values in an {@link IntKeyTable} (see there
 * for why) and any other key's in a Map, each made when its first key comes. A JS Map holds at
 * most 2^24 entries; splitting by key group lets a subtask hold up to 2^24 keys per key group
 * (over two billion at the default max parallelism).
 */
export class HeapStateTable<V> implements StateTable<V> {
  private readonly ints: (IntKeyTable<V> | undefined)[];
  private readonly maps: (Map<unknown, V> | undefined)[];
  /** The first key group of the range. */
  private readonly start: number;
  /** Set while incremental checkpoints are on. */
  changes: ChangedKeys | undefined;
  /** Reads since the last prefetch (wrapping past 2^31, which only skips a prefetch). */
  private reads = 0;
  /**
   * How many of the last prefetch's places held a key (0 if it loaded none): stored, so that V8
   * cannot drop the loads as unused; tests read it.
   */
  prefetched = 0;

  /**
   * @param guard key groups frozen by a snapshot in progress; the first access to one lets the
   *   snapshot encode it before anything can change (see PendingKeyedSnapshot)
   */
  constructor(
    readonly keyGroupRange: KeyGroupRange,
    private readonly guard: SnapshotGuard = NO_GUARD,
  ) {
    this.start = keyGroupRange.start;
    this.ints = new Array<IntKeyTable<V> | undefined>(keyGroupRange.size).fill(undefined);
    this.maps = new Array<Map<unknown, V> | undefined>(keyGroupRange.size).fill(undefined);
  }

  get(keyGroup: number, key: unknown): V | undefined {
    this.reads = (this.reads + 1) | 0;
    const i = keyGroup - this.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    return this.peekAt(i, key);
  }

  set(keyGroup: number, key: unknown, value: V): void {
    const i = keyGroup - this.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    if (isInt32Key(key)) (this.ints[i] ??= new IntKeyTable<V>()).set(key, value);
    else (this.maps[i] ??= new Map<unknown, V>()).set(key, value);
    this.changes?.record(keyGroup, key);
  }

  delete(keyGroup: number, key: unknown): void {
    const i = keyGroup - this.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    const gone = isInt32Key(key) ? this.ints[i]?.delete(key) : this.maps[i]?.delete(key);
    if (gone === true) this.changes?.record(keyGroup, key);
  }

  /**
   * Loads the places where the lookups of a batch's keys (in `keyGroups`) will start, one after
   * another before any record of the batch is processed. Each is a cache miss in a table larger
   * than the cache; taken in a row, without the records' work between them, the processor has
   * several in flight at once, and the lookups then find their places in cache (the keyed count
   * took 5% less CPU time over 100k keys, 29% less over 1M). Only for a table that is read about
   * once a record (by its reads since the last prefetch: a state read now and then is not worth
   * a load per record), and larger than a core's cache (judged by the first record's key
   * group): in cache, the loads only add work (4% more CPU time for the keyed count over 1000
   * keys).
   */
  prefetch(keys: ArrayLike<unknown>, keyGroups: ArrayLike<number>): void {
    const reads = this.reads;
    this.reads = 0;
    this.prefetched = 0;
    if (2 * reads < keys.length || keys.length === 0) return;
    const start = this.start;
    const ints = this.ints;
    const sample = ints[keyGroups[0]! - start];
    if (sample === undefined || sample.bytes * ints.length < PREFETCH_MIN_BYTES) return;
    let found = 0;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (!isInt32Key(k)) continue;
      const t = ints[keyGroups[j]! - start];
      if (t !== undefined) found += t.touch(k);
    }
    this.prefetched = found;
  }

  /** The value of `key` as it is, for a snapshot's reads (no freeze check). */
  peek(keyGroup: number, key: unknown): V | undefined {
    return this.peekAt(keyGroup - this.start, key);
  }

  private peekAt(i: number, key: unknown): V | undefined {
    return isInt32Key(key) ? this.ints[i]?.get(key) : this.maps[i]?.get(key);
  }

  /** The live entries of one key group, int keys first, for snapshots and restore (no freeze check). */
  entries(keyGroup: number): Iterable<[unknown, V]> {
    const i = keyGroup - this.start;
    const ints = this.ints[i];
    const map = this.maps[i];
    if (map === undefined) return ints?.entries() ?? NO_ENTRIES;
    if (ints === undefined) return map;
    return chain(ints, map);
  }

  /** Makes room for `entries` (a restore's, about to be set) in key group `keyGroup` at once. */
  reserve(keyGroup: number, entries: readonly (readonly [unknown, unknown])[]): void {
    // Room is made by rebuilding the table: a snapshot still reading the key group reads it first.
    const i = keyGroup - this.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    let ints = 0;
    for (const [k] of entries) if (isInt32Key(k)) ints++;
    if (ints > 0) (this.ints[i] ??= new IntKeyTable<V>()).reserve(ints);
  }

  get size(): number {
    let n = 0;
    for (const t of this.ints) n += t?.size ?? 0;
    for (const m of this.maps) n += m?.size ?? 0;
    return n;
  }
}

/** The least size of a table's places (estimated from one key group's) for which a prefetch pays: about a core's L2 cache. */
const PREFETCH_MIN_BYTES = 1 << 20;

const NO_ENTRIES: Iterable<[unknown, never]> = [];

/** A key group's int entries, then its others (rare: a state keyed by ints and other keys alike). */
function* chain<V>(ints: IntKeyTable<V>, map: Map<unknown, V>): Generator<[unknown, V]> {
  yield* ints.entries();
  yield* map;
}
