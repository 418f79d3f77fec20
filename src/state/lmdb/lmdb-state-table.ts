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
  /**
   * Per key group, the keys given a value since the last write-out that the disk may not hold
   * (new to the cache, or cached as absent): what a scan of the disk alone would miss, so a walk
   * over a key group's entries (TTL cleanup) needs no write-out to see them.
   */
  private unwrittenKeys = new Map<number, Set<unknown>>();
  /** See StateTable.watchStamps: each watcher's own slots. */
  private stampWatches: Float64Array[] = [];
  /** Set while incremental checkpoints are on. */
  changes: ChangedKeys | undefined;

  constructor(
    private readonly store: LmdbStateStore,
    readonly tableId: number,
    readonly keyGroupRange: KeyGroupRange,
  ) {}

  /** A unit (see StateTable.units) is a key group, by index in the range. */
  get units(): number {
    return this.keyGroupRange.size;
  }

  unitEntries(unit: number): Iterable<[unknown, V]> {
    return this.entries(this.keyGroupRange.start + unit);
  }

  keyGroupOf(unit: number): number {
    return this.keyGroupRange.start + unit;
  }

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
    this.changes?.record(keyGroup - this.keyGroupRange.start, key);
    if (value !== undefined && this.stampWatches.length > 0) this.noteStamp(keyGroup, (value as TtlValue<unknown>)[1]);
    const hit = this.cache.get(key);
    if (value !== undefined && (hit === undefined || hit.value === undefined)) this.noteUnwritten(keyGroup, key);
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
    return { sinceReset };
  }

  private noteUnwritten(keyGroup: number, key: unknown): void {
    let keys = this.unwrittenKeys.get(keyGroup);
    if (keys === undefined) this.unwrittenKeys.set(keyGroup, (keys = new Set()));
    keys.add(key);
  }

  get writeOuts(): number {
    return this.store.writeOuts;
  }

  private noteStamp(keyGroup: number, stamp: number): void {
    const i = keyGroup - this.keyGroupRange.start;
    for (const watch of this.stampWatches) if (!(stamp >= watch[i]!)) watch[i] = stamp;
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
    // A new map, not clear(): a scan under way keeps the set it took, whose keys it has yet to see.
    this.unwrittenKeys = new Map();
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
   * it goes (TTL cleanup; see StateTable.storedEntries), without writing the cache out: one range
   * scan over what is on disk, each key's value the cached one where the cache holds the key (a
   * write not yet on disk is newer), else the scanned one; then the keys given a value in the
   * cache since the last write-out that the scan did not meet. Writing the cache out at each pass
   * instead made ~60 write transactions a second in a job of TTL'd state, each freeing pages a
   * checkpoint's open read transaction kept LMDB from reusing (the data file's high-water mark).
   * No read snapshot is held between entries, as in {@link entries}: a scan paused across a
   * write-out goes on from its position in what was written (lmdb-js repositions a renewing
   * cursor after each commit, and may then step over the key after a deleted one: the next pass
   * sees it), so a scanned value of a key not cached is what is stored now — an entry leaves the
   * cache only after it is written out. A yielded value is current until the caller writes.
   */
  storedEntries(keyGroup: number): Iterable<[unknown, V | undefined]> {
    // Taken now: the walk's bound on timestamps (ttl-cleanup.ts) counts from the call.
    return this.scanCurrent(keyGroup, this.unwrittenKeys.get(keyGroup));
  }

  private *scanCurrent(keyGroup: number, unwritten: Set<unknown> | undefined): Generator<[unknown, V | undefined]> {
    let met: Set<unknown> | undefined;
    for (const { key, value } of this.store.db.getRange({ ...keyGroupBounds(this.tableId, keyGroup), snapshot: false })) {
      const mapKey = decodeMapKey(key);
      if (unwritten?.has(mapKey)) (met ??= new Set()).add(mapKey);
      const hit = this.cache.get(mapKey);
      yield [mapKey, hit ? hit.value : (decodeValue(value) as V)];
    }
    if (unwritten === undefined) return;
    for (const key of unwritten) {
      if (met?.has(key)) continue;
      const hit = this.cache.get(key);
      if (hit) {
        if (hit.value !== undefined) yield [key, hit.value];
        continue;
      }
      // Written out and evicted while the scan was paused: on disk now, maybe behind the cursor.
      const bytes = this.store.db.getBinaryFast(encodeKey(this.tableId, keyGroup, key));
      if (bytes !== undefined) yield [key, decodeValue(bytes) as V];
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
