import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Lmdb from 'lmdb';
import type { RootDatabase } from 'lmdb';
import { FlinkError } from '../../util/errors.js';
import { makeDirectoriesSync } from '../../util/make-directories.js';
import { isProcessAlive } from '../../util/process.js';
import type { StateBackendName } from '../../util/state-backend-names.js';
import type { KeyGroupRange } from '../key-groups.js';
import type { StateTableStore, StoreCut, TrackedStateTable } from '../state-table.js';
import { decodeStoredValue, decodeTagged, encodeStoredValue, encodeTagged } from './lmdb-codec.js';
import { LmdbStateTable } from './lmdb-state-table.js';

/** Entries held in memory (read or written since the last flush) before they go to disk. */
export const DEFAULT_WRITE_CACHE_ENTRIES = 50_000;

/**
 * One subtask's keyed state on disk: an LMDB environment in a private directory, one key space
 * per state table. A key is `[table id: u16][key group: u16][tagged map key]` (lmdb-codec.ts), so
 * a key group of a state is one contiguous range. Writes are buffered in the tables' caches and
 * go to disk in one transaction per flush (LMDB commits are the expensive part); LMDB's MVCC
 * read transactions give snapshots a consistent view while processing writes on.
 *
 * The directory is scratch space: durability comes from checkpoints, so LMDB never fsyncs.
 */
export class LmdbStateStore implements StateTableStore {
  readonly type: StateBackendName = 'lmdb';
  readonly freezesAtCut = false;
  /** A unit is a key group (LmdbStateTable.units). */
  get units(): number {
    return this.keyGroupRange.size;
  }
  readonly storesByReference = false;
  readonly dir: string;
  readonly db: RootDatabase<Buffer, Buffer>;
  private readonly tables: LmdbStateTable<unknown>[] = [];
  private cached = 0;
  private evicting = false;
  /** Write transactions committed (TTL cleanup tells by it whether a scan was interrupted). */
  writeOuts = 0;
  /** Work to run before the cache is flushed and emptied (background TTL cleanup). */
  private readonly beforeEvict: Array<() => void> = [];

  /** @param localDir parent of the store's own directory (`state.backend.lmdb.local-directory`) */
  constructor(
    localDir: string,
    readonly keyGroupRange: KeyGroupRange,
    private readonly cacheEntries = DEFAULT_WRITE_CACHE_ENTRIES,
  ) {
    makeDirectoriesSync(localDir);
    sweepAbandoned(localDir);
    this.dir = mkdtempSync(join(localDir, `${STORE_PREFIX}${process.pid}-`));
    // lmdb (a native addon) loads with the first store: loading it slows every start (each worker thread's too).
    const { open } = createRequire(import.meta.url)('lmdb') as typeof Lmdb;
    this.db = open<Buffer, Buffer>({
      path: this.dir,
      noSync: true,
      noMetaSync: true,
      useVersions: false,
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: false,
      cache: false,
      noMemInit: true,
      // Map size grows on demand; start large enough that small jobs never resize.
      mapSize: 64 * 1024 * 1024,
    });
  }

  /** A new state table in this store (no freeze guard: snapshots read a transaction instead). */
  createTable(): LmdbStateTable<unknown> {
    if (this.tables.length >= 0xffff) throw new Error('Too many keyed states in one operator (at most 65535).');
    const table = new LmdbStateTable<unknown>(this, this.tables.length, this.keyGroupRange);
    this.tables.push(table);
    return table;
  }

  addBackgroundWork(step: () => void): void {
    this.beforeEvict.push(step);
  }

  /** Counts a newly cached entry; when the cache is full, writes it out and empties it. */
  noteCached(): void {
    if (++this.cached < this.cacheEntries || this.evicting) return;
    // Background work reads through the cache too; it must not start another eviction.
    this.evicting = true;
    try {
      for (const f of this.beforeEvict) f();
    } finally {
      this.evicting = false;
    }
    this.flush();
    for (const t of this.tables) t.evict();
    this.cached = 0;
  }

