import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeapStateTable, INT_SHARDS, shardOf } from '../../src/state/heap-state-table.js';
import { IntKeyTable, isInt32Key } from '../../src/state/int-key-table.js';
import { KeyGroupRange, assignToKeyGroup } from '../../src/state/key-groups.js';
import { KeyedStateBackend } from '../../src/state/keyed-state-backend.js';
import { ValueStateDescriptor } from '../../src/state/descriptors.js';
import type { ValueState } from '../../src/state/state.js';

/** A small deterministic generator (mulberry32), so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sorted = (entries: Iterable<[unknown, unknown]>) => [...entries].sort((a, b) => (a[0] as number) - (b[0] as number));

test('int key table: reads, writes and removals agree with a Map, through growth, removal and rebuilds', () => {
  for (const seed of [1, 2, 3]) {
    const next = random(seed);
    const table = new IntKeyTable<number>();
    const model = new Map<number, number>();
    // Few distinct keys at first (removed and written again: rebuilds over removed slots), then many (growth).
    for (let step = 0; step < 60_000; step++) {
      const span = step < 20_000 ? 40 : 5_000;
      const k = Math.floor(next() * span) - span / 2;
      const op = next();
      if (op < 0.45) {
        const got = table.get(k);
        assert.equal(got, model.get(k), `get ${k} at step ${step}`);
        // A write right after a read of the same key goes to the slot the read found.
        if (next() < 0.5) {
          table.set(k, step);
          model.set(k, step);
        }
      } else if (op < 0.8) {
        table.set(k, step);
        model.set(k, step);
      } else {
        assert.equal(table.delete(k), model.delete(k), `delete ${k} at step ${step}`);
      }
      assert.equal(table.size, model.size);
    }
    assert.deepEqual(sorted(table.entries()), sorted(model.entries()));
  }
});

test('int key table: a write after a read of another key, or of a removed key, does not land in the read one\'s slot', () => {
  const table = new IntKeyTable<string>();
  table.set(1, 'a');
  table.set(2, 'b');
  assert.equal(table.get(1), 'a');
  table.set(2, 'B');
  assert.equal(table.get(1), 'a');
  assert.equal(table.get(2), 'B');
  assert.equal(table.get(1), 'a');
  assert.equal(table.delete(1), true);
  table.set(1, 'again');
  assert.equal(table.get(1), 'again');
  assert.equal(table.size, 2);
});

test('int key table: an int key that comes as a double is the same key; -0 is the key 0, as in a Map', () => {
  const table = new IntKeyTable<string>();
  // (i * 7919) % n is a double once i * 7919 passes 2^31, and still an int32 key.
  const asDouble = (3_000_001 * 7919) % 100_000;
  assert.equal(asDouble, 7919);
  table.set(asDouble, 'x');
  assert.equal(table.get(7919), 'x');
  table.set(-0, 'zero');
  assert.equal(table.get(0), 'zero');
  assert.deepEqual(sorted(table.entries()), [
    [0, 'zero'],
    [asDouble, 'x'],
  ]);
  assert.equal(Object.is([...table.entries()].find(([k]) => k === 0)![0], 0), true, 'the key is +0');
  assert.equal(isInt32Key(-0), true);
  for (const k of [2 ** 31, -(2 ** 31) - 1, 0.5, NaN, Infinity, '1', 1n]) assert.equal(isInt32Key(k), false, String(k));
  for (const k of [2 ** 31 - 1, -(2 ** 31), 7]) assert.equal(isInt32Key(k), true, String(k));
});

test('heap state table: int keys and other keys side by side, each as a Map would hold them', () => {
  const range = new KeyGroupRange(0, 3);
  const table = new HeapStateTable<string>(range, 4);
  // A key's group depends on the key alone (0 and -0, the same key, share one).
  const kgOf = (k: unknown) => Math.abs(Number(k) | 0) % 4;
  const keys: unknown[] = [0, -0, 1, 1.5, 2 ** 31, -(2 ** 31), '1', 'a', NaN, true];
  const model = new Map<unknown, string>();
  keys.forEach((k, i) => {
    table.set(kgOf(k), k, `v${i}`);
    model.set(k, `v${i}`);
  });
  assert.equal(table.get(0, 0), 'v1', '-0 wrote the key 0');
  assert.equal(table.get(0, NaN), 'v8');
  assert.equal(table.get(1, '1'), 'v6', 'the string "1" is not the number 1');
  assert.equal(table.get(1, 1), 'v2');
  assert.equal(table.get(1, 1.5), 'v3');
  assert.equal(table.size, model.size);
  const all: [unknown, string][] = [];
  for (let kg = 0; kg < 4; kg++) all.push(...table.entries(kg));
  const text = (e: [unknown, string][]) => e.map(([k, v]) => `${typeof k}:${String(k)}=${v}`).sort();
  assert.deepEqual(text(all), text([...model]));
  table.delete(0, NaN);
  table.delete(1, 1);
  assert.equal(table.get(0, NaN), undefined);
  assert.equal(table.get(1, 1), undefined);
  assert.equal(table.get(-1, 1.5), 'v3', 'a key group not given is computed');
  assert.equal(table.size, model.size - 2);
});

test('making room for a restore keeps what the table holds (a key group restored from several blocks)', () => {
  const table = new IntKeyTable<number>();
  for (let k = 0; k < 100; k++) table.set(k, k);
  table.delete(50);
  table.reserve(10_000);
  for (let k = 100; k < 10_100; k++) table.set(k, k);
  assert.equal(table.size, 10_099);
  for (let k = 0; k < 10_100; k++) assert.equal(table.get(k), k === 50 ? undefined : k, `key ${k}`);

  const heap = new HeapStateTable<string>(new KeyGroupRange(0, 0), 1);
  heap.set(0, 1, 'one');
  heap.set(0, 'a', 'A');
  heap.reserve(0, [
    [2, 'x'],
    ['b', 'y'],
  ]);
  heap.set(0, 2, 'two');
  assert.deepEqual(new Map(heap.entries(0)), new Map<unknown, string>([[1, 'one'], [2, 'two'], ['a', 'A']]));
});

test('a table emptied by removals shrinks, and keeps what it holds', () => {
  const table = new IntKeyTable<number>();
  for (let k = 0; k < 10_000; k++) table.set(k, k);
  const full = table.places.length;
  for (let k = 10; k < 10_000; k++) table.delete(k);
  assert.ok(table.places.length <= full / 64, `shrunk from ${full} to ${table.places.length} places`);
  assert.deepEqual(sorted(table.entries()), Array.from({ length: 10 }, (_, k) => [k, k]));
});

test('making room in a frozen shard lets the snapshot read it first', () => {
  const frozen = new Uint8Array(INT_SHARDS + 1).fill(1);
  const thawed: number[] = [];
  const heap = new HeapStateTable<string>(new KeyGroupRange(0, 0), 1, { frozen, thaw: (i) => { thawed.push(i); frozen[i] = 0; } });
  heap.reserve(0, [[1, 'one']]);
  assert.deepEqual(thawed, [shardOf(1)]);
});

test('prefetch loads the places of a large table read about once a record, and skips small tables and tables seldom read', () => {
  const range = new KeyGroupRange(0, 127);
  const batch = (n: number, keyCount: number) => {
    const keys: number[] = [];
    const groups: number[] = [];
    for (let j = 0; j < n; j++) {
      const k = (j * 7919) % keyCount;
      keys.push(k);
      groups.push(assignToKeyGroup(k, 128));
    }
    return { keys, groups };
  };
  const filled = (keyCount: number) => {
    const t = new HeapStateTable<number>(range, 128);
    for (let k = 0; k < keyCount; k++) t.set(assignToKeyGroup(k, 128), k, 2 * k);
    return t;
  };

  // 200k keys: 128 shards of 4096 places, 4 MiB in all, about 38% of the places held.
  const big = filled(200_000);
  const { keys, groups } = batch(1024, 200_000);
  big.prefetch(keys);
  assert.equal(big.prefetched, 0, 'no reads since the last prefetch: nothing loaded');
  for (let j = 0; j < 1024; j++) assert.equal(big.get(groups[j]!, keys[j]!), 2 * keys[j]!);
  big.prefetch(keys);
  assert.ok(big.prefetched > 200 && big.prefetched <= 1024, `places holding a key among the batch's 1024: ${big.prefetched}`);
  for (let j = 0; j < 100; j++) big.get(groups[j]!, keys[j]!);
  big.prefetch(keys);
  assert.equal(big.prefetched, 0, 'read for one record in ten: not worth a load per record');
  for (let j = 0; j < 1024; j++) assert.equal(big.get(groups[j]!, keys[j]!), 2 * keys[j]!, 'a prefetch changes nothing');

  // 1000 keys: a few KiB, in cache anyway.
  const small = filled(1000);
  const few = batch(1024, 1000);
  for (let j = 0; j < 1024; j++) small.get(few.groups[j]!, few.keys[j]!);
  small.prefetch(few.keys);
  assert.equal(small.prefetched, 0, 'a table that fits in cache is not prefetched');
});

test('the keyed backend prefetches the tables of the states it created, on the heap', () => {
  const backend = new KeyedStateBackend(128, new KeyGroupRange(0, 127));
  const count = backend.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('count', 0));
  const keys: number[] = [];
  const groups: number[] = [];
  for (let k = 0; k < 200_000; k++) {
    backend.setCurrentKey(k);
    count.update(k);
    if (k % 200 === 0) {
      keys.push(k);
      groups.push(assignToKeyGroup(k, 128));
    }
  }
  for (let j = 0; j < keys.length; j++) {
    backend.setCurrentKey(keys[j], groups[j]);
    assert.equal(count.value(), keys[j]);
  }
  backend.prefetch(keys);
  const table = backend.stateTables().get('count')!.table as HeapStateTable<number>;
  assert.ok(table.prefetched > 0, 'the state\'s table was prefetched');
});

test('entries staged by a restore are all put, however the first block sized the staged lists', () => {
  const range = new KeyGroupRange(0, 127);
  /** Each key group's entries [key, value] among `keys`, in key group order. */
  const blocks = (keys: readonly unknown[]) => {
    const byGroup = new Map<number, Array<[unknown, unknown]>>();
    for (const k of keys) {
      const kg = assignToKeyGroup(k, 128);
      if (!byGroup.has(kg)) byGroup.set(kg, []);
      byGroup.get(kg)!.push([k, `v${String(k)}`]);
    }
    return [...byGroup].sort((a, b) => a[0] - b[0]);
  };
  const ints = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
  const cases: Array<[string, Array<[number, Array<[unknown, unknown]>]>]> = [
    // Room for far more keys than come: only the staged ones are put (no key 0 from an unwritten place).
    ['a large first block, the rest small', [...blocks(ints(1, 100_000).filter((k) => assignToKeyGroup(k, 128) === 3)), ...blocks(ints(200_000, 300))]],
    // Room for one key a shard: the lists grow past it.
    ['a small first block, the rest large', [...blocks([7]), ...blocks(ints(10_000, 5000))]],
    // No int key in the first block: the lists are made without room and grow.
    ['a first block of other keys', [...blocks(['a', 'b', 'c']).slice(0, 1), ...blocks(ints(-3000, 4000))]],
  ];
  for (const [what, restored] of cases) {
    const table = new HeapStateTable<string>(range, 128);
    for (const [kg, entries] of restored) table.stage(kg, entries);
    table.putStaged();
    const expected = restored.flatMap(([kg, entries]) => entries.map(([k, v]) => [kg, k, v] as const));
    assert.equal(table.size, expected.length, `${what}: keys held`);
    for (const [kg, k, v] of expected) assert.equal(table.get(kg, k), v, `${what}: key ${String(k)}`);
  }
});
