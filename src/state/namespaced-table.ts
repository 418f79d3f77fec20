import type { KeyGroupRange } from './key-groups.js';
import type { StateTable } from './state-table.js';

/**
 * A namespace of keyed state: a window's identity (its start, `"start:end"`, or `0` for the
 * global window), or `0` where state has no namespace. Always a primitive, so it is a cheap
 * Map key and plain data in snapshots.
 */
export type Namespace = number | string;

/** The values of one key, one per namespace: what a namespaced state stores per key. */
export type NamespaceMap<V> = Map<Namespace, V>;

/**
 * Counts accesses that must not reuse what an earlier one read: it moves whenever the current
 * key changes and whenever a snapshot is cut or state is restored. The backend is one.
 */
export interface AccessEpoch {
  readonly accessEpoch: number;
}

/**
 * One namespace of a namespaced state, seen as a plain state table: `get(kg, key)` is the value
 * of `key` in the current namespace. The state classes (value, list, reducing, ...) work on it
 * unchanged, so every kind, TTL and serializer carry over to window state.
 *
 * The key's namespace map is fetched once per record and window: the map read by `get` is
 * reused by the `set` that follows (a reducing state's read-modify-write), as long as the key
 * and the access epoch are the same. Within one epoch no snapshot cut happens (cuts and key
 * changes move the epoch), so changing the reused map in place never races a snapshot's freeze.
 * Without an epoch (TTL states, whose background cleanup rewrites stored maps) every access
 * fetches.
 */
export class NamespacedTable<V> implements StateTable<V> {
  /** The namespace `get`/`set`/`delete` work in. */
  namespace: Namespace = 0;
  private memoEpoch = -1;
  private memoKeyGroup = -1;
  private memoKey: unknown = undefined;
  private memoMap: NamespaceMap<V> | undefined = undefined;
  private readonly inPlace: boolean;

  /**
   * @param inPlace the outer table holds the stored maps themselves and needs no word of a
   *   change (the heap without incremental checkpoints): a map it returned is changed in place,
   *   with no `set` back. Only with an `epoch`: the map was read in the current one, so after
   *   any snapshot cut (the heap's freeze is released on that read).
   */
  constructor(
    /** The stored table: a namespace map per key. */
    readonly outer: StateTable<NamespaceMap<V>>,
    private readonly epoch: AccessEpoch | undefined,
    inPlace = false,
  ) {
    this.inPlace = inPlace && epoch !== undefined;
  }

  get keyGroupRange(): KeyGroupRange {
    return this.outer.keyGroupRange;
  }

  /** The namespace map of `key` (undefined if it has none), fetched once per epoch. */
  namespaces(keyGroup: number, key: unknown): NamespaceMap<V> | undefined {
    const epoch = this.epoch;
    if (epoch !== undefined && this.memoEpoch === epoch.accessEpoch && this.memoKey === key && this.memoKeyGroup === keyGroup) {
      return this.memoMap;
    }
    const map = this.outer.get(keyGroup, key);
    if (epoch !== undefined) {
      this.memoEpoch = epoch.accessEpoch;
      this.memoKeyGroup = keyGroup;
      this.memoKey = key;
      this.memoMap = map;
    }
    return map;
  }

  /** Stores `map` as the namespace map of `key` (deleting the key when it is empty). */
  store(keyGroup: number, key: unknown, map: NamespaceMap<V>): void {
    if (map.size === 0) {
      this.outer.delete(keyGroup, key);
      if (this.memoKey === key && this.memoKeyGroup === keyGroup) this.memoMap = undefined;
      return;
    }
    this.outer.set(keyGroup, key, map);
    if (this.memoKey === key && this.memoKeyGroup === keyGroup) this.memoMap = map;
  }

  get(keyGroup: number, key: unknown): V | undefined {
    return this.namespaces(keyGroup, key)?.get(this.namespace);
  }

  set(keyGroup: number, key: unknown, value: V): void {
    const stored = this.namespaces(keyGroup, key);
    if (stored !== undefined && this.inPlace) {
      stored.set(this.namespace, value);
      return;
    }
    const map = stored ?? new Map<Namespace, V>();
    map.set(this.namespace, value);
    this.store(keyGroup, key, map);
  }

  delete(keyGroup: number, key: unknown): void {
    const map = this.namespaces(keyGroup, key);
    // The last namespace gone: the key goes too (state ∝ open windows).
    if (map?.delete(this.namespace) && (map.size === 0 || !this.inPlace)) this.store(keyGroup, key, map);
  }

  /** The keys with a value in the current namespace, and that value. */
  entries(keyGroup: number): Generator<[unknown, V]> {
    return this.inNamespace(this.outer.entries(keyGroup));
  }

  get units(): number {
    return this.outer.units;
  }

  unitEntries(unit: number): Generator<[unknown, V]> {
    return this.inNamespace(this.outer.unitEntries(unit));
  }

  keyGroupOf(unit: number, key: unknown): number {
    return this.outer.keyGroupOf(unit, key);
  }

  private *inNamespace(entries: Iterable<[unknown, NamespaceMap<V>]>): Generator<[unknown, V]> {
    const ns = this.namespace;
    for (const [key, map] of entries) {
      const v = map.get(ns);
      if (v !== undefined) yield [key, v];
    }
  }

  /** Keys with a value in the current namespace, over all units (a scan; for tests and inspection). */
  get size(): number {
    let n = 0;
    for (let u = 0; u < this.units; u++) for (const _ of this.unitEntries(u)) n++;
    return n;
  }
}
