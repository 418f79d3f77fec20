import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvroSerializer,
  ListStateDescriptor,
  MSGPACK_SERIALIZER,
  ValueStateDescriptor,
  type KeyedStateBackend,
  type ListState,
  type ValueState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { BACKENDS, type BackendType, createBackend, snapshotInto } from './backends.js';

const V1 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'balance', type: 'int' }, { name: 'note', type: 'string' }] };
// v2: balance promoted int → long, note dropped, email added with a default.
const V2 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'balance', type: 'long' }, { name: 'email', type: 'string', default: 'none' }] };
// v3: a new field without a default: old data cannot be read.
const V3 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'string' }, { name: 'owner', type: 'string' }] };

/** Writes state into a `from` backend, then restores its snapshot into a new `to` backend. */
function roundTrip(from: BackendType, to: BackendType, write: (b: KeyedStateBackend) => void): KeyedStateBackend {
  const clock = new ManualClock(0);
  const b = createBackend(from, { clock });
  write(b);
  return snapshotInto(b, to, { clock });
}

function writeV1(b: KeyedStateBackend): void {
  const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
  const hist = b.getOrCreateState<ListState<unknown>>(new ListStateDescriptor('history').setSerializer(AvroSerializer.of(V1)));
  // Enough keys that the lmdb backend writes some of them out to disk.
  for (let k = 0; k < 200; k++) {
    b.setCurrentKey(`u${k}`);
    acct.update({ id: `u${k}`, balance: 42 + k, note: 'vip' });
    hist.addAll([{ id: `u${k}`, balance: 1, note: 'a' }, { id: `u${k}`, balance: 2, note: 'b' }]);
  }
}

function checkV2(restored: KeyedStateBackend): void {
  const acct = restored.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V2)));
  const hist = restored.getOrCreateState<ListState<unknown>>(new ListStateDescriptor('history').setSerializer(AvroSerializer.of(V2)));
  for (let k = 0; k < 200; k++) {
    restored.setCurrentKey(`u${k}`);
    assert.deepEqual(acct.value(), { id: `u${k}`, balance: 42 + k, email: 'none' });
    assert.deepEqual(hist.get(), [{ id: `u${k}`, balance: 1, email: 'none' }, { id: `u${k}`, balance: 2, email: 'none' }]);
  }
}

