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
  /** Set while incremental checkpoints are on. */
  changes: ChangedKeys | undefined;

  /**
   * @param guard key groups frozen by a snapshot in progress; the first access to one lets the
   *   snapshot encode it before anything can change (see PendingKeyedSnapshot)
   */
  constructor(
    readonly keyGroupRange: KeyGroupRange,
    private readonly guard: SnapshotGuard = NO_GUARD,
  ) {
    this.ints = new Array<IntKeyTable<V> | undefined>(keyGroupRange.size).fill(undefined);
    this.maps = new Array<Map<unknown, V> | undefined>(keyGroupRange.size).fill(undefined);
  }

  get(keyGroup: number, key: unknown): V | undefined {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    return this.peekAt(i, key);
  }

  set(keyGroup: number, key: unknown, value: V): void {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    if (isInt32Key(key)) (this.ints[i] ??= new IntKeyTable<V>()).set(key, value);
    else (this.maps[i] ??= new Map<unknown, V>()).set(key, value);
    this.changes?.record(keyGroup, key);
  }

  delete(keyGroup: number, key: unknown): void {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    const gone = isInt32Key(key) ? this.ints[i]?.delete(key) : this.maps[i]?.delete(key);
    if (gone === true) this.changes?.record(keyGroup, key);
  }

  /** The value of `key` as it is, for a snapshot's reads (no freeze check). */
  peek(keyGroup: number, key: unknown): V | undefined {
    return this.peekAt(keyGroup - this.keyGroupRange.start, key);
  }

  private peekAt(i: number, key: unknown): V | undefined {
    return isInt32Key(key) ? this.ints[i]?.get(key) : this.maps[i]?.get(key);
  }

  /** The live entries of one key group, int keys first, for snapshots and restore (no freeze check). */
  entries(keyGroup: number): Iterable<[unknown, V]> {
    const i = keyGroup - this.keyGroupRange.start;
    const ints = this.ints[i];
    const map = this.maps[i];
    if (map === undefined) return ints?.entries() ?? NO_ENTRIES;
    if (ints === undefined) return map;
    return chain(ints, map);
  }

  /** Makes room for `entries` (a restore's, about to be set) in key group `keyGroup` at once. */
  reserve(keyGroup: number, entries: readonly (readonly [unknown, unknown])[]): void {
    // Room is made by rebuilding the table: a snapshot still reading the key group reads it first.
    const i = keyGroup - this.keyGroupRange.start;
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

const NO_ENTRIES: Iterable<[unknown, never]> = [];

/** A key group's int entries, then its others (rare: a state keyed by ints and other keys alike). */
function* chain<V>(ints: IntKeyTable<V>, map: Map<unknown, V>): Generator<[unknown, V]> {
  yield* ints.entries();
  yield* map;
}
