/**
 * The incremental TTL cleanup's walk over a table, on both stores. On lmdb it judges each entry
 * from one range scan over what is on disk, and takes the cached value where the cache holds the
 * key: a write not yet on disk is newer, and judging the scanned value instead would delete a
 * rewritten key whose old value had expired, or write back the live part of a key that was
 * cleared (both pinned here, with the cleanup paused half-way through a pass, as a job pauses it
 * between records); then the keys only in the cache, without writing the cache out (a write-out
 * per pass made ~60 write transactions a second in a job, and grew LMDB's file while a
 * checkpoint's read was open). Where nothing in a key group can have expired, the lmdb walk
 * skips it without reading it, from the earliest timestamp its last scan kept and those set
 * since: a value set since with an old timestamp (as a restore sets them), one only in the cache
 * when the scan started, and one a scan interrupted by a write-out stepped over are still removed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { HeapTableStore, KeyGroupRange, LmdbStateStore, type StateTableStore, assignToKeyGroup } from '../../src/state/index.js';
import type { StoredLayout, TtlValue } from '../../src/state/state-meta.js';
import { NO_GUARD } from '../../src/state/state-table.js';
import { IncrementalCleanup } from '../../src/state/ttl-cleanup.js';
import { ManualClock } from '../../src/util/clock.js';
import { BACKENDS, type BackendType } from './backends.js';

const MAX_PARALLELISM = 128;
const RANGE = new KeyGroupRange(0, MAX_PARALLELISM - 1);
const TTL = 100;
const KEYS = 300;

const scratch = mkdtempSync(join(tmpdir(), 'flink-ts-ttl-walk-'));
const stores: StateTableStore[] = [];
after(() => {
  for (const s of stores) s.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** A store whose cache holds every key: nothing is written out unless a test asks. */
function storeOf(type: BackendType): StateTableStore {
  const s = type === 'lmdb' ? new LmdbStateStore(scratch, RANGE, 100_000) : new HeapTableStore(RANGE, MAX_PARALLELISM);
  stores.push(s);
  return s;
}

function setup(type: BackendType, layout: StoredLayout) {
  const clock = new ManualClock(0);
  const store = storeOf(type);
  const table = store.createTable(NO_GUARD);
  /** On lmdb, puts every pending write on disk (a checkpoint's cut does); nothing to do on the heap. */
  const writeOut = () => {
    if (store instanceof LmdbStateStore) store.flush();
  };
  const cleanup = new IncrementalCleanup(table, RANGE, layout, TTL, clock, 1);
  const kg = (k: number) => assignToKeyGroup(k, MAX_PARALLELISM);
  /** Steps until every unit (key group, or shard of int keys on the heap) has had its turn once more, over at most `entries` entries (a step checks one entry, or ends a unit). */
  const walkOnce = (entries = KEYS) => {
    for (let i = 0; i < entries + table.units; i++) cleanup.step();
  };
  return { clock, table, cleanup, kg, walkOnce, writeOut };
}

