/*
 * Operator state frozen at a checkpoint's cut (operator-state-freeze.ts): the cut copies nothing,
 * and whatever the function reads through a state afterwards (list `get`, broadcast `get`,
 * `entries`, `values`, `immutableEntries`, the read-only side's `get` and entries), or changes
 * in a broadcast state, is encoded for the snapshots in progress first: an element or value
 * changed in place after the cut is written as it was at the cut, as Flink's copy at the
 * synchronous part gives (states larger than the cut encodes at once; a small one is encoded at
 * the cut, the last describe). Also the paths around it: a restored state registered after the cut,
 * two snapshots in progress, an abandoned one, a serializer that refuses an element on access;
 * and the lists section handed to the write in chunks, byte for byte what one buffer gives.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvroSerializer,
  DefaultOperatorStateStore,
  type HeapBroadcastState,
  ListStateDescriptor,
  MapStateDescriptor,
  type OperatorListEntry,
  type TypeSerializer,
  decodeStateFile,
  encodeStateFile,
} from '../../src/state/index.js';
import { SnapshotDriver } from '../../src/runtime/checkpointing/snapshot-driver.js';
import type { CheckpointStorageWorker } from '../../src/state/index.js';
import { StateSerializationError } from '../../src/util/errors.js';

type Box = { n: number };
/** The most elements a state may have to be encoded at the cut (operator-state-snapshot.ts). */
const AT_CUT = 256;
/** A state large enough to be frozen at the cut rather than encoded there. */
const FROZEN = AT_CUT + 1;
const V = { type: 'record', name: 'Box', fields: [{ name: 'n', type: 'int' }] };

/** An Avro serializer of boxes with its serialize calls counted. */
function countedAvro(): { avro: TypeSerializer<Box>; calls: () => number } {
  let calls = 0;
  const avro = AvroSerializer.of(V as never) as TypeSerializer<Box>;
  const serialize = avro.serialize.bind(avro);
  (avro as { serialize: (v: Box) => Uint8Array }).serialize = (v) => {
    calls++;
    return serialize(v);
  };
  return { avro, calls: () => calls };
}

/** Lists bytes as a restore reads them. */
const decoded = (lists: Uint8Array | readonly Uint8Array[]) =>
  decodeStateFile(Buffer.concat(encodeStateFile({ uid: 'op', subtask: 0, kinds: {}, keyGroups: [], delta: false, lists })), { file: 'f', uid: 'op', subtask: 0, keyGroupRange: undefined }).lists;

