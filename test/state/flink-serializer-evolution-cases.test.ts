/*
 * State serializers and schema evolution checked against Flink and Avro, through a real snapshot
 * and restore of keyed state on every backend:
 * - Flink's AvroSerializerSnapshot.resolveSchemaCompatibility: the same schema is compatible as
 *   is, one Avro's SchemaCompatibility accepts is compatible after migration, anything else
 *   incompatible (flink-formats/flink-avro/.../typeutils/AvroSerializerSnapshot.java);
 * - the Avro spec's schema resolution: promotions, enums (a writer symbol the reader lacks is an
 *   error unless the reader enum has a default), unions, fields and named types matched by name
 *   or the reader's aliases, fixed sizes, map values and array items resolved recursively;
 * - after a migration, the next checkpoint is written with the new schema (Flink writes migrated
 *   state with the new serializer, whose snapshot the next restore reads);
 * - custom serializers rebuilt from their snapshot, and the default serializer's values.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvroSerializer,
  type KeyedStateBackend,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type SchemaCompatibility,
  type StateKinds,
  type TypeSerializer,
  type ValueState,
  ValueStateDescriptor,
  registerSerializer,
} from '../../src/state/index.js';
import { FlinkError } from '../../src/util/errors.js';
import { BACKENDS, type BackendType, createBackend, finish, restoreChain, snapshotInto } from './backends.js';
import { DecimalSerializer } from './decimal-serializer.js';

type Schema = Record<string, unknown>;
const record = (name: string, fields: unknown[], extra: Schema = {}): Schema => ({ type: 'record', name, fields, ...extra });
const one = (type: unknown, extra: Schema = {}) => record('R', [{ name: 'x', type, ...extra }]);

/** Restores `from`'s full snapshot into a new backend, the snapshot's state metadata changed by `edit` first. */
function restoreEdited(from: KeyedStateBackend, type: BackendType, edit: (kinds: StateKinds) => StateKinds): KeyedStateBackend {
  const snap = from.snapshot(1, { full: true });
  const blocks = finish(snap);
  const kinds = edit(structuredClone(snap.kinds));
  const to = createBackend(type);
  for (const [kg, bytes] of blocks) to.restoreKeyGroup({ keyGroup: kg, bytes, delta: false, source: { operator: 'test-op', file: 'test.state' } }, kinds);
  return to;
}

/** The restore error of registering `d` on `b`, which must be a FlinkError (one line at the CLI). */
function restoreError(b: KeyedStateBackend, d: ValueStateDescriptor<unknown>): FlinkError {
  try {
    b.getOrCreateState(d);
  } catch (err) {
    assert.ok(err instanceof FlinkError, `a typed error, not ${(err as Error).constructor.name}: ${(err as Error).message}`);
    return err;
  }
  assert.fail('restore was accepted');
}

const reason = (c: SchemaCompatibility): string => (c.type === 'INCOMPATIBLE' ? c.reason : assert.fail(`compatible: ${c.type}`));
const compat = (writer: Schema, reader: Schema) => AvroSerializer.of(reader).resolveSchemaCompatibility(AvroSerializer.of(writer).snapshot());