/** Backend-independent: the serializers themselves. */
describe('serializers', () => {
  test('the default MessagePack serializer round-trips JSON-like values, bigint, Date, Map and Set', () => {
    const v = { a: [1, 'x', null, true], big: 2n ** 70n, when: new Date(5), m: new Map([['k', 1]]), s: new Set([1, 2]) };
    assert.deepEqual(MSGPACK_SERIALIZER.deserialize(MSGPACK_SERIALIZER.serialize(v)), v);
    assert.equal(MSGPACK_SERIALIZER.resolveSchemaCompatibility({ name: 'msgpack', version: 1 }).type, 'COMPATIBLE_AS_IS');
  });

  test('a function in a state value is refused, on both backends: never stored as undefined to be missed after a restore', () => {
    assert.throws(() => MSGPACK_SERIALIZER.serialize({ n: 1, fmt: (x: number) => `#${x}` }), /Unknown type: function/);
    for (const type of BACKENDS) {
      const b = createBackend(type);
      const acc = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acc'));
      b.setCurrentKey('k');
      // Refused by the snapshot, or earlier where a backend encodes it (lmdb, writing out of its cache).
      assert.throws(() => {
        acc.update({ n: 1, fmt: (x: number) => `#${x}` });
        snapshotInto(b, type);
      }, /Unknown type: function/, type);
    }
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

  const reasonOf = (c: ReturnType<AvroSerializer<unknown>['resolveSchemaCompatibility']>): string => {
    assert.equal(c.type, 'INCOMPATIBLE');
    return c.type === 'INCOMPATIBLE' ? c.reason : '';
  };

  test('an incompatible Avro change names the field, what it was and is, and what to do', () => {
    const record = (fields: unknown[]) => ({ type: 'record', name: 'Account', fields });
    const intToString = reasonOf(
      AvroSerializer.of(record([{ name: 'id', type: 'string' }, { name: 'balance', type: 'string' }])).resolveSchemaCompatibility(
        AvroSerializer.of(record([{ name: 'id', type: 'string' }, { name: 'balance', type: 'int' }])).snapshot(),
      ),
    );
    assert.match(intToString, /field 'balance' was int and is now string, which Avro cannot convert/);
    assert.match(intToString, /int → long, float, double/);
    assert.match(intToString, /keep its type, or add a field under a new name/);

    // Nested records, array items and map values are named by their path.
    const nested = (zip: string, tag: string) =>
      record([
        { name: 'address', type: { type: 'record', name: 'Address', fields: [{ name: 'zip', type: zip }] } },
        { name: 'tags', type: { type: 'array', items: tag } },
      ]);
    assert.match(reasonOf(AvroSerializer.of(nested('long', 'int')).resolveSchemaCompatibility(AvroSerializer.of(nested('string', 'int')).snapshot())), /field 'address\.zip' was string and is now long/);
    assert.match(reasonOf(AvroSerializer.of(nested('int', 'boolean')).resolveSchemaCompatibility(AvroSerializer.of(nested('int', 'int')).snapshot())), /field 'tags\[\]' was int and is now boolean/);

    // A new field without a default.
    assert.match(reasonOf(AvroSerializer.of(V3).resolveSchemaCompatibility(AvroSerializer.of(V1).snapshot())), /field 'owner' is new and has no default.*give it a default/);
  });

  test('switching a state between the default serializer and Avro is refused with the way out: a new state name', () => {
    const toAvro = reasonOf(AvroSerializer.of(V1).resolveSchemaCompatibility(MSGPACK_SERIALIZER.snapshot()));
    assert.match(toAvro, /written with the default serializer \(MessagePack\) and is now registered with Avro/);
    assert.match(toAvro, /new state name/);
    const fromAvro = reasonOf(MSGPACK_SERIALIZER.resolveSchemaCompatibility(AvroSerializer.of(V1).snapshot()));
    assert.match(fromAvro, /written with the avro serializer .* set the avro serializer on its descriptor again, or use a new state name/);
  });
});

for (const type of BACKENDS) {
  describe(`state serializers and schema evolution [${type}]`, () => {
    test('values of the default serializer keep their types: bigint, Date, Map, Set, nested', () => {
      const v = { big: 2n ** 70n, when: new Date(5), m: new Map<string, unknown>([['k', [1, { x: null }]]]), s: new Set(['a', 'b']) };
      const restored = roundTrip(type, type, (b) => {
        const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('v'));
        for (let k = 0; k < 200; k++) {
          b.setCurrentKey(k);
          s.update(v);
        }
        b.setCurrentKey(3);
        assert.deepEqual(s.value(), v);
      });
      const s = restored.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('v'));
      for (const k of [0, 3, 199]) {
        restored.setCurrentKey(k);
        assert.deepEqual(s.value(), v);
      }
    });

    test('state written with schema v1 restores with v2: old fields read, new field defaulted, type promoted', () => {
      checkV2(roundTrip(type, type, writeV1));
    });

    test('a restored state registered with the same schema reads as written', () => {
      const restored = roundTrip(type, type, writeV1);
      const acct = restored.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
      restored.setCurrentKey('u5');
      assert.deepEqual(acct.value(), { id: 'u5', balance: 47, note: 'vip' });
    });

    test('an incompatible schema or serializer is refused with the state named', () => {
      const write = (b: KeyedStateBackend) => {
        const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
        b.setCurrentKey('u1');
        acct.update({ id: 'u1', balance: 1, note: '' });
      };
      assert.throws(
        () => roundTrip(type, type, write).getOrCreateState(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V3))),
        /State 'acct' cannot be restored: its serializer is incompatible: .*owner/,
      );
      assert.throws(
        () => roundTrip(type, type, write).getOrCreateState(new ValueStateDescriptor('acct')),
        /State 'acct' cannot be restored: .*written with the avro serializer and is now registered with the default one.*new state name/,
      );
      // The default serializer to Avro: refused, saying how to move (a new state name).
      const plain = (b: KeyedStateBackend) => {
        const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct'));
        b.setCurrentKey('u1');
        acct.update({ id: 'u1', balance: 1, note: '' });
      };
      assert.throws(
        () => roundTrip(type, type, plain).getOrCreateState(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1))),
        /State 'acct' cannot be restored: .*written with the default serializer \(MessagePack\) and is now registered with Avro.*under a new state name/,
      );
    });

    test('an Avro state nobody registers after a restore is carried into the next snapshot unchanged', () => {
      const clock = new ManualClock(0);
      const r1 = roundTrip(type, type, (b) => {
        const acct = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
        b.setCurrentKey('u1');
        acct.update({ id: 'u1', balance: 7, note: 'n' });
      });
      const r2 = snapshotInto(r1, type, { clock });
      const acct = r2.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
      r2.setCurrentKey('u1');
      assert.deepEqual(acct.value(), { id: 'u1', balance: 7, note: 'n' });
    });

    for (const to of BACKENDS.filter((t): t is BackendType => t !== type)) {
      test(`cross-backend: Avro state of ${type} restores into ${to}, migrated to v2, or carried unregistered and read back`, () => {
        checkV2(roundTrip(type, to, writeV1));
        // Still serialized (nobody registered it) on the way through `to`, then read on `type` again.
        const back = snapshotInto(roundTrip(type, to, writeV1), type);
        const acct = back.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(V1)));
        back.setCurrentKey('u9');
        assert.deepEqual(acct.value(), { id: 'u9', balance: 51, note: 'vip' });
        checkV2(snapshotInto(roundTrip(type, to, writeV1), type));
      });
    }
  });
}
