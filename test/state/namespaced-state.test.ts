/*
 * Namespaced keyed state (window state) on every backend: values per key and namespace, merging
 * namespaces, and snapshots, restore, rescaling and incremental checkpoints like any state.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AggregatingState,
  AggregatingStateDescriptor,
  AvroSerializer,
  KeyGroupRange,
  type KeyedStateBackend,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type NamespacedState,
  type ReducingState,
  ReducingStateDescriptor,
  StateTtlConfig,
  type ValueState,
  ValueStateDescriptor,
  assignToKeyGroup,
  decodeKeyGroupBlock,
  encodeFullBlock,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, createBackend, dumpTables, finish, restoreChain, snapshotInto, toBlock } from './backends.js';

const sum = () => new ReducingStateDescriptor<number>('sum', (a, b) => a + b);
const list = () => new ListStateDescriptor<string>('list');
const avg = (withMerge = true) =>
  new AggregatingStateDescriptor<number, [number, number], number>('avg', {
    createAccumulator: () => [0, 0],
    add: (v, [s, n]) => [s + v, n + 1],
    getResult: ([s, n]) => s / n,
    ...(withMerge ? { merge: ([s1, n1]: [number, number], [s2, n2]: [number, number]): [number, number] => [s1 + s2, n1 + n2] } : {}),
  });

function at<S extends ValueState<unknown> | ListState<unknown> | ReducingState<unknown> | AggregatingState<unknown, unknown> | MapState<unknown, unknown>>(
  b: KeyedStateBackend,
  s: NamespacedState<S>,
  key: unknown,
  ns: number | string,
): S {
  b.setCurrentKey(key);
  s.setCurrentNamespace(ns);
  return s.state;
}

/** Sums per (key, window) for keys 0..keys-1 and windows 0, 1000, 2000. */
function fill(b: KeyedStateBackend, keys: number): void {
  const s = b.getOrCreateNamespacedState<ReducingState<number>>(sum());
  const l = b.getOrCreateNamespacedState<ListState<string>>(list());
  for (let k = 0; k < keys; k++) {
    for (const w of [0, 1000, 2000]) {
      at(b, s, k, w).add(k);
      s.state.add(w);
      l.setCurrentNamespace(`${w}:${w + 1000}`);
      l.state.add(`k${k}@${w}`);
    }
  }
}

function check(b: KeyedStateBackend, keys: Iterable<number>): void {
  const s = b.getOrCreateNamespacedState<ReducingState<number>>(sum());
  const l = b.getOrCreateNamespacedState<ListState<string>>(list());
  for (const k of keys) {
    for (const w of [0, 1000, 2000]) {
      assert.equal(at(b, s, k, w).get(), k + w, `sum of key ${k} window ${w}`);
      l.setCurrentNamespace(`${w}:${w + 1000}`);
      assert.deepEqual(l.state.get(), [`k${k}@${w}`]);
    }
  }
}

