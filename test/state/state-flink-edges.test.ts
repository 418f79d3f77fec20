/*
 * State edges checked against Flink that held when reviewed, kept as regression tests: TTL's exact
 * boundary (expired at lastWrite + ttl, Flink's `ttl + ts <= now`) across backends and restores,
 * list TTL visibility, whole-state incremental cleanup, odd primitive keys kept apart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  KeyGroupRange,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  UpdateType,
  ValueStateDescriptor,
  assignToKeyGroup,
  type KeyedStateBackend,
  type ListState,
  type MapState,
  type PendingKeyedSnapshot,
  type ReducingState,
  type State,
  type ValueState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, type BackendType, createBackend, dumpTables, finish, restoreChain, snapshotInto } from './backends.js';

for (const type of BACKENDS) {
  describe(`held [${type}]`, () => {
    test('TTL value expires exactly at lastWrite + ttl, also after restore into either backend (TtlUtils.expired: ts + ttl <= now)', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const d = () => new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(100).build());
      const v = b.getOrCreateState<ValueState<number>>(d());
      b.setCurrentKey('k');
      v.update(1);
      clock.advance(99);
      for (const to of BACKENDS) {
        const r = snapshotInto(b, to, { clock });
        const s = r.getOrCreateState<ValueState<number>>(d());
        r.setCurrentKey('k');
        assert.equal(s.value(), 1);
      }
      clock.advance(1);
      for (const to of BACKENDS) {
        const r = snapshotInto(b, to, { clock });
        const s = r.getOrCreateState<ValueState<number>>(d());
        r.setCurrentKey('k');
        assert.equal(s.value(), undefined);
      }
    });

    test('TTL list, OnReadAndWrite + ReturnExpiredIfNotCleanedUp: expired elements returned once, live ones refreshed', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const l = b.getOrCreateState<ListState<number>>(
        new ListStateDescriptor<number>('l').enableTimeToLive(
          StateTtlConfig.newBuilder(100).setUpdateType(UpdateType.OnReadAndWrite).setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp).build(),
        ),
      );
      b.setCurrentKey('k');
      l.add(1);
      clock.advance(50);
      l.add(2);
      clock.advance(60);
      assert.deepEqual([...l.get()], [1, 2]);
      clock.advance(60);
      assert.deepEqual([...l.get()], [2]);
    });

    test('cleanupIncrementally(5, true) clears every expired key in one pass over the keys (testIncrementalCleanupWholeState)', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock, cacheEntries: 100_000 });
      const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(100).cleanupIncrementally(5, true).build()));
      for (let i = 0; i < 5000; i++) {
        b.setCurrentKey(i % 2 ? i : String(i));
        v.update(i);
      }
      clock.advance(120);
      for (let i = 0; i < 5000; i++) b.setCurrentKey(i % 2 ? i : String(i));
      assert.equal(b.stateTables().get('v')!.table.size, 0);
    });

    test('bigint, boolean, NaN, ±Infinity, non-int32 and "1"-vs-1 keys survive a snapshot into either backend', () => {
      const keys: unknown[] = [1n, 2n ** 70n, true, false, NaN, 1.5, 2 ** 31, -(2 ** 31), 2 ** 53, '1', 1, '', 'é', Infinity, -Infinity];
      const d = new ValueStateDescriptor<string>('v');
      const b = createBackend(type);
      const v = b.getOrCreateState<ValueState<string>>(d);
      keys.forEach((k, i) => {
        b.setCurrentKey(k);
        v.update(`v${i}`);
      });
      for (const to of BACKENDS) {
        const r = snapshotInto(b, to);
        const s = r.getOrCreateState<ValueState<string>>(d);
        keys.forEach((k, i) => {
          r.setCurrentKey(k);
          assert.equal(s.value(), `v${i}`, `${to}: key ${String(k)}`);
        });
      }
    });
  });
}

/*
 * Flink's StateBackendTestBase, case by case, on every backend: its inputs and expected results
 * (with Flink's null where a state is empty read as [] or undefined, as flink-ts's user-facing
 * states return, like Flink's UserFacingListState and UserFacingMapState).
 */
