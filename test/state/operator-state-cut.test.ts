/*
 * Operator state at a checkpoint's cut (DefaultOperatorStateStore.cut): the synchronous part
 * copies nothing and serializes nothing (operator-state-frozen.test.ts: what it freezes); the asynchronous part
 * serializes and packs the elements in slices, into the bytes encodeLists writes (same format).
 * Also: registering an operator state again with a serializer that cannot read the first one's
 * elements is refused, as keyed state refuses it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AvroSerializer, DefaultOperatorStateStore, ListStateDescriptor, MapStateDescriptor, type TypeSerializer, decodeStateFile, encodeLists, encodeStateFile } from '../../src/state/index.js';
import { SnapshotDriver } from '../../src/runtime/checkpointing/snapshot-driver.js';
import type { CheckpointStorageWorker } from '../../src/state/index.js';
import { StateMigrationError, StateSerializationError } from '../../src/util/errors.js';

type Acct = { a: number; b: number };
const V1 = { type: 'record', name: 'Acct', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }] };
// Reads V1's bytes only after migration (fields reordered): not "as they are".
const V2 = { type: 'record', name: 'Acct', fields: [{ name: 'b', type: 'int' }, { name: 'a', type: 'int' }] };
const avro = (schema: unknown) => AvroSerializer.of(schema as never) as TypeSerializer<unknown>;

/** `serializer` with its serialize calls counted. */
function counted(serializer: TypeSerializer<unknown>): { serializer: TypeSerializer<unknown>; calls: () => number } {
  let calls = 0;
  const serialize = serializer.serialize.bind(serializer);
  (serializer as { serialize: (v: unknown) => Uint8Array }).serialize = (v) => {
    calls++;
    return serialize(v);
  };
  return { serializer, calls: () => calls };
}

/** Lists bytes as a restore reads them. */
const decoded = (lists: Uint8Array) =>
  decodeStateFile(Buffer.concat(encodeStateFile({ uid: 'op', subtask: 0, kinds: {}, keyGroups: [], delta: false, lists })), { file: 'f', uid: 'op', subtask: 0, keyGroupRange: undefined }).lists;

describe('operator state at the cut', () => {
  test('the cut serializes nothing; the asynchronous part does, in slices, into the bytes encodeLists writes; changes after the cut are not in it', () => {
    const store = new DefaultOperatorStateStore();
    const { serializer, calls } = counted(avro(V1));
    const accts = store.getListState(new ListStateDescriptor<Acct>('accts').setSerializer(serializer as TypeSerializer<Acct>));
    const n = 2500; // more than one slice
    accts.update(Array.from({ length: n }, (_, i) => ({ a: i, b: -i })));
    const plain = store.getUnionListState(new ListStateDescriptor<number>('plain'));
    plain.addAll([1, 2, 3]);
    const rules = store.getBroadcastState(new MapStateDescriptor<string, number>('rules'));
    rules.put('r', 1);
    const expected = encodeLists(store.snapshot());
    const before = calls();

    const pending = store.cut();
    assert.equal(calls(), before, 'the synchronous part calls no serializer');
    accts.add({ a: -1, b: -1 });
    plain.add(4);
    rules.put('s', 2);
    rules.remove('r');
    assert.equal(pending.encodeUntil(0, () => 1), false, 'one slice, not the whole state');
    assert.ok(calls() > before && calls() < before + n, `serialized in part: ${calls() - before} of ${n}`);
    accts.update([]);
    plain.clear();
    const bytes = pending.bytes();
    assert.equal(calls(), before + n, 'every element serialized once, by the asynchronous part');
    assert.deepEqual(Buffer.from(bytes), Buffer.from(expected), 'the same bytes as encodeLists: no format change');
    const lists = decoded(bytes);
    assert.equal(lists.get('accts')!.values.length, n);
    assert.deepEqual(lists.get('plain')!.values, [1, 2, 3]);
    assert.deepEqual(lists.get('rules')!.values, [['r', 1]]);
  });

  test('a value its serializer refuses fails the asynchronous part in one line naming the state, not the cut', () => {
    const store = new DefaultOperatorStateStore();
    store.getListState(new ListStateDescriptor<Acct>('accts').setSerializer(avro(V1) as TypeSerializer<Acct>)).add({ a: 1, b: 2, extra: true } as Acct);
    const pending = store.cut();
    assert.throws(
      () => pending.bytes(),
      (err: unknown) => err instanceof StateSerializationError && /^State 'accts' cannot be written into the checkpoint by its avro serializer: .*'extra'/.test(err.message),
    );
  });
});

