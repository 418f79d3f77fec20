import type { KeyGroupRange } from '../key-groups.js';
import type { TtlValue } from '../state-meta.js';
import type { ChangedKeys, StampWatch, StateTable } from '../state-table.js';
import { type LmdbStateStore, decodeMapKey, decodeValue, encodeKey, encodeValue, keyGroupBounds } from './lmdb-state-store.js';

interface CacheEntry<V> {
  /**
   * The map key's key group: its on-disk key is encoded again when the entry is written out, not
   * kept. A small Buffer is a slice of Node's shared 8 KiB pool and holds the whole slab alive, so
   * cached keys (up to the cache's 50,000 entries) pinned up to 8 KiB each: a soak of TTL'd
   * churning keys grew the process's ArrayBuffers ~4.5 MB a minute until the cache was evicted.
   */
  readonly keyGroup: number;
  /** Undefined: no value (never stored, or deleted). */
  value: V | undefined;
  dirty: boolean;
}

/**
 * One keyed state on disk. Entries read or written are kept in a cache until the store flushes
 * it, so a record's read-modify-write costs one disk read at most and writes go to disk in
 * batches. A map key maps to one key group, so the map key alone names a cache entry.
 */
export class LmdbStateTable<V> implements StateTable<V> {
  private cache = new Map<unknown, CacheEntry<V>>();
  private dirty = 0;
  /** See StateTable.watchStamps: each watcher's own slots, and the shared `unwritten` once watched. */
  private stampWatches: Float64Array[] = [];
  private unwritten: Float64Array | undefined;
  /** Set while incremental checkpoints are on. */
  changes: ChangedKeys | undefined;

  constructor(
    private readonly store: LmdbStateStore,
    readonly tableId: number,
    readonly keyGroupRange: KeyGroupRange,
  ) {}

  get dirtyCount(): number {
    return this.dirty;
  }

  get(keyGroup: number, key: unknown): V | undefined {
    const hit = this.cache.get(key);
    if (hit) return hit.value;
    const k = encodeKey(this.tableId, keyGroup, key);
    const bytes = this.store.db.getBinaryFast(k);
    // getBinaryFast's buffer is reused by the next read: decode it now.
    const value = bytes === undefined ? undefined : (decodeValue(bytes) as V);
    this.cache.set(key, { keyGroup, value, dirty: false });
    this.store.noteCached();
    return value;
  }

  set(keyGroup: number, key: unknown, value: V): void {
    this.put(keyGroup, key, value);
  }

  delete(keyGroup: number, key: unknown): void {
    this.put(keyGroup, key, undefined);
  }

  private put(keyGroup: number, key: unknown, value: V | undefined): void {
    this.changes?.record(keyGroup, key);
    if (value !== undefined && this.stampWatches.length > 0) this.noteStamp(keyGroup, (value as TtlValue<unknown>)[1]);
    const hit = this.cache.get(key);
    if (hit) {
      hit.value = value;
      if (!hit.dirty) {
        hit.dirty = true;
        this.dirty++;
      }
      return;
    }
    // Encoded here only to refuse a key too long for LMDB at its first access (see encodeKey).
    encodeKey(this.tableId, keyGroup, key);
    this.cache.set(key, { keyGroup, value, dirty: true });
    this.dirty++;
    this.store.noteCached();
  }

  watchStamps(): StampWatch {
    const sinceReset = new Float64Array(this.keyGroupRange.size).fill(Infinity);
    this.stampWatches.push(sinceReset);
    // Values set before the first watcher and not written out yet are unknown: -Infinity.
    this.unwritten ??= new Float64Array(this.keyGroupRange.size).fill(this.dirty > 0 ? -Infinity : Infinity);
    return { sinceReset, unwritten: this.unwritten };
  }

  get writeOuts(): number {
    return this.store.writeOuts;
  }

  private noteStamp(keyGroup: number, stamp: number): void {
    const i = keyGroup - this.keyGroupRange.start;
    for (const watch of this.stampWatches) if (!(stamp >= watch[i]!)) watch[i] = stamp;
    const unwritten = this.unwritten!;
    if (!(stamp >= unwritten[i]!)) unwritten[i] = stamp;
  }

  /** Writes the changed cache entries; runs inside the store's write transaction. */
  writeDirty(): void {
    if (this.dirty === 0) return;
    const db = this.store.db;
    for (const [key, e] of this.cache) {
      if (!e.dirty) continue;
      const k = encodeKey(this.tableId, e.keyGroup, key);
      if (e.value === undefined) db.removeSync(k);
      else db.putSync(k, encodeValue(e.value));
      e.dirty = false;
    }
    this.dirty = 0;
    this.unwritten?.fill(Infinity);
  }

  /** Drops the cache (after a flush). */
  evict(): void {
    if (this.dirty > 0) throw new Error('internal: state cache evicted before it was flushed');
    this.cache = new Map();
  }

  /**
   * The entries of one key group as stored now (pending writes are flushed first). The
   * iteration holds no read snapshot (a long, paused TTL-cleanup scan would otherwise keep LMDB
   * from reusing pages); it may see writes made while it runs, which its users tolerate.
   */
  *entries(keyGroup: number): Generator<[unknown, V]> {
    this.store.flush();
    for (const { key, value } of this.store.db.getRange({ ...keyGroupBounds(this.tableId, keyGroup), snapshot: false })) {
      yield [decodeMapKey(key), decodeValue(value) as V];
    }
  }

  /**
   * The entries of one key group with their current values, for a walk that may change each as
   * it goes (TTL cleanup; see StateTable.storedEntries): one range scan over what is on disk,
   * each key's value the cached one where the cache holds the key (a write not yet on disk is
   * newer), else the scanned one; a key only in the cache is seen only if `writeOut`. No read
   * snapshot is held between entries, as in {@link entries}: a scan paused across a write-out
   * goes on from its position in what was written (lmdb-js repositions a renewing cursor after
   * each commit, and may then step over the key after a deleted one: the next pass sees it), so a
   * scanned value of a key not cached is what is stored now — an entry leaves the cache only after
   * it is written out. A yielded value is current until the caller writes.
   */
  storedEntries(keyGroup: number, writeOut: boolean): Iterable<[unknown, V | undefined]> {
    // Now, not at the first step of the scan: TTL cleanup counts write-outs from here.
    if (writeOut) this.store.flush();
    return this.scanCurrent(keyGroup);
  }

  private *scanCurrent(keyGroup: number): Generator<[unknown, V | undefined]> {
    for (const { key, value } of this.store.db.getRange({ ...keyGroupBounds(this.tableId, keyGroup), snapshot: false })) {
      const mapKey = decodeMapKey(key);
      const hit = this.cache.get(mapKey);
      yield [mapKey, hit ? hit.value : (decodeValue(value) as V)];
    }
  }

  get size(): number {
    this.store.flush();
    let n = 0;
    for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) {
      n += this.store.db.getCount(keyGroupBounds(this.tableId, kg));
    }
    return n;
  }
}