for (const type of BACKENDS) {
  describe(`namespaced keyed state [${type}]`, () => {
    test('each state kind holds one value per key and namespace', () => {
      const b = createBackend(type);
      const v = b.getOrCreateNamespacedState<ValueState<number>>(new ValueStateDescriptor<number>('v', -1));
      const m = b.getOrCreateNamespacedState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
      const a = b.getOrCreateNamespacedState<AggregatingState<number, number>>(avg());
      at(b, v, 'a', 1).update(10);
      at(b, v, 'a', 2).update(20);
      at(b, v, 'b', 1).update(30);
      at(b, m, 'a', 'x').put('p', 1);
      at(b, a, 'a', 7).add(2);
      a.state.add(4);
      assert.equal(at(b, v, 'a', 1).value(), 10);
      assert.equal(at(b, v, 'a', 2).value(), 20);
      assert.equal(at(b, v, 'b', 1).value(), 30);
      assert.equal(at(b, v, 'b', 2).value(), -1, 'the default where the namespace has none');
      assert.equal(at(b, m, 'a', 'x').get('p'), 1);
      assert.equal(at(b, m, 'a', 'y').get('p'), undefined);
      assert.equal(at(b, a, 'a', 7).get(), 3);
      assert.equal(at(b, a, 'a', 8).get(), undefined);
    });

    test('clearing one namespace keeps the others; a key without namespaces is gone from the table', () => {
      const b = createBackend(type);
      const s = b.getOrCreateNamespacedState<ReducingState<number>>(sum());
      at(b, s, 'k', 0).add(1);
      at(b, s, 'k', 1).add(2);
      at(b, s, 'k', 0).clear();
      assert.equal(at(b, s, 'k', 0).get(), undefined);
      assert.equal(at(b, s, 'k', 1).get(), 2);
      assert.equal(dumpTables(b)['sum']!.length, 1);
      at(b, s, 'k', 1).clear();
      assert.deepEqual(dumpTables(b)['sum'], [], 'the key is deleted with its last namespace');
    });

    test('mergeNamespaces: sources merge in order, then into the target after its own value; sources are removed', () => {
      const b = createBackend(type);
      const l = b.getOrCreateNamespacedState<ListState<string>>(list());
      at(b, l, 'k', 't').addAll(['t1', 't2']);
      at(b, l, 'k', 's1').add('a');
      at(b, l, 'k', 's2').addAll(['b', 'c']);
      at(b, l, 'other', 's1').add('stays');
      b.setCurrentKey('k');
      l.setCurrentNamespace('s2');
      l.mergeNamespaces('t', ['s1', 'missing', 's2']);
      assert.equal(l.getCurrentNamespace(), 's2', 'the current namespace is unchanged');
      assert.deepEqual(at(b, l, 'k', 't').get(), ['t1', 't2', 'a', 'b', 'c']);
      assert.deepEqual(at(b, l, 'k', 's1').get(), []);
      assert.deepEqual(at(b, l, 'k', 's2').get(), []);
      assert.deepEqual(at(b, l, 'other', 's1').get(), ['stays'], 'other keys are untouched');

      const s = b.getOrCreateNamespacedState<ReducingState<number>>(sum());
      at(b, s, 'k', 1).add(5);
      at(b, s, 'k', 2).add(7);
      s.mergeNamespaces(3, [1, 2]);
      assert.equal(at(b, s, 'k', 3).get(), 12, 'an empty target takes the merged sources');
      const a = b.getOrCreateNamespacedState<AggregatingState<number, number>>(avg());
      at(b, a, 'k', 1).add(1);
      at(b, a, 'k', 2).add(3);
      at(b, a, 'k', 2).add(5);
      a.mergeNamespaces(1, [2]);
      assert.equal(at(b, a, 'k', 1).get(), 3);
      assert.equal(at(b, a, 'k', 2).get(), undefined);
    });

    test('mergeNamespaces is refused, naming the state and why, where values cannot merge', () => {
      const b = createBackend(type);
      b.setCurrentKey('k');
      const a = b.getOrCreateNamespacedState<AggregatingState<number, number>>(avg(false));
      assert.throws(() => a.mergeNamespaces(1, [2]), /State 'avg' cannot merge across windows: its AggregateFunction has no merge\(a, b\)/);
      const v = b.getOrCreateNamespacedState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
      assert.throws(() => v.mergeNamespaces(1, [2]), /only list, reducing and aggregating states merge, not value state/);
    });

    test('a name is either per-window or per-key state', () => {
      const b = createBackend(type);
      b.getOrCreateNamespacedState(sum());
      assert.throws(() => b.getOrCreateState(sum()), /already registered as per-window state and cannot be used as state of the key/);
      b.getOrCreateState(list());
      assert.throws(() => b.getOrCreateNamespacedState(list()), /already registered as state of the key and cannot be used as per-window state/);
    });

    for (const to of BACKENDS) {
      test(`a snapshot restores into ${to}, marked per-window in its metadata`, () => {
        const b = createBackend(type);
        fill(b, 40);
        const snap = b.snapshot(1, { full: true });
        assert.equal(snap.kinds['sum']!.namespaced, true);
        assert.equal(snap.kinds['list']!.namespaced, true);
        const restored = restoreChain(createBackend(to), [{ blocks: finish(snap), snap }]);
        check(restored, Array.from({ length: 40 }, (_, k) => k));
      });
    }

    test('rescaling: each subtask restores the key groups it owns, with all their windows', () => {
      const b = createBackend(type);
      fill(b, 60);
      const snap = b.snapshot(1, { full: true });
      const blocks = finish(snap);
      for (const range of [new KeyGroupRange(0, 41), new KeyGroupRange(42, 85), new KeyGroupRange(86, 127)]) {
        const part = restoreChain(createBackend(type, { range }), [{ blocks, snap }]);
        const mine = Array.from({ length: 60 }, (_, k) => k).filter((k) => range.contains(assignToKeyGroup(k, 128)));
        assert.ok(mine.length > 0);
        check(part, mine);
        assert.equal(dumpTables(part)['sum']!.length, mine.length);
      }
    });

    test('incremental checkpoints ship only the keys whose windows changed', () => {
      const b = createBackend(type, { incremental: true });
      fill(b, 30);
      const base = b.snapshot(1);
      const baseBlocks = finish(base);
      base.written({ file: 'f1', size: 0, checksum: '' });
      b.notifyCheckpointComplete(1);
      const s = b.getOrCreateNamespacedState<ReducingState<number>>(sum());
      at(b, s, 3, 1000).add(100);
      at(b, s, 4, 0).clear();
      const delta = b.snapshot(2);
      assert.equal(delta.isDelta, true);
      const deltaBlocks = finish(delta);
      const shipped = deltaBlocks.flatMap(([kg, bytes]) => Object.values(decodeKeyGroupBlock(toBlock(kg, bytes, true)).puts).flat());
      assert.deepEqual(shipped.map(([k]) => k).sort(), [3, 4], 'one entry per changed key, all its windows in it');
      const restored = restoreChain(createBackend(type), [
        { blocks: baseBlocks, snap: base },
        { blocks: deltaBlocks, snap: delta },
      ]);
      const r = restored.getOrCreateNamespacedState<ReducingState<number>>(sum());
      assert.equal(at(restored, r, 3, 1000).get(), 3 + 1000 + 100);
      assert.equal(at(restored, r, 4, 0).get(), undefined);
      assert.equal(at(restored, r, 4, 1000).get(), 4 + 1000);
    });

    test('a snapshot holds the values at its cut, also when the next write follows a read of the same key at once', () => {
      const b = createBackend(type);
      const s = b.getOrCreateNamespacedState<ReducingState<number>>(sum());
      at(b, s, 'k', 0).add(1);
      assert.equal(s.state.get(), 1);
      const snap = b.snapshot(1);
      s.state.add(10); // same key, no setCurrentKey in between
      const restored = restoreChain(createBackend(type), [{ blocks: finish(snap), snap }]);
      const r = restored.getOrCreateNamespacedState<ReducingState<number>>(sum());
      assert.equal(at(restored, r, 'k', 0).get(), 1);
      assert.equal(at(b, s, 'k', 0).get(), 11);
    });

    test('restoring per-window state as per-key state is refused', () => {
      const b = createBackend(type);
      fill(b, 3);
      const restored = snapshotInto(b, type);
      assert.throws(() => restored.getOrCreateState(sum()), /'sum' was per-window state in the restored snapshot but is registered as per-key state/);
    });

    test('a damaged snapshot whose per-window value is not a map of windows is refused', () => {
      const b = createBackend(type);
      fill(b, 1);
      const snap = b.snapshot(1, { full: true });
      const kg = assignToKeyGroup(0, 128);
      const bad = encodeFullBlock({ sum: [[0, 42]] });
      assert.throws(() => createBackend(type).restoreKeyGroup(toBlock(kg, bad), snap.kinds), /per-window state 'sum' that is not a map of windows; the snapshot is damaged/);
    });

    test('TTL applies per namespace, and expired windows are dropped from full snapshots', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const ttl = StateTtlConfig.newBuilder(Time.milliseconds(100)).cleanupFullSnapshot().build();
      const d = () => new ValueStateDescriptor<string>('seen').enableTimeToLive(ttl);
      const v = b.getOrCreateNamespacedState<ValueState<string>>(d());
      at(b, v, 'k', 1).update('old');
      clock.advance(60);
      at(b, v, 'k', 2).update('new');
      clock.advance(60);
      const restored = snapshotInto(b, type, { clock });
      const r = restored.getOrCreateNamespacedState<ValueState<string>>(d());
      assert.equal(at(restored, r, 'k', 1).value(), undefined);
      assert.equal(at(restored, r, 'k', 2).value(), 'new');
      assert.equal(at(b, v, 'k', 1).value(), undefined, 'expired on read');
    });

    test('a serializer of the state writes every namespace of a key', () => {
      const schema = { type: 'record', name: 'Hit', fields: [{ name: 'page', type: 'string' }] };
      const d = () => new ListStateDescriptor<{ page: string }>('hits').setSerializer(AvroSerializer.of(schema));
      const b = createBackend(type);
      const l = b.getOrCreateNamespacedState<ListState<{ page: string }>>(d());
      at(b, l, 'u', 1).add({ page: 'a' });
      at(b, l, 'u', 2).addAll([{ page: 'b' }, { page: 'c' }]);
      const restored = snapshotInto(b, type === 'hashmap' ? 'lmdb' : 'hashmap');
      const r = restored.getOrCreateNamespacedState<ListState<{ page: string }>>(d());
      assert.deepEqual(at(restored, r, 'u', 1).get(), [{ page: 'a' }]);
      assert.deepEqual(at(restored, r, 'u', 2).get(), [{ page: 'b' }, { page: 'c' }]);
    });
  });
}
