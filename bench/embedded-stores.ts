/**
 * Why the on-disk state backend is LMDB: the same work on the two embedded stores at hand —
 * LMDB (lmdb) and SQLite (better-sqlite3, already used for flink.db) — as the backend does it:
 * point reads, and writes batched into one transaction per 10,000. Keys are 4-byte-prefixed
 * like the backend's; values are small. SQLite gets its fastest safe-for-scratch settings (WAL,
 * synchronous=OFF, a WITHOUT ROWID table, prepared statements). LMDB is the baseline.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { open } from 'lmdb';

const N = Number(process.env.BENCH_STORE_KEYS ?? 500_000);
const BATCH = 10_000;

function key(i: number): Buffer {
  const b = Buffer.allocUnsafe(13);
  b.writeUInt32BE(i % 128, 0);
  b[4] = 1;
  b.writeDoubleBE(i, 5);
  return b;
}

interface Store {
  readonly name: string;
  get(k: Buffer): Buffer | undefined;
  batch(fn: () => void): void;
  put(k: Buffer, v: Buffer): void;
  close(): void;
}

function lmdbStore(dir: string): Store {
  const db = open<Buffer, Buffer>({ path: join(dir, 'lmdb'), noSync: true, useVersions: false, keyEncoding: 'binary', encoding: 'binary', compression: false, cache: false });
  return { name: 'lmdb', get: (k) => db.getBinaryFast(k), batch: (fn) => db.transactionSync(fn), put: (k, v) => void db.putSync(k, v), close: () => void db.close() };
}

function sqliteStore(dir: string): Store {
  const db = new Database(join(dir, 'state.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec('CREATE TABLE s (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
  const get = db.prepare<[Buffer], { v: Buffer }>('SELECT v FROM s WHERE k = ?');
  const put = db.prepare('INSERT OR REPLACE INTO s (k, v) VALUES (?, ?)');
  return { name: 'better-sqlite3', get: (k) => get.get(k)?.v, batch: (fn) => db.transaction(fn)(), put: (k, v) => void put.run(k, v), close: () => db.close() };
}

/** A read-modify-write per key, writes batched: what a keyed count does on the backend. */
function readModifyWrite(s: Store, pass: number): number {
  const start = performance.now();
  for (let b = 0; b < N; b += BATCH) {
    const values: Array<[Buffer, Buffer]> = [];
    for (let i = b; i < Math.min(N, b + BATCH); i++) {
      const k = key(i);
      const old = s.get(k);
      const v = Buffer.allocUnsafe(8);
      v.writeDoubleBE((old ? old.readDoubleBE(0) : 0) + pass);
      values.push([k, v]);
    }
    s.batch(() => {
      for (const [k, v] of values) s.put(k, v);
    });
  }
  return performance.now() - start;
}

export async function embeddedStoresBench(): Promise<void> {
  console.log(`\nEmbedded stores: ${N.toLocaleString('en-US')} keys, read-modify-write with writes batched by ${BATCH.toLocaleString('en-US')}`);
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-bench-stores-'));
  try {
    const results: Array<{ name: string; insert: number; update: number }> = [];
    for (const make of [lmdbStore, sqliteStore]) {
      const s = make(dir);
      const insert = readModifyWrite(s, 1); // every key new
      const update = readModifyWrite(s, 1); // every key there
      s.close();
      results.push({ name: s.name, insert, update });
    }
    const base = results[0]!;
    for (const r of results) {
      const rate = (ms: number) => `${((N / ms) * 1000 / 1000).toFixed(0)}k/s`;
      console.log(
        `  ${r.name.padEnd(15)} new keys ${rate(r.insert).padStart(8)}  existing keys ${rate(r.update).padStart(8)}  ` +
          `${(base.insert / r.insert).toFixed(2)}x / ${(base.update / r.update).toFixed(2)}x lmdb`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