const entries = (b: KeyedStateBackend, name: string): number => b.stateTables().get(name)?.table.size ?? 0;

/** Restores `snap` (encoded now, if it is not yet) into a new backend of `type`. */
function restoreInto(type: BackendType, s: { snap: PendingKeyedSnapshot; blocks?: Array<[number, Uint8Array]> }, range?: KeyGroupRange): KeyedStateBackend {
  return restoreChain(createBackend(type, range ? { range } : {}), [{ blocks: s.blocks ?? finish(s.snap), snap: s.snap }]);
}

const appending = (name: string) => new ReducingStateDescriptor<string>(name, (a, b) => `${a},${b}`);
const mutableSum = (name: string) =>
  new AggregatingStateDescriptor<number, { value: number }, number>(name, {
    createAccumulator: () => ({ value: 0 }),
    add: (v, acc) => {
      acc.value += v;
      return acc;
    },
    getResult: (acc) => acc.value,
    merge: (a, b) => {
      a.value += b.value;
      return a;
    },
  });
const immutableSum = (name: string) =>
  new AggregatingStateDescriptor<number, number, number>(name, { createAccumulator: () => 0, add: (v, acc) => acc + v, getResult: (acc) => acc, merge: (a, b) => a + b });

/** The three appending kinds of testValueState/testListState/testReducingState: write a string, read the state as one. */
const SNAPSHOT_KINDS = {
  value: { d: () => new ValueStateDescriptor<string>('id'), write: (s: State, v: string) => (s as ValueState<string>).update(v), read: (s: State) => (s as ValueState<string>).value() },
  list: { d: () => new ListStateDescriptor<string>('id'), write: (s: State, v: string) => (s as ListState<string>).add(v), read: (s: State) => (s as ListState<string>).get().join(',') || undefined },
  reducing: { d: () => appending('id'), write: (s: State, v: string) => (s as ReducingState<string>).add(v), read: (s: State) => (s as ReducingState<string>).get() },
};