test('a checkpoint whose operator state a serializer refuses is declined by the asynchronous part, naming the state', () => {
  const store = new DefaultOperatorStateStore();
  store.getListState(new ListStateDescriptor<Acct>('accts').setSerializer(avro(V1) as TypeSerializer<Acct>)).add({ a: 1, b: 2, extra: true } as Acct);
  const declined: string[] = [];
  // Nothing is written: the encoding fails before the write.
  const driver = new SnapshotDriver({} as CheckpointStorageWorker, { acknowledge: () => assert.fail('acknowledged'), decline: (_id, _task, reason) => declined.push(reason) });
  const lists = store.cut();
  driver.submit({ checkpointId: 1, taskIndex: 0, operators: [{ uid: 'op', name: 'op', subtask: 0, parallelism: 1, maxParallelism: 128, lists, keyed: undefined, empty: false }], syncMs: 0, alignmentMs: 0 });
  driver.work(Infinity);
  assert.equal(declined.length, 1);
  assert.match(declined[0]!, /^State 'accts' cannot be written into the checkpoint by its avro serializer/);
  assert.equal(driver.hasWork, false);
});

describe('an operator state registered a second time', () => {
  for (const mode of ['split', 'union'] as const) {
    test(`${mode}: a serializer that cannot read the first one's elements as they are is refused in one typed line; the same or an equal one gets the first state`, () => {
      const store = new DefaultOperatorStateStore();
      const get = (d: ListStateDescriptor<Acct>) => (mode === 'split' ? store.getListState(d) : store.getUnionListState(d));
      const first = get(new ListStateDescriptor<Acct>('accts').setSerializer(avro(V1) as TypeSerializer<Acct>));
      assert.equal(get(new ListStateDescriptor<Acct>('accts').setSerializer(avro(V1) as TypeSerializer<Acct>)), first);
      for (const other of [new ListStateDescriptor<Acct>('accts'), new ListStateDescriptor<Acct>('accts').setSerializer(avro(V2) as TypeSerializer<Acct>)]) {
        assert.throws(
          () => get(other),
          (err: unknown) => err instanceof StateMigrationError && err.code === 'state.incompatible' && !err.message.includes('\n') && /^Operator state 'accts' is already registered with the avro serializer/.test(err.message),
        );
      }
    });
  }

  test('broadcast: a key or value serializer that cannot read the first one\'s is refused', () => {
    const store = new DefaultOperatorStateStore();
    const d = () => new MapStateDescriptor<string, Acct>('rules').setSerializer(avro(V1) as TypeSerializer<Acct>);
    const first = store.getBroadcastState(d());
    assert.equal(store.getBroadcastState(d()), first);
    assert.throws(() => store.getBroadcastState(new MapStateDescriptor<string, Acct>('rules')), /Operator state 'rules' is already registered with the avro serializer/);
    const keyed = new DefaultOperatorStateStore();
    keyed.getBroadcastState(new MapStateDescriptor<string, number>('rules').setKeySerializer(avro({ type: 'string' }) as TypeSerializer<string>));
    assert.throws(() => keyed.getBroadcastState(new MapStateDescriptor<string, number>('rules').setKeySerializer(avro({ type: 'int' }) as never)), StateMigrationError);
  });
});
