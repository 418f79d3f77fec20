import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvroSerializer,
  HeapKeyedStateBackend,
  KeyGroupRange,
  ListStateDescriptor,
  MSGPACK_SERIALIZER,
  ValueStateDescriptor,
  type ListState,
  type ValueState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';

const V1 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'balance', type: 'int' }, { name: 'note', type: 'string' }] };
// v2: balance promoted int → long, note dropped, email added with a default.
const V2 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'balance', type: 'long' }, { name: 'email', type: 'string', default: 'none' }] };
// v3: a new field without a default: old data cannot be read.
const V3 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'owner', type: 'string' }] };

function roundTrip(write: (b: HeapKeyedStateBackend) => void): HeapKeyedStateBackend {
  const clock = new ManualClock(0);
  const b = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127), clock);
  write(b);
  const snap = b.snapshot(1);
  snap.encodeUntil(Infinity, () => 0);
  const r = new HeapKeyedStateBackend(128, new KeyGroupRange(0, 127), clock);
  for (const [kg, bytes] of snap.keyGroups()) r.restoreKeyGroup(kg, bytes, snap.kinds);
  return r;
}

describe('serializers and schema evolution', () => {
  test('the default MessagePack serializer round-trips JSON-like values, bigint, Date, Map and Set', () => {
    const v = { a: [1, 'x', null, true], big: 2n ** 70n, when: new Date(5), m: new Map([['k', 1]]), s: new Set([1, 2]) };
    assert.deepEqual(MSGPACK_SERIALIZER.deserialize(MSGPACK_SERIALIZER.serialize(v)), v);
    assert.equal(MSGPACK_SERIALIZER.resolveSchemaCompatibility({ name: 'msgpack', version: 1 }).type, 'COMPATIBLE_AS_IS');
  });

  test('Avro compatibility: as is, after migration (added with default, removed, promoted), incompatible naming the field', () => {
    const v1 = AvroSerializer.of(V1);
    assert.equal(AvroSerializer.of(V1).resolveSchemaCompatibility(v1.snapshot()).type, 'COMPATIBLE_AS_IS');
    assert.equal(AvroSerializer.of(V2).resolveSchemaCompatibility(v1.snapshot()).type, 'COMPATIBLE_AFTER_MIGRATION');
    const bad = AvroSerializer.of(V3).resolveSchemaCompatibility(v1.snapshot());
    assert.equal(bad.type, 'INCOMPATIBLE');
    assert.match(bad.type === 'INCOMPATIBLE' ? bad.reason : '', /owner/);
    assert.equal(MSGPACK_SERIALIZER.resolveSchemaCompatibility(v1.snapshot()).type, 'INCOMPATIBLE');
  });

  test('state written with schema v1 restores with v2: old fields read, new field defaulted, type promoted', () => {
    const restored = roundTrip((b) => {
      const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
      const hist = b.getOrCreateState<ListState<unknown>>(new ListStateDescriptor('history').setSerializer(AvroSerializer.of(V1)));
      b.setCurrentKey('u1');
      acct.update({ id: 'u1', balance: 42, note: 'vip' });
      hist.addAll([{ id: 'u1', balance: 1, note: 'a' }, { id: 'u1', balance: 2, note: 'b' }]);
    });
    const acct = restored.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V2)));
    const hist = restored.getOrCreateState<ListState<unknown>>(new ListStateDescriptor('history').setSerializer(AvroSerializer.of(V2)));
    restored.setCurrentKey('u1');
    assert.deepEqual(acct.value(), { id: 'u1', balance: 42, email: 'none' });
    assert.deepEqual(hist.get(), [{ id: 'u1', balance: 1, email: 'none' }, { id: 'u1', balance: 2, email: 'none' }]);
  });

  test('an incompatible schema or serializer is refused with the state named', () => {
    const write = (b: HeapKeyedStateBackend) => {
      const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
      b.setCurrentKey('u1');
      acct.update({ id: 'u1', balance: 1, note: '' });
    };
    assert.throws(
      () => roundTrip(write).getOrCreateState(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V3))),
      /State 'acct' cannot be restored: its serializer is incompatible: .*owner/,
    );
    assert.throws(() => roundTrip(write).getOrCreateState(new ValueStateDescriptor('acct')), /State 'acct' cannot be restored: .*avro serializer, not MessagePack/);
  });

  test('an Avro state nobody registers after a restore is carried into the next snapshot unchanged', () => {
    const r1 = roundTrip((b) => {
      const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
      b.setCurrentKey('u1');
      acct.update({ id: 'u1', balance: 7, note: 'n' });
    });
    const r2 = roundTrip((b) => {
      const snap = r1.snapshot(2);
      snap.encodeUntil(Infinity, () => 0);
      for (const [kg, bytes] of snap.keyGroups()) b.restoreKeyGroup(kg, bytes, snap.kinds);
    });
    const acct = r2.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
    r2.setCurrentKey('u1');
    assert.deepEqual(acct.value(), { id: 'u1', balance: 7, note: 'n' });
  });
});