for (const type of BACKENDS) {
  describe(`Flink's StateBackendTestBase [${type}]`, () => {
    for (const [kind, k] of Object.entries(SNAPSHOT_KINDS)) {
      test(`test${kind[0]!.toUpperCase()}${kind.slice(1)}State: two snapshots, the first encoded while processing goes on; each restores what its cut saw`, () => {
        const b = createBackend(type);
        const s = b.getOrCreateState<State>(k.d());
        const at = (key: number) => (b.setCurrentKey(key), s);
        assert.equal(k.read(at(1)), undefined);
        k.write(at(1), '1');
        assert.equal(k.read(at(2)), undefined);
        k.write(at(2), '2');
        assert.equal(k.read(at(1)), '1');
        const snap1 = b.snapshot(1);
        k.write(at(1), 'u1');
        k.write(at(2), 'u2');
        k.write(at(3), 'u3');
        const snap2 = b.snapshot(2);
        const appended = kind !== 'value';
        assert.deepEqual([1, 2, 3].map((key) => k.read(at(key))), appended ? ['1,u1', '2,u2', 'u3'] : ['u1', 'u2', 'u3']);
        assert.equal(entries(b, 'id'), 3);
        for (const [snap, want] of [
          [snap1, ['1', '2', undefined]],
          [snap2, appended ? ['1,u1', '2,u2', 'u3'] : ['u1', 'u2', 'u3']],
        ] as const) {
          const r = restoreInto(type, { snap });
          const rs = r.getOrCreateState<State>(k.d());
          assert.deepEqual([1, 2, 3].map((key) => (r.setCurrentKey(key), k.read(rs))), want);
        }
      });
    }

    for (const ttl of [false, true]) {
      test(`testListStateAddNull, AddAllNull(Entries), UpdateNull(Entries)${ttl ? ', with TTL' : ''}: refused, nothing changed`, () => {
        const b = createBackend(type);
        const d = new ListStateDescriptor<number | null>('my-state');
        if (ttl) d.enableTimeToLive(StateTtlConfig.newBuilder(Time.hours(1)).build());
        const s = b.getOrCreateState<ListState<number | null | undefined>>(d);
        b.setCurrentKey('abc');
        const refusals: Array<[string, () => void, RegExp]> = [
          ['add(null)', () => s.add(null), /ListState 'my-state' cannot hold null/],
          ['add(undefined)', () => s.add(undefined), /cannot hold undefined/],
          ['addAll([3, null, 5])', () => s.addAll([3, null, 5]), /cannot hold null/],
          ['addAll(null)', () => s.addAll(null as never), /take an iterable of elements, got null/],
          ['update([3, null, 5])', () => s.update([3, null, 5]), /cannot hold null/],
          ['update(null)', () => s.update(null as never), /take an iterable of elements, got null/],
        ];
        for (const before of [[], [1]]) {
          s.update(before);
          for (const [what, f, message] of refusals) {
            assert.throws(f, (e: Error) => e instanceof TypeError && message.test(e.message), what);
            assert.deepEqual(s.get(), before, `${what} changed nothing`);
          }
        }
      });
    }

    test('testListStateAPIs: update([]) and addAll([]) keep an empty list empty; clearing every key leaves no entry', () => {
      const b = createBackend(type);
      const s = b.getOrCreateState<ListState<number>>(new ListStateDescriptor<number>('my-state'));
      b.setCurrentKey('def');
      assert.deepEqual(s.get(), []);
      s.add(17);
      s.add(11);
      assert.deepEqual(s.get(), [17, 11]);
      s.update([]);
      assert.deepEqual(s.get(), []);
      assert.equal(entries(b, 'my-state'), 0, 'update([]) stores nothing');
      s.update([10, 16]);
      assert.deepEqual(s.get(), [10, 16]);
      b.setCurrentKey('abc');
      assert.deepEqual(s.get(), []);
      b.setCurrentKey('g');
      s.addAll([]);
      assert.deepEqual(s.get(), []);
      assert.equal(entries(b, 'my-state'), 1, 'addAll([]) on an empty list stores nothing');
      s.addAll([3, 4]);
      s.addAll([]);
      s.addAll([5, 6]);
      s.addAll([]);
      assert.deepEqual(s.get(), [3, 4, 5, 6]);
      s.update([1, 2]);
      assert.deepEqual(s.get(), [1, 2]);
      b.setCurrentKey('def');
      assert.deepEqual(s.get(), [10, 16]);
      s.clear();
      assert.deepEqual(s.get(), []);
      b.setCurrentKey('g');
      for (const v of [3, 2, 1]) s.add(v);
      b.setCurrentKey('def');
      assert.deepEqual(s.get(), []);
      b.setCurrentKey('g');
      assert.deepEqual(s.get(), [1, 2, 3, 2, 1]);
      s.update([5, 6]);
      assert.deepEqual(s.get(), [5, 6]);
      s.clear();
      assert.equal(entries(b, 'my-state'), 0);
    });

    const adding = {
      reducing: () => new ReducingStateDescriptor<number>('my-state', (a, b) => a + b),
      'aggregating (mutable accumulator)': () => mutableSum('my-state'),
      'aggregating (immutable accumulator)': () => immutableSum('my-state'),
    };
    for (const [kind, d] of Object.entries(adding)) {
      test(`testReducingStateAddAndGet / testAggregatingStateAddAndGet: ${kind}`, () => {
        const b = createBackend(type);
        const s = b.getOrCreateState<ReducingState<number>>(d());
        const at = (key: string) => (b.setCurrentKey(key), s);
        assert.equal(at('abc').get(), undefined);
        at('def').add(17);
        s.add(11);
        assert.equal(s.get(), 28);
        assert.equal(at('abc').get(), undefined);
        at('g').add(1);
        s.add(2);
        assert.equal(at('def').get(), 28);
        s.clear();
        assert.equal(s.get(), undefined);
        for (const v of [3, 2, 1]) at('g').add(v);
        assert.equal(at('def').get(), undefined);
        assert.equal(at('g').get(), 9);
        s.clear();
        assert.equal(entries(b, 'my-state'), 0);
      });
    }

    const merging = {
      list: { d: () => new ListStateDescriptor<number>('my-state'), result: (s: State) => [...(s as ListState<number>).get()].sort((x, y) => x - y), want: [11, 22, 33, 44, 55], empty: [] },
      ...Object.fromEntries(Object.entries(adding).map(([kind, d]) => [kind, { d, result: (s: State) => (s as ReducingState<number>).get(), want: 165, empty: undefined }])),
    };
    for (const [kind, m] of Object.entries(merging)) {
      test(`testListStateMerging / testReducingStateMerging / testAggregatingStateMerging: ${kind}`, () => {
        const b = createBackend(type);
        const ns = b.getOrCreateNamespacedState<ListState<number>>(m.d());
        const add = (key: string, namespace: number, values: number[]) => {
          b.setCurrentKey(key);
          ns.setCurrentNamespace(namespace);
          for (const v of values) ns.state.add(v);
        };
        // abc: spread over three namespaces; def: over two (one empty); ghi: empty;
        // jkl: all in the target already; mno: all in one source.
        add('abc', 1, [33, 55]);
        add('abc', 2, [22, 11]);
        add('abc', 3, [44]);
        add('def', 1, [11, 44]);
        add('def', 3, [22, 55, 33]);
        add('jkl', 1, [11, 22, 33, 44, 55]);
        add('mno', 3, [11, 22, 33, 44, 55]);
        for (const key of ['abc', 'def', 'ghi', 'jkl', 'mno']) {
          b.setCurrentKey(key);
          ns.mergeNamespaces(1, [2, 3]);
          ns.setCurrentNamespace(1);
          assert.deepEqual(m.result(ns.state), key === 'ghi' ? m.empty : m.want, key);
        }
        assert.equal(entries(b, 'my-state'), 4, 'merging nothing stores nothing for ghi');
        for (const key of ['abc', 'def', 'ghi', 'jkl', 'mno']) {
          b.setCurrentKey(key);
          ns.setCurrentNamespace(1);
          ns.state.clear();
        }
        assert.equal(entries(b, 'my-state'), 0);
      });
    }

    test('testMapState: put, putAll, remove, clear, changes while iterating, and two snapshots that each restore their cut', () => {
      const b = createBackend(type);
      const d = () => new MapStateDescriptor<number, string>('id');
      const s = b.getOrCreateState<MapState<number, string>>(d());
      const at = (key: string) => (b.setCurrentKey(key), s);
      assert.equal(at('1').get(1), undefined);
      s.put(1, '1');
      assert.equal(at('2').get(2), undefined);
      s.put(2, '2');
      at('11').put(11, '11');
      assert.equal(at('1').contains(1), true);
      assert.equal(s.get(1), '1');
      assert.deepEqual([...at('11').entries()], [[11, '11']]);
      const snap1 = b.snapshot(1);
      at('1').put(1, '101');
      at('2').put(102, '102');
      at('3').put(103, '103');
      s.putAll([[1031, '1031'], [1032, '1032']]);
      const snap2 = b.snapshot(2);
      assert.deepEqual([...at('1').entries()], [[1, '101']]);
      assert.deepEqual([...at('2').entries()], [[2, '2'], [102, '102']]);
      assert.equal(at('3').contains(103), true);
      assert.deepEqual([...s.keys()], [103, 1031, 1032]);
      assert.deepEqual([...s.values()], ['103', '1031', '1032']);
      at('1').clear();
      at('2').remove(102);
      for (const [k, v] of at('3').entries()) {
        if (v.length !== 4) s.remove(k);
        else s.put(k, `${v}_updated`);
      }
      assert.equal(at('2').contains(102), false);
      assert.deepEqual([...at('3').entries()], [[1031, '1031_updated'], [1032, '1032_updated']]);
      assert.deepEqual([...at('1').entries()], []);
      for (const [snap, want] of [
        [snap1, { 1: [[1, '1']], 2: [[2, '2']], 3: [], 11: [[11, '11']] }],
        [snap2, { 1: [[1, '101']], 2: [[2, '2'], [102, '102']], 3: [[103, '103'], [1031, '1031'], [1032, '1032']], 11: [[11, '11']] }],
      ] as const) {
        const r = restoreInto(type, { snap });
        const rs = r.getOrCreateState<MapState<number, string>>(d());
        for (const [key, e] of Object.entries(want)) {
          r.setCurrentKey(key);
          assert.deepEqual([...rs.entries()], e, `key ${key}`);
        }
      }
    });

    test('testMapStateIsEmpty, testMapStateIteratorArbitraryAccess and testMapStateDefaultValue', () => {
      const b = createBackend(type);
      const s = b.getOrCreateState<MapState<number, number>>(new MapStateDescriptor<number, number>('id'));
      b.setCurrentKey(1);
      assert.equal(s.isEmpty(), true);
      for (let i = 0; i < 1024; i++) {
        s.put(i, i * 2);
        assert.equal(s.isEmpty(), false);
      }
      for (let i = 0; i < 1024; i++) {
        assert.equal(s.isEmpty(), false);
        s.remove(i);
      }
      assert.equal(s.isEmpty(), true);
      assert.equal(entries(b, 'id'), 0);
      // Entries removed while iterating (every third once, twice, or not at all) do not disturb the iteration.
      for (let i = 0; i < 4096; i++) s.put(i, i * 2);
      let seen = 0;
      for (const [k] of s.entries()) {
        assert.equal(k, seen);
        if (k % 3 !== 2) s.remove(k);
        if (k % 3 === 0) s.remove(k);
        seen++;
      }
      assert.equal(seen, 4096);
      assert.deepEqual([...s.keys()], Array.from({ length: 1365 }, (_, i) => 3 * i + 2));
      s.clear();
      assert.deepEqual([[...s.entries()], [...s.keys()], [...s.values()], s.isEmpty()], [[], [], [], true]);
    });

    for (const ttl of [false, true]) {
      test(`testCopyDefaultValue, testValueStateDefaultValue${ttl ? ', with TTL' : ''}: each read gets its own copy of the default; changing it changes no other key`, () => {
        const b = createBackend(type);
        const d = new ValueStateDescriptor<{ value: number }>('id', { value: -1 });
        if (ttl) d.enableTimeToLive(StateTtlConfig.newBuilder(Time.hours(1)).build());
        const s = b.getOrCreateState<ValueState<{ value: number }>>(d);
        b.setCurrentKey(1);
        const default1 = s.value()!;
        b.setCurrentKey(2);
        const default2 = s.value()!;
        assert.deepEqual(default1, default2);
        assert.notEqual(default1, default2);
        default2.value++;
        s.update(default2);
        for (const key of [1, 3]) {
          b.setCurrentKey(key);
          assert.deepEqual(s.value(), { value: -1 }, `key ${key}`);
        }
        b.setCurrentKey(2);
        assert.deepEqual(s.value(), { value: 0 });
        s.clear();
        assert.deepEqual(s.value(), { value: -1 });
      });
    }

    test('a default value that cannot be copied is refused when the state is created, naming it', () => {
      const b = createBackend(type);
      assert.throws(() => b.getOrCreateState(new ValueStateDescriptor('withFn', { f: () => 1 })), /The default value of ValueState 'withFn' cannot be copied/);
      class Point {
        constructor(readonly x: number) {}
        norm(): number {
          return Math.abs(this.x);
        }
      }
      const p = b.getOrCreateState<ValueState<Point>>(new ValueStateDescriptor('point', new Point(-2)));
      b.setCurrentKey('k');
      assert.equal(p.value()!.norm(), 2, 'a class instance keeps its class');
    });

    for (const [from, to] of [[4, 2], [2, 4], [15, 77], [77, 15]] as const) {
      test(`testKeyGroupSnapshotRestore ${from} → ${to} subtasks (max parallelism 128), each source with states of its own key groups only`, () => {
        const keyIn = (kg: number) => {
          for (let k = 0; ; k++) if (assignToKeyGroup(k, 128) === kg) return k;
        };
        const snaps = [];
        const expected = new Map<number, string>();
        for (let i = 0; i < from; i++) {
          const range = new KeyGroupRange(Math.floor((128 * i) / from), Math.floor((128 * (i + 1)) / from) - 1);
          const b = createBackend(type, { range });
          for (let kg = range.start; kg <= range.end; kg++) {
            const s = b.getOrCreateState<ValueState<string>>(new ValueStateDescriptor<string>(`state${kg}`));
            b.setCurrentKey(keyIn(kg));
            s.update(`${i}:${kg}`);
            expected.set(kg, `${i}:${kg}`);
          }
          const snap = b.snapshot(1);
          snaps.push({ snap, blocks: finish(snap) });
          b.dispose();
        }
        for (let j = 0; j < to; j++) {
          const range = KeyGroupRange.forSubtask(128, to, j);
          const r = restoreChain(createBackend(type, { range }), snaps);
          for (let kg = range.start; kg <= range.end; kg++) {
            const s = r.getOrCreateState<ValueState<string>>(new ValueStateDescriptor<string>(`state${kg}`));
            r.setCurrentKey(keyIn(kg));
            assert.equal(s.value(), expected.get(kg));
          }
          r.dispose();
        }
      });
    }

    test('testSnapshotNonAccessedState and testEmptyStateCheckpointing: restored state nobody registered is in the next snapshot; an empty backend snapshots to nothing', () => {
      const b = createBackend(type);
      const d = () => new MapStateDescriptor<number, string>('test-name');
      const m = b.getOrCreateState<MapState<number, string>>(d());
      for (const [key, k, v] of [['1', 11, 'foo'], ['2', 8, 'bar'], ['3', 91, 'hello world']] as const) {
        b.setCurrentKey(key);
        m.put(k, v);
      }
      const untouched = snapshotInto(b, type);
      const r = snapshotInto(untouched, type);
      const rm = r.getOrCreateState<MapState<number, string>>(d());
      for (const [key, k, v] of [['1', 11, 'foo'], ['2', 8, 'bar'], ['3', 91, 'hello world']] as const) {
        r.setCurrentKey(key);
        assert.equal(rm.get(k), v);
      }
      const empty = createBackend(type);
      empty.getOrCreateState(new ListStateDescriptor<string>('id'));
      const snap = empty.snapshot(1);
      assert.deepEqual(finish(snap), []);
      assert.deepEqual(dumpTables(restoreInto(type, { snap, blocks: [] })), {});
    });

    test('testConcurrentModificationWithApplyToAllKeys: the function may read, add, clear and add again for each key', () => {
      const b = createBackend(type);
      const d = new ListStateDescriptor<string>('foo');
      const l = b.getOrCreateState<ListState<string>>(d);
      for (let i = 0; i < 100; i++) {
        b.setCurrentKey(i);
        l.add(`Hello${i}`);
      }
      let visited = 0;
      b.applyToAllKeys(d, (key, s) => {
        assert.deepEqual((s as ListState<string>).get(), [`Hello${key}`]);
        visited++;
      });
      b.applyToAllKeys(d, (key, s) => {
        const list = s as ListState<string>;
        list.add(`Hello${key}`);
        list.clear();
        list.add(`Hello_${key}`);
      });
      b.applyToAllKeys(d, (key, s) => assert.deepEqual((s as ListState<string>).get(), [`Hello_${key}`]));
      b.applyToAllKeys(d, (_key, s) => s.clear());
      b.applyToAllKeys(d, () => assert.fail('no key has a value after clearing'));
      assert.equal(visited, 100);
      assert.equal(entries(b, 'foo'), 0);
    });
  });
}
