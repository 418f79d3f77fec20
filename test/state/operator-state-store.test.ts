import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultOperatorStateStore, ListStateDescriptor, MapStateDescriptor } from '../../src/state/index.js';

test('operator list state: split and union lists, restored values, snapshot copies', () => {
  const fresh = new DefaultOperatorStateStore();
  assert.equal(fresh.isRestored, false);
  const offsets = fresh.getListState(new ListStateDescriptor<number>('offsets'));
  offsets.add(1);
  offsets.addAll([2, 3]);
  const union = fresh.getUnionListState(new ListStateDescriptor<string>('u'));
  union.update(['a']);
  const snap = fresh.snapshot();
  offsets.add(4);
  assert.deepEqual(snap.get('offsets'), { mode: 'split', values: [1, 2, 3] });
  assert.deepEqual(snap.get('u'), { mode: 'union', values: ['a'] });
  assert.throws(() => fresh.getUnionListState(new ListStateDescriptor<number>('offsets')), /already registered as split/);

  const restored = new DefaultOperatorStateStore(new Map([['offsets', { mode: 'split' as const, values: [9] }]]));
  assert.equal(restored.isRestored, true);
  assert.deepEqual(restored.getListState(new ListStateDescriptor<number>('offsets')).get(), [9]);
});

test('broadcast state: a map snapshotted as its entries (mode broadcast), restored, read-only view, one mode per name', () => {
  const store = new DefaultOperatorStateStore();
  const rules = store.getBroadcastState(new MapStateDescriptor<string, number>('rules'));
  rules.put('a', 1);
  rules.putAll([['b', 2]]);
  const snap = store.snapshot();
  rules.remove('a');
  assert.deepEqual(snap.get('rules'), { mode: 'broadcast', values: [['a', 1], ['b', 2]] });
  assert.equal(store.getBroadcastState(new MapStateDescriptor<string, number>('rules')), rules, 'the same state for the same name');
  assert.throws(() => store.getListState(new ListStateDescriptor<number>('rules')), /already registered as broadcast state/);
  assert.throws(() => (rules.readOnly as unknown as { put(k: string, v: number): void }).put('c', 3), /read-only on the non-broadcast side/);
  assert.equal(rules.readOnly.get('b'), 2);

  const restored = new DefaultOperatorStateStore(new Map([['rules', { mode: 'broadcast' as const, values: [['x', 7]] }]]));
  assert.deepEqual([...restored.getBroadcastState(new MapStateDescriptor<string, number>('rules')).entries()], [['x', 7]]);
  const wrongMode = new DefaultOperatorStateStore(new Map([['rules', { mode: 'split' as const, values: [1] }]]));
  assert.throws(() => wrongMode.getBroadcastState(new MapStateDescriptor<string, number>('rules')), /restored as split list state/);
});

test('restored operator state the function has not asked for again is in the next snapshot as restored (as in Flink)', () => {
  const store = new DefaultOperatorStateStore(
    new Map([
      ['pending', { mode: 'split' as const, values: [1, 2, 3] }],
      ['offsets', { mode: 'union' as const, values: ['a'] }],
      ['rules', { mode: 'broadcast' as const, values: [['r', 1]] }],
    ]),
  );
  // Registered at initializeState and changed; 'pending' would be registered on a first element, 'rules' by a broadcast no longer in the job.
  store.getUnionListState(new ListStateDescriptor<string>('offsets')).add('b');
  const snap = store.snapshot();
  assert.deepEqual(Object.fromEntries(snap), {
    pending: { mode: 'split', values: [1, 2, 3] },
    offsets: { mode: 'union', values: ['a', 'b'] },
    rules: { mode: 'broadcast', values: [['r', 1]] },
  });
});

test('a restored list asked for in another mode is refused, naming both (its elements were redistributed by its own)', () => {
  const store = new DefaultOperatorStateStore(new Map([['offsets', { mode: 'union' as const, values: ['a'] }]]));
  assert.throws(() => store.getListState(new ListStateDescriptor<string>('offsets')), /^TypeError: Operator state 'offsets' was restored as union list state, not as split list state\.$/);
});

test("operator list state refuses null and undefined elements, as Flink's does, before changing anything", () => {
  const store = new DefaultOperatorStateStore();
  const list = store.getListState(new ListStateDescriptor<number | null>('offsets'));
  list.add(1);
  assert.throws(() => list.add(null), /ListState 'offsets' cannot hold null/);
  assert.throws(() => list.addAll([2, undefined as unknown as number]), /ListState 'offsets' cannot hold undefined/);
  assert.throws(() => list.update([3, null]), /cannot hold null/);
  assert.throws(() => list.addAll(null as unknown as number[]), /take an iterable of elements, got null/);
  assert.deepEqual(list.get(), [1], 'nothing of a refused call was applied');
  const union = store.getUnionListState(new ListStateDescriptor<string | null>('u'));
  assert.throws(() => union.add(null), /ListState 'u' cannot hold null/);
});