describe('an element or value changed in place after the cut is written as it was at the cut', () => {
  for (const mode of ['split', 'union'] as const) {
    test(`${mode} list: read by get() after the cut, changed in place`, () => {
      const store = new DefaultOperatorStateStore();
      const d = new ListStateDescriptor<Box>('boxes');
      const boxes = mode === 'split' ? store.getListState(d) : store.getUnionListState(d);
      boxes.update(Array.from({ length: 3000 }, (_, i) => ({ n: i })));
      const pending = store.cut();
      assert.equal(pending.encodeUntil(0, () => 1), false, 'one slice: the rest is still to encode');
      for (const b of boxes.get()) b.n = -1;
      boxes.add({ n: 5 });
      const values = decoded(pending.chunks()).get('boxes')!.values as Box[];
      assert.equal(values.length, 3000);
      assert.deepEqual(values.slice(-2), [{ n: 2998 }, { n: 2999 }]);
    });
  }

  /** Ways to reach a value; `before` is the read-only side's entries, taken before the cut as a function may keep them. */
  const reads: Array<[string, (s: HeapBroadcastState<string, Box>, before: Iterable<readonly [string, Box]>) => Box]> = [
    ['get', (s) => s.get('a')!],
    ['entries()', (s) => [...s.entries()][0]![1]],
    ['values()', (s) => [...s.values()][0]!],
    ['immutableEntries()', (s) => [...s.immutableEntries()][0]![1]],
    ["the read-only side's get", (s) => s.readOnly.get('a')!],
    ["the read-only side's immutableEntries() (taken before the cut)", (_, before) => [...before][0]![1]],
  ];
  for (const [how, read] of reads) {
    test(`broadcast value: read by ${how} after the cut, changed in place (with and without a serializer)`, () => {
      for (const avro of [false, true]) {
        const store = new DefaultOperatorStateStore();
        const d = new MapStateDescriptor<string, Box>('rules');
        if (avro) d.setSerializer(AvroSerializer.of(V as never) as TypeSerializer<Box>);
        const rules = store.getBroadcastState(d);
        const before = rules.readOnly.immutableEntries();
        rules.put('a', { n: 1 });
        for (let i = 1; i < FROZEN; i++) rules.put(`b${i}`, { n: 0 });
        const pending = store.cut();
        const box = read(rules, before);
        box.n = 2;
        const entry = decoded(pending.chunks()).get('rules')!;
        assert.deepEqual(entry.values.length, FROZEN);
        const [k, v] = entry.values[0] as [string, unknown];
        assert.equal(k, 'a');
        assert.deepEqual(avro ? d.getSerializer().deserialize(v as Uint8Array) : v, { n: 1 }, `avro: ${avro}`);
      }
    });
  }

  test('broadcast: put, remove and clear after the cut leave the snapshot as it was at the cut', () => {
    const store = new DefaultOperatorStateStore();
    const rules = store.getBroadcastState(new MapStateDescriptor<string, number>('rules'));
    const filler = Array.from({ length: FROZEN }, (_, i): [string, number] => [`f${i}`, i]);
    rules.putAll([['a', 1], ['b', 2], ...filler]);
    const first = store.cut();
    rules.put('c', 3);
    rules.remove('a');
    const second = store.cut();
    rules.clear();
    assert.deepEqual(decoded(first.chunks()).get('rules')!.values, [['a', 1], ['b', 2], ...filler]);
    assert.deepEqual(decoded(second.chunks()).get('rules')!.values, [['b', 2], ...filler, ['c', 3]]);
  });

  test('a restored state registered after the cut: its elements, changed in place, are written as restored', () => {
    const boxes = Array.from({ length: FROZEN }, () => ({ n: 1 }));
    const rules = Array.from({ length: FROZEN }, (_, i) => [i === 0 ? 'a' : `r${i}`, { n: 1 }]);
    const restored = new Map<string, OperatorListEntry>([['boxes', { mode: 'split', values: boxes }], ['rules', { mode: 'broadcast', values: rules }]]);
    const store = new DefaultOperatorStateStore(restored);
    const pending = store.cut();
    store.getListState(new ListStateDescriptor<Box>('boxes')).get()[0]!.n = 2;
    store.getBroadcastState(new MapStateDescriptor<string, Box>('rules')).get('a')!.n = 2;
    const lists = decoded(pending.chunks());
    assert.deepEqual(lists.get('boxes')!.values[0], { n: 1 });
    assert.deepEqual(lists.get('rules')!.values[0], ['a', { n: 1 }]);
  });

  test('two snapshots in progress (a savepoint during a checkpoint) both hold the state as at their cuts; one abandoned is not encoded', () => {
    const store = new DefaultOperatorStateStore();
    const { avro, calls } = countedAvro();
    const boxes = store.getListState(new ListStateDescriptor<Box>('boxes').setSerializer(avro));
    boxes.update(Array.from({ length: FROZEN }, () => ({ n: 1 })));
    const checkpoint = store.cut();
    boxes.get()[0]!.n = 2;
    const savepoint = store.cut();
    const abandoned = store.cut();
    abandoned.release();
    const before = calls();
    boxes.get()[0]!.n = 3;
    assert.equal(calls() - before, FROZEN, 'encoded for the savepoint only: the checkpoint already was, the abandoned one is not');
    const first = (p: typeof checkpoint) => avro.deserialize((decoded(p.chunks()).get('boxes')!.values as Uint8Array[])[0]!);
    assert.deepEqual(first(checkpoint), { n: 1 });
    assert.deepEqual(first(savepoint), { n: 2 });
  });

  test('a checkpoint aborted before its asynchronous part ran lets go of the states it froze', () => {
    const store = new DefaultOperatorStateStore();
    const { avro, calls } = countedAvro();
    const boxes = store.getListState(new ListStateDescriptor<Box>('boxes').setSerializer(avro));
    boxes.update(Array.from({ length: FROZEN }, () => ({ n: 1 })));
    const driver = new SnapshotDriver({} as CheckpointStorageWorker, { acknowledge: () => assert.fail('acknowledged'), decline: () => assert.fail('declined') });
    const lists = store.cut();
    driver.submit({ checkpointId: 1, taskIndex: 0, operators: [{ uid: 'op', name: 'op', subtask: 0, parallelism: 1, maxParallelism: 128, lists, keyed: undefined, empty: false }], syncMs: 0, alignmentMs: 0 });
    driver.abort(1);
    boxes.get();
    assert.equal(calls(), 0, 'nothing encoded for the aborted checkpoint');
  });

  for (const size of [1, FROZEN]) {
    test(`an element the serializer refuses, met ${size === 1 ? 'at the cut' : 'on access'}: the access goes on, the snapshot fails at its next step naming the state`, () => {
      const store = new DefaultOperatorStateStore();
      const boxes = store.getListState(new ListStateDescriptor<Box>('boxes').setSerializer(AvroSerializer.of(V as never) as TypeSerializer<Box>));
      boxes.update(Array.from({ length: size }, () => ({ n: 'not an int' }) as unknown as Box));
      const pending = store.cut();
      assert.equal(boxes.get().length, size);
      assert.throws(() => pending.encodeUntil(Infinity, () => 0), (err: unknown) => err instanceof StateSerializationError && /^State 'boxes' cannot be written/.test(err.message));
    });
  }
});

