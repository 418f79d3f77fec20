import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  HeapKeyedStateBackend,
  KeyGroupRange,
  ListStateDescriptor,
  MapStateDescriptor,
  ValueStateDescriptor,
  assignToKeyGroup,
  type ListState,
  type MapState,
  type ValueState,
} from '../../src/state/index.js';

function fill(b: HeapKeyedStateBackend, keys: number, base: number): void {
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

function read(b: HeapKeyedStateBackend, key: string): [number | undefined, readonly number[], number | undefined] {
  b.setCurrentKey(key);
  return [
    b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v')).value(),
    b.getOrCreateState<ListState<number>>(new ListStateDescriptor<number>('l')).get(),
    b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m')).get('x'),
  ];
}

describe('keyed state snapshots', () => {
  test('the cut is consistent while processing goes on: later writes, in place or not, do not leak in', () => {
    const b = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    fill(b, 1000, 0);
    const snap = b.snapshot(1);
    assert.equal(snap.done, false);
    // Processing continues: every key is touched (value replaced, list appended in place, map mutated).
    fill(b, 1000, 10_000);
    b.setCurrentKey('new-key');
    b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v')).update(-1);
    assert.ok(snap.encodeUntil(Infinity, () => 0));
    const restored = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    for (const [kg, bytes] of snap.keyGroups()) restored.restoreKeyGroup(kg, bytes, snap.kinds);
    assert.deepEqual(read(restored, 'key-7'), [7, [7], 7]);
    assert.deepEqual(read(restored, 'new-key'), [undefined, [], undefined]);
    assert.deepEqual(read(b, 'key-7'), [10_007, [7, 10_007], 10_007]);
  });

  test('key groups are encoded in the background under a time budget', () => {
    const b = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    fill(b, 5000, 0);
    const snap = b.snapshot(1);
    let t = 0;
    // A clock that advances 1 per call: each call to encodeUntil encodes about one key group.
    assert.equal(snap.encodeUntil(2, () => ++t), false);
    while (!snap.encodeUntil(t + 5, () => ++t));
    assert.equal(snap.keyGroups().length, 128);
  });

  test('restore redistributes by key group: 1 subtask → 3 subtasks', () => {
    const b = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    fill(b, 300, 0);
    const snap = b.snapshot(1);
    snap.encodeUntil(Infinity, () => 0);
    const parts = [0, 1, 2].map((i) => new HeapKeyedStateBackend(128, KeyGroupRange.forSubtask(128, 3, i)));
    for (const [kg, bytes] of snap.keyGroups()) {
      parts.find((p) => p.keyGroupRange.contains(kg))!.restoreKeyGroup(kg, bytes, snap.kinds);
    }
    for (let k = 0; k < 300; k++) {
      const key = `key-${k}`;
      const owner = parts.find((p) => p.keyGroupRange.contains(assignToKeyGroup(key, 128)))!;
      assert.deepEqual(read(owner, key), [k, [k], k]);
    }
    assert.throws(() => parts[0]!.restoreKeyGroup(127, new Uint8Array([0x80]), {}), /restored into a subtask owning/);
  });

  test('a restored state registered with another kind is refused with its name', () => {
    const b = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    fill(b, 10, 0);
    const snap = b.snapshot(1);
    snap.encodeUntil(Infinity, () => 0);
    const r = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    for (const [kg, bytes] of snap.keyGroups()) r.restoreKeyGroup(kg, bytes, snap.kinds);
    assert.throws(() => r.getOrCreateState(new ListStateDescriptor<number>('v')), /'v' was value state in the restored snapshot but is registered as list state/);
  });

  test('restored state nobody registers is kept in the next snapshot', () => {
    const b = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    fill(b, 10, 0);
    const s1 = b.snapshot(1);
    s1.encodeUntil(Infinity, () => 0);
    const r = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
    for (const [kg, bytes] of s1.keyGroups()) r.restoreKeyGroup(kg, bytes, s1.kinds);
    const s2 = r.snapshot(2);
    s2.encodeUntil(Infinity, () => 0);
    assert.deepEqual(Object.keys(s2.kinds).sort(), ['l', 'm', 'v']);
    assert.equal(s2.keyGroups().length, s1.keyGroups().length);
  });
});
