/**
 * Why the on-disk state backend is LMDB: the same work on the two embedded stores at hand —
 * LMDB (lmdb) and SQLite (better-sqlite3, already used for flink.db) — as the backend does it:
 * a point read per key, writes batched into one transaction per `batch`. Keys are 4-byte-prefixed
 * like the backend's; values are small. SQLite gets its fastest safe-for-scratch settings (WAL,
 * synchronous=OFF, a WITHOUT ROWID table, prepared statements). LMDB is the baseline.
 *
 * Checked: after two passes every store holds every key, each with the value 2.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { open } from 'lmdb';
import { type BenchParams, type Run, alternate, defineBench, figure, perSecond } from './harness/index.js';

interface Params extends BenchParams {
  readonly keys: number;
  readonly batch: number;
}

function key(i: number): Buffer {
  const b = Buffer.allocUnsafe(13);
  b.writeUInt32BE(i % 128, 0);
  b[4] = 1;
  b.writeDoubleBE(i, 5);
  return b;
}

interface Store {
  get(k: Buffer): Buffer | undefined;
  batch(fn: () => void): void;
  put(k: Buffer, v: Buffer): void;
  close(): void;
}

function lmdbStore(dir: string): Store {
  const db = open<Buffer, Buffer>({ path: join(dir, 'lmdb'), noSync: true, useVersions: false, keyEncoding: 'binary', encoding: 'binary', compression: false, cache: false });
  return { get: (k) => db.getBinaryFast(k), batch: (fn) => db.transactionSync(fn), put: (k, v) => void db.putSync(k, v), close: () => void db.close() };
}

function sqliteStore(dir: string): Store {
  const db = new Database(join(dir, 'state.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.exec('CREATE TABLE s (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID');
  const get = db.prepare<[Buffer], { v: Buffer }>('SELECT v FROM s WHERE k = ?');
  const put = db.prepare('INSERT OR REPLACE INTO s (k, v) VALUES (?, ?)');
  return { get: (k) => get.get(k)?.v, batch: (fn) => db.transaction(fn)(), put: (k, v) => void put.run(k, v), close: () => db.close() };
}

/** A read-modify-write adding one to every key, writes batched: what a keyed count does on the backend. */
function readModifyWrite(s: Store, p: Params): number {
  const start = performance.now();
  for (let b = 0; b < p.keys; b += p.batch) {
    const values: Array<[Buffer, Buffer]> = [];
    for (let i = b; i < Math.min(p.keys, b + p.batch); i++) {
      const k = key(i);
      const old = s.get(k);
      const v = Buffer.allocUnsafe(8);
      v.writeDoubleBE((old ? old.readDoubleBE(0) : 0) + 1);
      values.push([k, v]);
    }
    s.batch(() => {
      for (const [k, v] of values) s.put(k, v);
    });
  }
  return performance.now() - start;
}

interface Passes {
  /** Every key new. */
  readonly insertMs: number;
  /** Every key there. */
  readonly updateMs: number;
  /** Keys holding 2 after both passes. */
  readonly twos: number;
}

/** Both passes on a fresh store, then every key read back (untimed). */
function passes(make: (dir: string) => Store, p: Params): Passes {
  const dir = mkdtempSync(join(tmpdir(), 'flink-ts-bench-stores-'));
  const s = make(dir);
  try {
    const insertMs = readModifyWrite(s, p);
    const updateMs = readModifyWrite(s, p);
    let twos = 0;
    for (let i = 0; i < p.keys; i++) if (s.get(key(i))?.readDoubleBE(0) === 2) twos++;
    return { insertMs, updateMs, twos };
  } finally {
    s.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default defineBench<Params>({
  name: 'embedded-stores',
  description:
    'a read-modify-write per key with writes batched 10,000 to a transaction, on SQLite (better-sqlite3: WAL, synchronous=OFF, WITHOUT ROWID, prepared statements) against LMDB, for new keys and for existing ones.',
  sizes: {
    full: { keys: 500_000, batch: 10_000, rounds: 3, warmups: 1 },
    smoke: { keys: 2_000, batch: 500, rounds: 1, warmups: 0 },
  },
  async run(p, ctx) {
    const verify = (name: string) => (f: Passes) => ctx.check.equal(f.twos, p.keys, `keys holding 2 after two passes on ${name}`);
    const runs = await alternate(ctx, p, {
      lmdb: { label: 'lmdb', run: () => passes(lmdbStore, p), verify: verify('lmdb') },
      sqlite: { label: 'better-sqlite3', run: () => passes(sqliteStore, p), verify: verify('better-sqlite3') },
    });
    const rate = (r: readonly Run<Passes>[], pass: 'insertMs' | 'updateMs') => perSecond(p.keys, r.map((x) => x.facts[pass]));
    const lmdbNew = { label: 'lmdb', values: rate(runs.lmdb, 'insertMs') };
    const lmdbOld = { label: 'lmdb', values: rate(runs.lmdb, 'updateMs') };
    return {
      title: `embedded stores: ${p.keys.toLocaleString('en-US')} keys, read-modify-write, writes batched by ${p.batch.toLocaleString('en-US')}`,
      figures: [
        figure('lmdb: new keys', 'keys/s', lmdbNew.values),
        figure('lmdb: existing keys', 'keys/s', lmdbOld.values),
        figure('better-sqlite3: new keys', 'keys/s', rate(runs.sqlite, 'insertMs'), lmdbNew),
        figure('better-sqlite3: existing keys', 'keys/s', rate(runs.sqlite, 'updateMs'), lmdbOld),
      ],
    };
  },
});