describe('a small state is encoded at the cut, as Flink copies operator state there', () => {
  test('an element the function still holds from before the cut, changed in place without reading the state, is written as it was', () => {
    const store = new DefaultOperatorStateStore();
    const { avro, calls } = countedAvro();
    const boxes = store.getListState(new ListStateDescriptor<Box>('boxes').setSerializer(avro));
    const held: Box = { n: 1 };
    boxes.update([held, ...Array.from({ length: AT_CUT - 1 }, () => ({ n: 0 }))]);
    const pending = store.cut();
    assert.equal(calls(), AT_CUT, 'encoded at the cut');
    held.n = 2;
    assert.deepEqual(avro.deserialize((decoded(pending.chunks()).get('boxes')!.values as Uint8Array[])[0]!), { n: 1 });
  });

  test('a larger one is frozen instead: nothing encoded at the cut', () => {
    const store = new DefaultOperatorStateStore();
    const { avro, calls } = countedAvro();
    store.getListState(new ListStateDescriptor<Box>('boxes').setSerializer(avro)).update(Array.from({ length: AT_CUT + 1 }, () => ({ n: 0 })));
    const pending = store.cut();
    assert.equal(calls(), 0);
    assert.equal(decoded(pending.chunks()).get('boxes')!.values.length, AT_CUT + 1);
  });
});

test('lists handed over in chunks make the same state file, byte for byte, as the lists in one buffer', () => {
  // Sizes around the MessagePack bin header's forms (bin8, bin16, bin32) and the header join limit.
  for (const size of [0, 5, 255, 256, 65_535, 65_536, (1 << 20) - 100, (1 << 20) + 100]) {
    const whole = Buffer.alloc(size);
    for (let i = 0; i < size; i++) whole[i] = (i * 31) & 0xff;
    const chunks = size === 0 ? [] : [whole.subarray(0, size >> 1), whole.subarray(size >> 1)];
    const parts = { uid: 'op', subtask: 1, kinds: {}, keyGroups: [[3, Uint8Array.of(1, 2)]] as const, delta: false, keyKinds: [['number', 1]] as never };
    const one = Buffer.concat(encodeStateFile({ ...parts, lists: whole }));
    const inChunks = encodeStateFile({ ...parts, lists: chunks });
    assert.deepEqual(Buffer.concat(inChunks), one, `size ${size}`);
    if (size > 1 << 20) assert.ok(inChunks.length > 4, 'a large lists section is not joined');
  }
});