for (const type of BACKENDS) {
  /** Writes `value` under key 'k' into a Value, a List and a Map state with `writer`, restores, reads them with `reader`. */
  function migrate(writer: Schema, reader: Schema, value: unknown): { value: unknown; list: unknown; map: unknown } {
    const b = createBackend(type);
    const v = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('v').setSerializer(AvroSerializer.of(writer)));
    const l = b.getOrCreateState<ListState<unknown>>(new ListStateDescriptor('l').setSerializer(AvroSerializer.of(writer)));
    const m = b.getOrCreateState<MapState<unknown, unknown>>(new MapStateDescriptor('m').setSerializer(AvroSerializer.of(writer)));
    b.setCurrentKey('k');
    v.update(value);
    l.addAll([value, value]);
    m.put('uk', value);
    const r = snapshotInto(b, type);
    const rv = r.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('v').setSerializer(AvroSerializer.of(reader)));
    const rl = r.getOrCreateState<ListState<unknown>>(new ListStateDescriptor('l').setSerializer(AvroSerializer.of(reader)));
    const rm = r.getOrCreateState<MapState<unknown, unknown>>(new MapStateDescriptor('m').setSerializer(AvroSerializer.of(reader)));
    r.setCurrentKey('k');
    return { value: rv.value(), list: rl.get(), map: rm.get('uk') };
  }
  const migrated = (writer: Schema, reader: Schema, value: unknown, expected: unknown) => {
    assert.equal(compat(writer, reader).type, 'COMPATIBLE_AFTER_MIGRATION');
    assert.deepEqual(migrate(writer, reader, value), { value: expected, list: [expected, expected], map: expected });
  };

  describe(`Avro schema resolution through snapshot and restore (Value, List, Map values) [${type}]`, () => {
    test("every promotion of the Avro spec: int → long/float/double, long → float/double, float → double, string ↔ bytes", () => {
      for (const [w, r] of [['int', 'long'], ['int', 'float'], ['int', 'double'], ['long', 'float'], ['long', 'double']]) migrated(one(w), one(r), { x: 12 }, { x: 12 });
      migrated(one('float'), one('double'), { x: 1.5 }, { x: 1.5 });
      migrated(one('string'), one('bytes'), { x: 'hé' }, { x: Buffer.from('hé') });
      migrated(one('bytes'), one('string'), { x: Buffer.from('hé') }, { x: 'hé' });
      // Narrowing is not a promotion.
      for (const [w, r] of [['long', 'int'], ['double', 'float'], ['float', 'long'], ['string', 'int']]) assert.match(reason(compat(one(w), one(r))), new RegExp(`field 'x' was ${w} and is now ${r}`));
    });

    test('enums: an added symbol reads; a removed one reads through the reader enum default; else refused naming the symbol', () => {
      const e = (symbols: string[], extra: Schema = {}) => one({ type: 'enum', name: 'Color', symbols, ...extra });
      migrated(e(['RED', 'GREEN']), e(['RED', 'GREEN', 'BLUE']), { x: 'GREEN' }, { x: 'GREEN' });
      migrated(e(['RED', 'GREEN', 'BLUE']), e(['RED', 'GREEN'], { default: 'RED' }), { x: 'BLUE' }, { x: 'RED' });
      migrated(e(['RED', 'GREEN', 'BLUE']), e(['RED', 'GREEN'], { default: 'RED' }), { x: 'GREEN' }, { x: 'GREEN' });
      // Avro's SchemaCompatibility: MISSING_ENUM_SYMBOLS. The line must say which symbol, not "enum Color is now enum Color".
      const why = reason(compat(e(['RED', 'GREEN', 'BLUE']), e(['RED', 'GREEN'])));
      assert.match(why, /field 'x'/);
      assert.match(why, /BLUE/);
      assert.doesNotMatch(why, /was enum Color and is now enum Color/);
    });

    test('optional fields as unions with null: added with a null default, made optional; optional → required refused', () => {
      const opt = ['null', 'string'];
      migrated(one('int'), record('R', [{ name: 'x', type: 'int' }, { name: 'o', type: opt, default: null }]), { x: 1 }, { x: 1, o: null });
      migrated(one('string'), one(opt), { x: 'a' }, { x: 'a' });
      migrated(one(['null', 'int']), one(['null', 'long']), { x: 3 }, { x: 3 });
      migrated(one(['null', 'int']), one(['null', 'long']), { x: null }, { x: null });
      // Avro: every branch of a writer union must be readable; null is not an int.
      const required = reason(compat(one(['null', 'int']), one('int')));
      assert.match(required, /field 'x' was union \[null, int\] and is now int/);
      const narrowed = reason(compat(one(['null', 'int', 'string']), one(['null', 'int'])));
      assert.match(narrowed, /field 'x' was union \[null, int, string\] and is now union \[null, int\]/);
    });

    test("aliases: a field renamed (the reader field's alias names the old one), a record renamed (the record's alias)", () => {
      migrated(record('R', [{ name: 'old', type: 'int' }]), record('R', [{ name: 'renamed', type: 'int', aliases: ['old'] }]), { old: 4 }, { renamed: 4 });
      migrated(record('Old', [{ name: 'a', type: 'int' }]), record('New', [{ name: 'a', type: 'int' }], { aliases: ['Old'] }), { a: 4 }, { a: 4 });
      // Without the alias, a rename is a new field (refused without a default) or another record.
      assert.match(reason(compat(record('R', [{ name: 'old', type: 'int' }]), record('R', [{ name: 'renamed', type: 'int' }]))), /field 'renamed' is new and has no default/);
      assert.match(reason(compat(record('Old', [{ name: 'a', type: 'int' }]), record('New', [{ name: 'a', type: 'int' }]))), /Old.*New|New.*Old/);
    });

    test("names: a changed namespace still matches (Avro's SchemaCompatibility compares unqualified names), another name does not", () => {
      const ns = (namespace: string, name = 'Acct') => record(name, [{ name: 'a', type: 'int' }, { name: 'h', type: { type: 'fixed', name: 'Hash', size: 2 } }], { namespace });
      migrated(ns('com.old'), ns('com.new'), { a: 1, h: Buffer.from([1, 2]) }, { a: 1, h: Buffer.from([1, 2]) });
      // Nested named types and union branches are matched by their unqualified names too.
      const nested = (namespace: string, inner: unknown) => record('Outer', [{ name: 'x', type: ['null', inner] }], { namespace });
      const addr = { type: 'record', name: 'Address', fields: [{ name: 'zip', type: 'int' }] };
      migrated(nested('a', addr), nested('b', { ...addr, fields: [{ name: 'zip', type: 'long' }] }), { x: { zip: 5 } }, { x: { zip: 5 } });
      const color = (namespace: string) => one({ type: 'enum', name: 'Color', namespace, symbols: ['RED'] });
      migrated(color('p'), color('q'), { x: 'RED' }, { x: 'RED' });
      assert.match(reason(compat(ns('com.old'), ns('com.old', 'Account'))), /record com\.old\.Acct.*com\.old\.Account|com\.old\.Account.*com\.old\.Acct/);
    });

    test('nested records, map values and array items are resolved recursively', () => {
      const addr = (zip: string, more: unknown[] = []) => ({ type: 'record', name: 'Address', fields: [{ name: 'zip', type: zip }, ...more] });
      const w = record('Account', [{ name: 'home', type: addr('int') }, { name: 'tags', type: { type: 'array', items: 'int' } }, { name: 'm', type: { type: 'map', values: 'Address' } }]);
      const r = record('Account', [
        { name: 'home', type: addr('long', [{ name: 'city', type: 'string', default: '?' }]) },
        { name: 'tags', type: { type: 'array', items: 'double' } },
        { name: 'm', type: { type: 'map', values: 'Address' } },
      ]);
      migrated(w, r, { home: { zip: 1 }, tags: [1, 2], m: { a: { zip: 3 } } }, { home: { zip: 1, city: '?' }, tags: [1, 2], m: { a: { zip: 3, city: '?' } } });
      const bad = record('Account', [{ name: 'tags', type: { type: 'array', items: 'int' } }, { name: 'm', type: { type: 'map', values: addr('string') } }]);
      assert.match(reason(compat(w, bad)), /field 'm\{\}\.zip' was int and is now string/);
    });

    test('fixed: the same size reads; another size is refused naming both sizes', () => {
      const f = (size: number) => one({ type: 'fixed', name: 'Hash', size });
      assert.equal(compat(f(2), f(2)).type, 'COMPATIBLE_AS_IS');
      // A fixed in a record that gains a field: the bytes come through the migration.
      migrated(f(2), record('R', [{ name: 'x', type: { type: 'fixed', name: 'Hash', size: 2 } }, { name: 'y', type: 'int', default: 0 }]), { x: Buffer.from([1, 2]) }, { x: Buffer.from([1, 2]), y: 0 });
      const why = reason(compat(f(2), f(4)));
      assert.match(why, /field 'x' was fixed Hash \(2 bytes\) and is now fixed Hash \(4 bytes\)/);
    });

    test('a migrated state is checkpointed with the new schema: the next restore reads it as the writer', () => {
      const V1 = record('A', [{ name: 'id', type: 'string' }]);
      const V2 = record('A', [{ name: 'id', type: 'string' }, { name: 'email', type: 'string', default: 'none' }]);
      // V3 needs `email` without a default: it reads V2's data, never V1's.
      const V3 = record('A', [{ name: 'id', type: 'string' }, { name: 'email', type: 'string' }]);
      const b = createBackend(type);
      const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('a').setSerializer(AvroSerializer.of(V1)));
      for (let k = 0; k < 100; k++) {
        b.setCurrentKey(k);
        s.update({ id: `u${k}` });
      }
      const r1 = snapshotInto(b, type);
      const s1 = r1.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('a').setSerializer(AvroSerializer.of(V2)));
      r1.setCurrentKey(7);
      s1.update({ id: 'u7', email: 'seven@x' });
      const snap = r1.snapshot(2, { full: true });
      assert.deepEqual((snap.kinds.a!.serializer.config as Schema).fields, AvroSerializer.of(V2).snapshot().config && (AvroSerializer.of(V2).snapshot().config as Schema).fields);
      const r2 = restoreChain(createBackend(type), [{ blocks: finish(snap), snap }]);
      const s2 = r2.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('a').setSerializer(AvroSerializer.of(V3)));
      r2.setCurrentKey(7);
      assert.deepEqual(s2.value(), { id: 'u7', email: 'seven@x' });
      r2.setCurrentKey(8);
      assert.deepEqual(s2.value(), { id: 'u8', email: 'none' });
    });

    test('an incompatible restore names the state and the field, as a typed error', () => {
      const b = createBackend(type);
      const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(one('int'))));
      b.setCurrentKey('k');
      s.update({ x: 1 });
      const err = restoreError(snapshotInto(b, type), new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(one('boolean'))));
      assert.match(err.message, /^State 'acct' cannot be restored: its serializer is incompatible: .*field 'x' was int and is now boolean/);
      assert.equal(err.code, 'state.incompatible');
    });
  });

  describe(`Avro values the schema cannot hold are refused at the checkpoint, naming the state [${type}]`, () => {
    const checkpointError = (schema: Schema, value: unknown): Error => {
      const b = createBackend(type);
      const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(schema)));
      b.setCurrentKey('k');
      s.update(value);
      try {
        snapshotInto(b, type).getOrCreateState(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(schema)));
      } catch (err) {
        return err as Error;
      }
      const r = snapshotInto(b, type);
      const back = r.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(schema)));
      r.setCurrentKey('k');
      assert.fail(`accepted, and read back as ${JSON.stringify(back.value())}`);
    };

    test('a field the schema does not declare is refused, not dropped on the way through the snapshot', () => {
      const err = checkpointError(one('int'), { x: 1, extra: 'kept?' });
      assert.ok(err instanceof FlinkError, err.message);
      assert.match(err.message, /State 'acct'.*'extra'/);
    });

    test('a JS Map given for an Avro map is refused, not written as an empty map', () => {
      const err = checkpointError(one({ type: 'map', values: 'int' }), { x: new Map([['a', 1]]) });
      assert.ok(err instanceof FlinkError, err.message);
      assert.match(err.message, /State 'acct'.*field 'x'.*Map/);
    });

    test('a wrong value (1.5 for int, a bigint for long) names the state and the field', () => {
      const half = checkpointError(one('int'), { x: 1.5 });
      assert.ok(half instanceof FlinkError, half.message);
      assert.match(half.message, /State 'acct'.*field 'x' is 1\.5, which is not a valid int/);
      const big = checkpointError(one('long'), { x: 5n });
      assert.ok(big instanceof FlinkError, big.message);
      assert.match(big.message, /State 'acct'.*field 'x'.*long/);
    });
  });

  describe(`snapshot data is data: a bad or hostile Avro schema in a snapshot [${type}]`, () => {
    const withSchema = (config: unknown) => {
      const b = createBackend(type);
      const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(one('int'))));
      b.setCurrentKey('k');
      s.update({ x: 1 });
      return restoreEdited(b, type, (kinds) => ({ ...kinds, acct: { ...kinds.acct!, serializer: { name: 'avro', version: 1, config } } }));
    };

    test('an invalid schema is refused naming the state, and no code in its names runs', () => {
      const g = globalThis as Record<string, unknown>;
      g.SERIALIZER_PWNED = false;
      for (const config of [
        42,
        null,
        { type: 'record' },
        one('int', { name: "x'];globalThis.SERIALIZER_PWNED=true;//" }),
        record('R);globalThis.SERIALIZER_PWNED=true;(', [{ name: 'x', type: 'int' }]),
        { type: 'enum', name: 'E', symbols: ["a';globalThis.SERIALIZER_PWNED=true;//"] },
      ]) {
        const err = restoreError(withSchema(config), new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(one('int'))));
        assert.match(err.message, /^State 'acct' cannot be restored: .*Avro schema/, JSON.stringify(config));
      }
      assert.equal(g.SERIALIZER_PWNED, false);
    });

    test('a logical type in a snapshot schema is only a name: the values read as the underlying type', () => {
      const r = withSchema(one({ type: 'int', logicalType: 'date' }));
      const s = r.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('acct').setSerializer(AvroSerializer.of(one('int'))));
      r.setCurrentKey('k');
      assert.deepEqual(s.value(), { x: 1 });
    });
  });

  describe(`custom serializers [${type}]`, () => {
    /** Numbers as decimal strings, version 1, or as "v2:<n>" strings, version 2. */
    class Decimal extends DecimalSerializer {
      constructor(version: 1 | 2, name = 'test-decimal') {
        super(version, name);
      }
    }
    registerSerializer('test-decimal', (s) => new Decimal(s.version as 1 | 2) as TypeSerializer<unknown>);

    const write = (ser: Decimal) => {
      const b = createBackend(type);
      const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('n').setSerializer(ser as TypeSerializer<unknown>));
      for (let k = 0; k < 50; k++) {
        b.setCurrentKey(k);
        s.update(k * 1.5);
      }
      return b;
    };

    test('registered: restored as is and after migration (read with the old version, written with the new)', () => {
      const r = snapshotInto(write(new Decimal(1)), type);
      const s = r.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('n').setSerializer(new Decimal(2) as TypeSerializer<unknown>));
      r.setCurrentKey(3);
      assert.equal(s.value(), 4.5);
      const snap = r.snapshot(2, { full: true });
      assert.equal(snap.kinds.n!.serializer.version, 2);
      const r2 = restoreChain(createBackend(type), [{ blocks: finish(snap), snap }]);
      const s2 = r2.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('n').setSerializer(new Decimal(2) as TypeSerializer<unknown>));
      r2.setCurrentKey(49);
      assert.equal(s2.value(), 73.5);
    });

    test('a snapshot written by a serializer nobody registered is refused in one typed line naming the state and registerSerializer', () => {
      const r = snapshotInto(write(new Decimal(1, 'never-registered')), type);
      const err = restoreError(r, new ValueStateDescriptor('n').setSerializer(new Decimal(2, 'never-registered') as TypeSerializer<unknown>));
      assert.match(err.message, /^State 'n' cannot be restored: .*'never-registered'.*registerSerializer/);
    });
  });

  describe(`the default serializer (MessagePack) through a snapshot [${type}]`, () => {
    const through = (value: unknown): unknown => {
      const b = createBackend(type);
      const s = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('v'));
      b.setCurrentKey('k');
      s.update(value);
      const r = snapshotInto(b, type);
      const rs = r.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor('v'));
      r.setCurrentKey('k');
      return rs.value();
    };

    test('keeps what the README promises: JSON-like values, bigint, Date, Map, Set, typed arrays, undefined apart from null, NaN', () => {
      const v = {
        nested: [[1, [2, [3, []]]], { a: [null, true, 'é'] }],
        nothing: undefined,
        none: null,
        nan: NaN,
        inf: -Infinity,
        big: -(2n ** 70n),
        when: new Date(1234),
        m: new Map<unknown, unknown>([[1, 'one'], ['1', 'str'], [2n, new Set([1, '1'])]]),
        bytes: new Uint8Array([1, 2, 255]),
        f64: new Float64Array([0.5, -0, NaN]),
        i32: new Int32Array([-1, 2 ** 31 - 1]),
        big64: new BigInt64Array([-5n]),
        unsafe: 2 ** 53 + 2,
      };
      const back = through(v) as typeof v;
      assert.deepEqual(back, v);
      assert.equal('nothing' in back && back.nothing === undefined && back.none === null, true, 'undefined and null kept apart');
      assert.equal(Object.is(back.f64[1], -0), true, '-0 in a Float64Array');
      // (A top-level null is update(null), which clears the state, as in Flink.)
      assert.equal(Number.isNaN(through(NaN)), true, 'NaN');
      // A difference README states: a plain -0 comes back as 0 (Flink's DoubleSerializer keeps -0.0).
      assert.equal(Object.is(through(-0), 0), true, 'a plain -0 comes back as 0');
    });
  });

  describe(`MapState user keys with an Avro serializer [${type}]`, () => {
    test('the serializer applies to map values; user keys keep their type (stored by the default serializer)', () => {
      const b = createBackend(type);
      const m = b.getOrCreateState<MapState<unknown, unknown>>(new MapStateDescriptor('m').setSerializer(AvroSerializer.of(one('int'))));
      b.setCurrentKey('k');
      m.put(1, { x: 1 });
      m.put('1', { x: 2 });
      m.put(3n, { x: 3 });
      const r = snapshotInto(b, type);
      const rm = r.getOrCreateState<MapState<unknown, unknown>>(new MapStateDescriptor('m').setSerializer(AvroSerializer.of(one('long'))));
      r.setCurrentKey('k');
      assert.deepEqual([...rm.entries()].sort((a, c) => String(a[1] && (a[1] as { x: number }).x).localeCompare(String((c[1] as { x: number }).x))), [
        [1, { x: 1 }],
        ['1', { x: 2 }],
        [3n, { x: 3 }],
      ]);
    });
  });
}