for (const type of BACKENDS) {
  describe(`incremental TTL cleanup walk [${type}]`, () => {
    test('a key rewritten after the pass started keeps its new value, though its written-out value has expired', () => {
      const { clock, table, cleanup, kg, walkOnce, writeOut } = setup(type, { kind: 'value', ttl: true, namespaced: false });
      for (let k = 0; k < KEYS; k++) table.set(kg(k), k, ['old', 0] satisfies TtlValue<string>);
      writeOut(); // every 'old' on disk
      cleanup.step(); // the pass has started
      clock.set(50);
      for (let k = 0; k < KEYS; k++) table.set(kg(k), k, ['new', 50] satisfies TtlValue<string>);
      clock.set(120); // 'old' has expired (0 + 100 <= 120), 'new' has not
      walkOnce();
      for (let k = 0; k < KEYS; k++) assert.deepEqual(table.get(kg(k), k), ['new', 50], `key ${k}`);
      assert.equal(table.size, KEYS);
    });

    test('a key cleared after the pass started stays cleared, though part of its written-out list is live', () => {
      const { clock, table, cleanup, kg, walkOnce, writeOut } = setup(type, { kind: 'list', ttl: true, namespaced: false });
      for (let k = 0; k < KEYS; k++) table.set(kg(k), k, [['a', 0], ['b', 90]] satisfies TtlValue<string>[]);
      writeOut();
      cleanup.step();
      clock.set(50);
      for (let k = 0; k < KEYS; k += 2) table.delete(kg(k), k);
      clock.set(120); // 'a' has expired, 'b' has not
      walkOnce();
      for (let k = 0; k < KEYS; k++) assert.deepEqual(table.get(kg(k), k), k % 2 === 0 ? undefined : [['b', 90]], `key ${k}`);
      assert.equal(table.size, KEYS / 2, 'after the pending writes went to disk');
    });

    test('expired values are removed in one pass whether written out or only cached when the pass starts', () => {
      const { clock, table, cleanup, kg, walkOnce, writeOut } = setup(type, { kind: 'value', ttl: true, namespaced: false });
      for (let k = 0; k < KEYS; k++) table.set(kg(k), k, [k, k % 3 === 0 ? 0 : 60] satisfies TtlValue<number>);
      writeOut();
      cleanup.step();
      for (let k = KEYS; k < 2 * KEYS; k++) table.set(kg(k), k, [k, k % 3 === 0 ? 0 : 60] satisfies TtlValue<number>);
      clock.set(120);
      // One pass checks them all: those written out and those only in the cache (on lmdb).
      walkOnce(2 * KEYS);
      for (let k = 0; k < 2 * KEYS; k++) assert.deepEqual(table.get(kg(k), k), k % 3 === 0 ? undefined : [k, 60], `key ${k}`);
      assert.equal(table.size, (2 * KEYS * 2) / 3);
    });

    test('a value set with an old timestamp after its key group was found all live is removed', () => {
      const { clock, table, kg, walkOnce } = setup(type, { kind: 'value', ttl: true, namespaced: false });
      clock.set(1000);
      for (let k = 0; k < KEYS; k++) table.set(kg(k), k, [k, 1000] satisfies TtlValue<number>);
      walkOnce();
      walkOnce(); // every key group found live, and skipped from here on
      clock.set(1050);
      const old = KEYS >> 1;
      table.set(kg(old), old, [old, 0] satisfies TtlValue<number>); // expired since 100
      walkOnce();
      walkOnce();
      assert.equal(table.get(kg(old), old), undefined);
      assert.equal(table.size, KEYS - 1);
    });

    test('a value only in the cache when its key group is scanned, with an old timestamp, is removed', () => {
      const { clock, table, cleanup, kg, walkOnce, writeOut } = setup(type, { kind: 'value', ttl: true, namespaced: false });
      clock.set(1000);
      for (let k = 0; k < KEYS; k++) table.set(kg(k), k, [k, 1000] satisfies TtlValue<number>);
      writeOut();
      cleanup.step(); // the pass has started, and is in key group 0
      const late = [...Array(KEYS).keys()].map((i) => KEYS + i).find((k) => kg(k) !== 0)!;
      table.set(kg(late), late, [late, 0] satisfies TtlValue<number>);
      for (let i = 0; i < 4; i++) walkOnce(2 * KEYS);
      assert.equal(table.get(kg(late), late), undefined);
      assert.equal(table.size, KEYS);
    });

    test('a key a scan steps over when a write-out interrupts it is checked in a later pass', () => {
      const { clock, table, cleanup, kg, walkOnce } = setup(type, { kind: 'value', ttl: true, namespaced: false });
      // Three keys of one key group (not the first), in the order a scan meets them.
      const group = kg(1) === 0 ? kg(2) : kg(1);
      const [a, b, c] = [...Array(10 * MAX_PARALLELISM).keys()].filter((k) => kg(k) === group);
      table.set(group, a!, [a, 0] satisfies TtlValue<number>);
      table.set(group, b!, [b, 0] satisfies TtlValue<number>);
      table.set(group, c!, [c, 1000] satisfies TtlValue<number>);
      clock.set(1050); // a and b have expired, c has not
      for (let i = 0; i < 3 + MAX_PARALLELISM && table.get(group, a!) !== undefined; i++) cleanup.step();
      assert.equal(table.get(group, a!), undefined, 'a removed in the first pass');
      // Counting the keys writes the deletion of a out: on lmdb the scan, paused on a, may then step over b.
      const left = table.size;
      if (type === 'lmdb') assert.equal(left, 2);
      walkOnce(3);
      walkOnce(3);
      walkOnce(3);
      assert.equal(table.get(group, b!), undefined);
      assert.deepEqual(table.get(group, c!), [c, 1000]);
    });
  });
}

describe('incremental TTL cleanup walk [lmdb]: no write-outs of its own', () => {
  test('a cleanup-heavy run of churning keys removes what expires without writing the cache out', () => {
    const store = new LmdbStateStore(scratch, RANGE, 100_000);
    stores.push(store);
    const table = store.createTable();
    const clock = new ManualClock(0);
    // Flink's cleanupIncrementally(10, …): ten entries checked per record.
    const cleanup = new IncrementalCleanup(table, RANGE, { kind: 'value', ttl: true, namespaced: false }, TTL, clock, 10);
    const RECORDS = 3000;
    for (let k = 0; k < RECORDS; k++) {
      clock.set(k); // a new key a millisecond, each expiring TTL ms later
      const kg = assignToKeyGroup(k, MAX_PARALLELISM);
      // Half of them read first (found absent, and cached so), as ValueState.value() then update() does.
      if (k % 2 === 1) assert.equal(table.get(kg, k), undefined);
      table.set(kg, k, [k, k] satisfies TtlValue<number>);
      cleanup.step();
    }
    // Writing the cache out at each pass's start took 190 write transactions over this run.
    assert.equal(store.writeOuts, 0, 'write transactions the cleanup made');
    // Only the keys set in the last TTL ms and those a pass (~26 steps here) has yet to reach are left.
    const left = table.size;
    assert.ok(left >= TTL && left <= TTL + 40, `${left} keys left of ${RECORDS}`);
  });
});