  /** Writes every changed cached entry to disk in one transaction. */
  flush(): void {
    if (!this.tables.some((t) => t.dirtyCount > 0)) return;
    this.db.transactionSync(() => {
      for (const t of this.tables) t.writeDirty();
    });
    this.writeOuts++;
  }

  /** Flushes, then opens a read transaction that sees the store as it is now. */
  cut(): StoreCut {
    this.flush();
    const db = this.db;
    const transaction = db.useReadTransaction();
    const id = (t: TrackedStateTable<unknown>) => (t as LmdbStateTable<unknown>).tableId;
    // A unit is a key group (LmdbStateTable.units).
    const start = this.keyGroupRange.start;
    let released = false;
    return {
      *entries(table, unit) {
        for (const { key, value } of db.getRange({ ...keyGroupBounds(id(table), start + unit), transaction })) {
          yield [decodeMapKey(key), decodeValue(value)];
        }
      },
      get(table, unit, key) {
        const bytes = db.getEntry(encodeKey(id(table), start + unit, key), { transaction })?.value;
        return bytes === undefined ? undefined : decodeValue(bytes);
      },
      release() {
        if (released) return;
        released = true;
        transaction.done();
      },
    };
  }

  /** Closes the environment and deletes its directory. */
  dispose(): void {
    try {
      this.db.close();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

const STORE_PREFIX = 'flink-ts-lmdb-';

/** Directories this process has swept already: once per directory is enough. */
const swept = new Set<string>();

/** Deletes stores left behind by processes that died (kill -9): their pid is in the name. */
function sweepAbandoned(localDir: string): void {
  if (swept.has(localDir)) return;
  swept.add(localDir);
  for (const name of readdirSync(localDir)) {
    if (!name.startsWith(STORE_PREFIX)) continue;
    const pid = Number(name.slice(STORE_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
    rmSync(join(localDir, name), { recursive: true, force: true });
  }
}


/** The on-disk key of `key` in key group `keyGroup` of table `tableId`. */
/** LMDB's largest key (its default build): the table id, key group and tag (5 bytes) and the key. */
const MAX_KEY_BYTES = 1978;

export function encodeKey(tableId: number, keyGroup: number, key: unknown): Buffer {
  // -0 and 0 are one key in a Map (and on the heap backend): one key on disk too.
  const out = encodeTagged(key === 0 ? 0 : key, 4);
  if (out.length > MAX_KEY_BYTES) {
    // Said at the first access, in words: LMDB would refuse it only when the cache writes it out.
    throw new FlinkError(
      'state.keyTooLong',
      `A key of ${out.length - 5} bytes is longer than the lmdb state backend stores (${MAX_KEY_BYTES - 5} bytes): key the stream by a shorter form (a hash of it), or use state.backend.type: hashmap.`,
    );
  }
  out.writeUInt16BE(tableId, 0);
  out.writeUInt16BE(keyGroup, 2);
  return out;
}

export function decodeMapKey(key: Buffer): unknown {
  return decodeTagged(key, 4);
}

export function encodeValue(value: unknown): Buffer {
  return encodeStoredValue(value);
}

export function decodeValue(bytes: Buffer): unknown {
  return decodeStoredValue(bytes);
}

/** The range of keys of one key group of one table. */
export function keyGroupBounds(tableId: number, keyGroup: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(4);
  start.writeUInt16BE(tableId, 0);
  start.writeUInt16BE(keyGroup, 2);
  const end = Buffer.alloc(4);
  // The next key group's first key; for the last key group, the next table's.
  const next = tableId * 0x10000 + keyGroup + 1;
  end.writeUInt16BE(Math.floor(next / 0x10000), 0);
  end.writeUInt16BE(next % 0x10000, 2);
  return { start, end };
}
