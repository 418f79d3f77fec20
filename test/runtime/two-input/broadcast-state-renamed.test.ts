/*
 * Restored operator state that no descriptor registers — a broadcast state whose
 * MapStateDescriptor was renamed, a list the function no longer (or not yet) asks for — is kept
 * and written into the next checkpoints as it was restored, as Flink's operator state backend
 * does (OperatorStateRestoreOperation registers every restored state; the snapshot writes every
 * registered one): the renamed state starts empty, and renaming back finds the old entries.
 * Driven through the checkpoint path (the operator's cut, a state file, a restore).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BroadcastProcessFunction, type BroadcastContext, type BroadcastReadOnlyContext, type Collector, type TwoInputOperatorSpec } from '../../../src/graph/index.js';
import { DefaultOperatorStateStore, ListStateDescriptor, MapStateDescriptor, decodeStateFile, encodeStateFile } from '../../../src/state/index.js';
import type { HarnessOptions, HarnessSnapshot } from '../operators/keyed-operator-harness.js';
import { BroadcastHarness } from './two-input-harness.js';

/** A broadcast operator whose one broadcast state is `descriptor`; each element prints the entries it sees. */
function job(descriptor: MapStateDescriptor<string, number>, options: HarnessOptions = {}): Promise<BroadcastHarness> {
  class Rules extends BroadcastProcessFunction<string, number, string> {
    processBroadcastElement(v: number, ctx: BroadcastContext) {
      ctx.getBroadcastState(descriptor).put(`r${v}`, v);
    }
    processElement(v: string, ctx: BroadcastReadOnlyContext, out: Collector<string>) {
      out.collect(`${v}: ${[...ctx.getBroadcastState(descriptor).immutableEntries()].map(([k, n]) => `${k}=${n}`).join(',')}`);
    }
  }
  const spec: TwoInputOperatorSpec = { kind: 'broadcastProcess', fn: new Rules() as BroadcastProcessFunction<unknown, unknown, unknown>, descriptors: [descriptor] as MapStateDescriptor<unknown, unknown>[] };
  return new BroadcastHarness(spec, () => 0, () => 0, options).open();
}

async function checkpointOf(h: BroadcastHarness): Promise<HarnessSnapshot> {
  const snapshot = h.snapshot();
  await h.close();
  return snapshot;
}

test('a renamed broadcast state starts empty; the old one is carried into the next checkpoints, and renaming back finds it', async () => {
  const rules = new MapStateDescriptor<string, number>('rules');
  const renamed = new MapStateDescriptor<string, number>('rules-v2');
  const first = await job(rules);
  first.processBroadcast(1, 1);
  first.processBroadcast(2, 2);
  const one = await checkpointOf(first);

  const second = await job(renamed, { restore: one });
  second.processElement1('a', 3);
  assert.deepEqual(second.records().map((r) => r.value), ['a: '], 'the renamed state has none of the old entries (as in Flink)');
  second.processBroadcast(3, 4);
  const two = await checkpointOf(second);
  assert.deepEqual(Object.fromEntries([...two.lists!].map(([name, l]) => [name, l.values])), { rules: [['r1', 1], ['r2', 2]], 'rules-v2': [['r3', 3]] });

  const third = await job(rules, { restore: two });
  third.processElement1('b', 5);
  assert.deepEqual(third.records().map((r) => r.value), ['b: r1=1,r2=2'], 'renamed back, the old entries are there');
  await third.close();
});

test("restored list and union state no descriptor registers goes into the next checkpoint's state file as restored", () => {
  const file = (store: DefaultOperatorStateStore) =>
    decodeStateFile(Buffer.concat(encodeStateFile({ uid: 'op', subtask: 0, kinds: {}, keyGroups: [], delta: false, lists: store.cut().bytes() })), { file: 'f', uid: 'op', subtask: 0, keyGroupRange: undefined }).lists;
  const before = new DefaultOperatorStateStore();
  before.getListState(new ListStateDescriptor<number>('offsets')).addAll([1, 2]);
  before.getUnionListState(new ListStateDescriptor<string>('splits')).add('s');
  const restored = new DefaultOperatorStateStore(file(before));
  restored.getListState(new ListStateDescriptor<number>('offsets-v2')).add(9);
  const after = new DefaultOperatorStateStore(file(restored));
  assert.deepEqual(after.getListState(new ListStateDescriptor<number>('offsets')).get(), [1, 2]);
  assert.deepEqual(after.getUnionListState(new ListStateDescriptor<string>('splits')).get(), ['s']);
  assert.deepEqual(after.getListState(new ListStateDescriptor<number>('offsets-v2')).get(), [9]);
});
