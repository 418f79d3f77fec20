import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KeyGroupRange,
  ListStateDescriptor,
  MapStateDescriptor,
  ValueStateDescriptor,
  assignToKeyGroup,
  type KeyedStateBackend,
  type ListState,
  type MapState,
  type ValueState,
} from '../../src/state/index.js';
import { BACKENDS, type BackendType, createBackend, finish, restoreChain, snapshotInto, dumpTables, toBlock } from './backends.js';

function fill(b: KeyedStateBackend, keys: number, base: number): void {
  const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const l = b.getOrCreateState<ListState<number>>(new ListStateDescriptor<number>('l'));
  const m = b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
  for (let k = 0; k < keys; k++) {
    b.setCurrentKey(`key-${k}`);
    v.update(base + k);
    l.add(base + k);
    m.put('x', base + k);
  }
}

function read(b: KeyedStateBackend, key: string): [number | undefined, readonly number[], number | undefined] {
  b.setCurrentKey(key);
  return [
    b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v')).value(),
    b.getOrCreateState<ListState<number>>(new ListStateDescriptor<number>('l')).get(),
    b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m')).get('x'),
  ];
}


const otherThan = (t: BackendType) => BACKENDS.filter((x): x is BackendType => x !== t);

for (const type of BACKENDS) {
  describe(`keyed state snapshots [${type}]`, () => {
    test('the cut is consistent while processing goes on: later writes, in place or not, do not leak in', () => {
      const b = createBackend(type);
      fill(b, 1000, 0);
      const snap = b.snapshot(1);
      assert.equal(snap.done, false);
      // Processing continues: every key is touched (value replaced, list appended in place, map mutated).
      fill(b, 1000, 10_000);
      b.setCurrentKey('new-key');
      b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v')).update(-1);
      b.setCurrentKey('key-8');
      b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v')).clear();
      const restored = restoreChain(createBackend(type), [{ blocks: finish(snap), snap }]);
      for (const k of [0, 7, 8, 999]) assert.deepEqual(read(restored, `key-${k}`), [k, [k], k]);
      assert.deepEqual(read(restored, 'new-key'), [undefined, [], undefined]);
      assert.deepEqual(read(b, 'key-7'), [10_007, [7, 10_007], 10_007]);
      assert.deepEqual(read(b, 'key-8'), [undefined, [8, 10_008], 10_008]);
    });

    test('a snapshot restores every key into a fresh backend', () => {
      const b = createBackend(type);
      fill(b, 500, 0);
      fill(b, 250, 1000);
      const restored = snapshotInto(b, type);
      assert.deepEqual(dumpTables(restored), dumpTables(b));
      for (let k = 0; k < 500; k++) assert.deepEqual(read(restored, `key-${k}`), k < 250 ? [1000 + k, [k, 1000 + k], 1000 + k] : [k, [k], k]);
    });

    test('restore redistributes by key group: 1 subtask → 3 subtasks', () => {
      const b = createBackend(type);
      fill(b, 300, 0);
      const snap = b.snapshot(1);
      const blocks = finish(snap);
      const parts = [0, 1, 2].map((i) => restoreChain(createBackend(type, { range: KeyGroupRange.forSubtask(128, 3, i) }), [{ blocks, snap }]));
      for (let k = 0; k < 300; k++) {
        const key = `key-${k}`;
        const owner = parts.find((p) => p.keyGroupRange.contains(assignToKeyGroup(key, 128)))!;
        assert.deepEqual(read(owner, key), [k, [k], k]);
      }
      // Each subtask holds only its own key groups.
      for (const p of parts) {
        for (const { table } of p.stateTables().values()) {
          let n = 0;
          for (let kg = p.keyGroupRange.start; kg <= p.keyGroupRange.end; kg++) n += [...table.entries(kg)].length;
          assert.equal(table.size, n);
        }
      }
      assert.equal(parts.reduce((n, p) => n + p.stateTables().get('v')!.table.size, 0), 300);
      assert.throws(() => parts[0]!.restoreKeyGroup(toBlock(127, new Uint8Array([0x80])), {}), /restored into a subtask owning/);
    });

    test('restore merges by key group: 3 subtasks → 1 subtask', () => {
      const parts = [0, 1, 2].map((i) => createBackend(type, { range: KeyGroupRange.forSubtask(128, 3, i) }));
      const v = parts.map((p) => p.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v')));
      for (let k = 0; k < 300; k++) {
        const key = `key-${k}`;
        const i = parts.findIndex((p) => p.keyGroupRange.contains(assignToKeyGroup(key, 128)));
        parts[i]!.setCurrentKey(key);
        v[i]!.update(k);
      }
      const merged = createBackend(type);
      for (const p of parts) {
        const snap = p.snapshot(1);
        restoreChain(merged, [{ blocks: finish(snap), snap }]);
      }
      for (let k = 0; k < 300; k++) assert.deepEqual(read(merged, `key-${k}`), [k, [], undefined]);
    });

    test('a restored state registered with another kind is refused with its name', () => {
      const b = createBackend(type);
      fill(b, 10, 0);
      const r = snapshotInto(b, type);
      assert.throws(() => r.getOrCreateState(new ListStateDescriptor<number>('v')), /'v' was value state in the restored snapshot but is registered as list state/);
    });

    test('restored state nobody registers is kept in the next snapshot', () => {
      const b = createBackend(type);
      fill(b, 10, 0);
      const s1 = b.snapshot(1);
      const b1 = finish(s1);
      const r = restoreChain(createBackend(type), [{ blocks: b1, snap: s1 }]);
      const s2 = r.snapshot(2);
      const b2 = finish(s2);
      assert.deepEqual(Object.keys(s2.kinds).sort(), ['l', 'm', 'v']);
      assert.equal(b2.length, b1.length);
      const again = restoreChain(createBackend(type), [{ blocks: b2, snap: s2 }]);
      for (const k of [0, 9]) assert.deepEqual(read(again, `key-${k}`), [k, [k], k]);
    });

    for (const to of otherThan(type)) {
      test(`cross-backend: a snapshot of ${type} restores into ${to} with identical state, also rescaled`, () => {
        const b = createBackend(type);
        fill(b, 400, 0);
        fill(b, 100, 5000);
        const snap = b.snapshot(1);
        // Processing goes on past the cut; none of it may reach the other backend.
        fill(b, 400, 90_000);
        const blocks = finish(snap);
        const whole = restoreChain(createBackend(to), [{ blocks, snap }]);
        assert.equal(whole.type, to);
        const expected = (k: number) => (k < 100 ? [5000 + k, [k, 5000 + k], 5000 + k] : [k, [k], k]);
        for (let k = 0; k < 400; k++) assert.deepEqual(read(whole, `key-${k}`), expected(k));
        // Same stored entries as a restore into the writer's own kind of backend.
        assert.deepEqual(dumpTables(whole), dumpTables(restoreChain(createBackend(type), [{ blocks, snap }])));
        const parts = [0, 1, 2].map((i) => restoreChain(createBackend(to, { range: KeyGroupRange.forSubtask(128, 3, i) }), [{ blocks, snap }]));
        for (let k = 0; k < 400; k++) {
          const key = `key-${k}`;
          assert.deepEqual(read(parts.find((p) => p.keyGroupRange.contains(assignToKeyGroup(key, 128)))!, key), expected(k));
        }
        // And back: the restored backend's own snapshot restores into the first kind.
        assert.deepEqual(dumpTables(snapshotInto(whole, type)), dumpTables(whole));
      });
    }
  });
}

// Heap-only: the time budget drives the heap's background encoder of frozen key groups.
describe('keyed state snapshots [hashmap internals]', () => {
  test('key groups are encoded in the background under a time budget', () => {
    const b = createBackend('hashmap');
    fill(b, 5000, 0);
    const snap = b.snapshot(1);
    let t = 0;
    // A clock that advances 1 per call: each call to encodeUntil encodes about one key group.
    assert.equal(snap.encodeUntil(2, () => ++t), false);
    while (!snap.encodeUntil(t + 5, () => ++t));
    assert.equal(snap.keyGroups().length, 128);
  });
});
