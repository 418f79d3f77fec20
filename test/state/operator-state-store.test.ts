import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultOperatorStateStore, ListStateDescriptor } from '../../src/state/index.js';

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
