import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  HeapKeyedStateBackend,
  KeyGroupRange,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type AggregatingState,
  type ListState,
  type MapState,
  type ReducingState,
  type ValueState,
} from '../../src/state/index.js';

function backend(): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127));
}

describe('heap keyed state backend', () => {
  test('ValueState is scoped to the current key and has a default', () => {
    const b = backend();
    const s = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('n', 7));
    b.setCurrentKey('a');
    assert.equal(s.value(), 7);
    s.update(1);
    b.setCurrentKey('b');
    assert.equal(s.value(), 7);
    s.update(2);
    b.setCurrentKey('a');
    assert.equal(s.value(), 1);
    s.clear();
    assert.equal(s.value(), 7);
    b.setCurrentKey('b');
    assert.equal(s.value(), 2);
  });

  test('ListState adds, replaces and clears per key', () => {
    const b = backend();
    const s = b.getOrCreateState<ListState<string>>(new ListStateDescriptor<string>('l'));
    b.setCurrentKey(1);
    assert.deepEqual(s.get(), []);
    s.add('x');
    s.addAll(['y', 'z']);
    assert.deepEqual(s.get(), ['x', 'y', 'z']);
    b.setCurrentKey(2);
    assert.deepEqual(s.get(), []);
    s.update(['q']);
    b.setCurrentKey(1);
    s.update([]);
    assert.deepEqual(s.get(), []);
    b.setCurrentKey(2);
    assert.deepEqual(s.get(), ['q']);
  });

  test('MapState supports the full map API per key', () => {
    const b = backend();
    const s = b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
    b.setCurrentKey('k1');
    assert.equal(s.isEmpty(), true);
    s.put('a', 1);
    s.putAll([['b', 2], ['c', 3]]);
    assert.equal(s.get('b'), 2);
    assert.equal(s.contains('c'), true);
    s.remove('c');
    assert.equal(s.contains('c'), false);
    assert.deepEqual([...s.keys()], ['a', 'b']);
    assert.deepEqual([...s.values()], [1, 2]);
    assert.deepEqual([...s.entries()], [['a', 1], ['b', 2]]);
    b.setCurrentKey('k2');
    assert.equal(s.isEmpty(), true);
    assert.equal(s.get('a'), undefined);
    b.setCurrentKey('k1');
    s.clear();
    assert.equal(s.isEmpty(), true);
  });

  test('ReducingState and AggregatingState fold per key', () => {
    const b = backend();
    const r = b.getOrCreateState<ReducingState<number>>(new ReducingStateDescriptor<number>('sum', (x, y) => x + y));
    const avg = b.getOrCreateState<AggregatingState<number, number>>(
      new AggregatingStateDescriptor<number, { s: number; n: number }, number>('avg', {
        createAccumulator: () => ({ s: 0, n: 0 }),
        add: (v, acc) => ({ s: acc.s + v, n: acc.n + 1 }),
        getResult: (acc) => acc.s / acc.n,
      }),
    );
    b.setCurrentKey('a');
    assert.equal(r.get(), undefined);
    assert.equal(avg.get(), undefined);
    for (const v of [1, 2, 3]) {
      r.add(v);
      avg.add(v);
    }
    b.setCurrentKey('b');
    r.add(10);
    avg.add(10);
    b.setCurrentKey('a');
    assert.equal(r.get(), 6);
    assert.equal(avg.get(), 2);
    b.setCurrentKey('b');
    assert.equal(r.get(), 10);
    assert.equal(avg.get(), 10);
  });

  test('composite keys are equal by value', () => {
    const b = backend();
    const s = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('n'));
    b.setCurrentKey(['user', 1]);
    s.update(5);
    b.setCurrentKey(['user', 1]);
    assert.equal(s.value(), 5);
    b.setCurrentKey(['user', 2]);
    assert.equal(s.value(), undefined);
  });

  test('a state name is bound to one kind', () => {
    const b = backend();
    b.getOrCreateState(new ValueStateDescriptor<number>('x'));
    assert.throws(() => b.getOrCreateState(new ListStateDescriptor<number>('x')), /already registered as value state/);
  });

  test('holds more keys than one JS Map can (2^24) by splitting per key group', { timeout: 120_000 }, () => {
    // 20M keys would need ~2 GB here; instead check that no key group's map comes near the
    // limit for 2M keys and that the split is by key group.
    const b = backend();
    const s = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('n'));
    const n = 2_000_000;
    for (let i = 0; i < n; i++) {
      b.setCurrentKey(i);
      s.update(i);
    }
    const table = b.stateTables().get('n')!.table;
    assert.equal(table.size, n);
    let largest = 0;
    for (let kg = 0; kg < 128; kg++) largest = Math.max(largest, table.keyGroup(kg).size);
    assert.ok(largest < (n / 128) * 1.2, `largest key group holds ${largest}`);
    b.setCurrentKey(1_234_567);
    assert.equal(s.value(), 1_234_567);
  });

  test('access outside a keyed context is refused', () => {
    const b = backend();
    const s = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('n'));
    assert.throws(() => s.update(1), /No key is set/);
  });
});
