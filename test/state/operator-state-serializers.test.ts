/*
 * Operator state (list, union list, broadcast) through its serializers, on the cases of Flink's
 * StateBackendMigrationTestBase (operator list / union list / broadcast state migration, and
 * registration refused for an incompatible serializer): written with V1, snapshotted into a
 * state file, redistributed to the restoring job's subtasks as a restore does, and read with V2;
 * then snapshotted again and restored with V3, which reads V2's values but not V1's — so the
 * snapshot after a migration holds the new schema only. Also: elements of different writers
 * merged by a rescale, the format before operator state had serializers, and damaged writers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { repartitionOperatorLists } from '../../src/checkpoint/operator-state-repartitioner.js';
import {
  AvroSerializer,
  DefaultOperatorStateStore,
  ListStateDescriptor,
  MapStateDescriptor,
  type OperatorLists,
  decodeStateFile,
  encodeLists,
  encodeStateFile,
  readAsWritten,
  registerSerializer,
} from '../../src/state/index.js';
import { pack } from '../../src/util/binary-codec.js';
import { FlinkError, StateMigrationError, StateSerializationError } from '../../src/util/errors.js';
import { createBackend } from './backends.js';
import { DecimalSerializer } from './decimal-serializer.js';

type Schema = Record<string, unknown>;
type Acct = { a: number; b: number; c?: string };
const V1: Schema = { type: 'record', name: 'Acct', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }] };
// Reordered and promoted, with a field added: V1's bytes read as V2 without resolution would swap a and b.
const V2: Schema = { type: 'record', name: 'Acct', fields: [{ name: 'b', type: 'long' }, { name: 'a', type: 'int' }, { name: 'c', type: 'string', default: 'none' }] };
// `c` required: reads V2's values, refuses V1's.
const V3: Schema = { type: 'record', name: 'Acct', fields: [{ name: 'b', type: 'long' }, { name: 'a', type: 'int' }, { name: 'c', type: 'string' }] };
// `a` changed type: Avro cannot convert int to string.
const BAD: Schema = { type: 'record', name: 'Acct', fields: [{ name: 'a', type: 'string' }, { name: 'b', type: 'int' }] };

const avro = (schema: unknown) => AvroSerializer.of(schema as Schema);
const list = (schema?: Schema) => (schema ? new ListStateDescriptor<Acct>('accts').setSerializer(avro(schema)) : new ListStateDescriptor<Acct>('accts'));
const rules = (value?: unknown, key?: unknown) => {
  const d = new MapStateDescriptor<number, Acct>('rules');
  if (value !== undefined) d.setSerializer(avro(value));
  if (key !== undefined) d.setKeySerializer(avro(key));
  return d;
};
const migrated = (x: Acct) => ({ b: x.b, a: x.a, c: 'none' });

/** Each store's snapshot through a real state file (encoded and decoded), as the old subtasks' lists. */
function written(stores: readonly DefaultOperatorStateStore[]): OperatorLists[] {
  return stores.map((store, subtask) => {
    const chunks = encodeStateFile({ uid: 'op', subtask, kinds: {}, keyGroups: [], delta: false, lists: encodeLists(store.snapshot()) });
    const bytes = Buffer.concat(chunks);
    return decodeStateFile(bytes, { file: `op-${subtask}.state`, uid: 'op', subtask, keyGroupRange: undefined }).lists;
  });
}

/** `stores` snapshotted and restored into `parallelism` new subtasks. */
function restore(stores: readonly DefaultOperatorStateStore[], parallelism: number): DefaultOperatorStateStore[] {
  return repartitionOperatorLists(written(stores), parallelism).map((lists) => new DefaultOperatorStateStore(lists, true));
}

/** The typed one-line refusal `fn` throws. */
function refusal(fn: () => unknown): FlinkError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StateMigrationError, `a StateMigrationError, not ${String(err)}`);
    assert.doesNotMatch(err.message, /\n/);
    return err;
  }
  assert.fail('accepted');
}

describe('operator list and union list state migrate through their serializers', () => {
  for (const mode of ['split', 'union'] as const) {
    const get = (s: DefaultOperatorStateStore, schema?: Schema) => (mode === 'split' ? s.getListState(list(schema)) : s.getUnionListState(list(schema)));

    test(`${mode}: read with the new schema after a restore, then written with it (V3 reads the next snapshot)`, () => {
      const first = new DefaultOperatorStateStore();
      get(first, V1).addAll([{ a: 1, b: 13 }, { a: 2, b: 278 }]);
      const [second] = restore([first], 1);
      const state = get(second!, V2);
      assert.deepEqual(state.get(), [migrated({ a: 1, b: 13 }), migrated({ a: 2, b: 278 })]);
      state.add({ a: 3, b: 777, c: 'new' });
      const [third] = restore([second!], 1);
      assert.deepEqual(get(third!, V3).get(), [migrated({ a: 1, b: 13 }), migrated({ a: 2, b: 278 }), { b: 777, a: 3, c: 'new' }]);
      // V1's bytes, had they stayed, V3 would refuse: so would a restore of the first snapshot.
      assert.match(refusal(() => get(restore([first], 1)[0]!, V3)).message, /field 'c' is new and has no default/);
    });

    test(`${mode}: an incompatible serializer is refused in one typed line naming the state and the field, on every subtask`, () => {
      const first = new DefaultOperatorStateStore();
      get(first, V1).add({ a: 1, b: 2 });
      for (const s of restore([first], 3)) {
        const err = refusal(() => get(s, BAD));
        assert.match(err.message, /^State 'accts' cannot be restored: its serializer is incompatible: its Avro schema cannot read the values written with the old one: field 'a' was int and is now string/);
        assert.equal(err.code, 'state.incompatible');
      }
    });
  }

  test('union state at 2 → 3: every subtask gets every element of both writers, migrated', () => {
    const old = [0, 1].map((i) => {
      const s = new DefaultOperatorStateStore();
      s.getUnionListState(list(V1)).add({ a: i, b: 10 * i });
      return s;
    });
    for (const s of restore(old, 3)) assert.deepEqual(s.getUnionListState(list(V2)).get(), [migrated({ a: 0, b: 0 }), migrated({ a: 1, b: 10 })]);
  });

  test('switching between the default serializer and Avro is refused (a state keeps its serializer, as in Flink), also on an empty share', () => {
    const plain = new DefaultOperatorStateStore();
    plain.getListState(list()).add({ a: 1, b: 2 });
    for (const s of restore([plain], 2)) assert.match(refusal(() => s.getListState(list(V1))).message, /written with the default serializer \(MessagePack\) and is now registered with Avro/);
    const avroStore = new DefaultOperatorStateStore();
    avroStore.getListState(list(V1));
    // An empty list still records its writer.
    assert.match(refusal(() => restore([avroStore], 1)[0]!.getListState(list())).message, /written with the avro serializer and is now registered with the default one/);
  });

  test('a value its schema cannot hold fails the snapshot in one line naming the state', () => {
    const s = new DefaultOperatorStateStore();
    s.getListState(list(V1)).add({ a: 1, b: 2, extra: true } as Acct);
    assert.throws(
      () => s.snapshot(),
      (err: unknown) => err instanceof StateSerializationError && /^State 'accts' cannot be written into the checkpoint by its avro serializer: .*'extra'/.test(err.message),
    );
  });
});

describe('custom serializers of operator state', () => {
  registerSerializer('op-test-decimal', (s) => new DecimalSerializer(s.version, s.name));
  const numbers = (name: string, version: number) => new ListStateDescriptor<number>('n').setSerializer(new DecimalSerializer(version, name));

  test('registered: migrated from version 1 to 2; a writer nobody registered is refused in one typed line naming registerSerializer', () => {
    for (const [name, ok] of [['op-test-decimal', true], ['op-never-registered', false]] as const) {
      const first = new DefaultOperatorStateStore();
      first.getUnionListState(numbers(name, 1)).addAll([1.5, 3]);
      const [s] = restore([first], 1);
      if (ok) assert.deepEqual(s!.getUnionListState(numbers(name, 2)).get(), [1.5, 3]);
      else assert.match(refusal(() => s!.getUnionListState(numbers(name, 2))).message, /^State 'n' cannot be restored: .*'op-never-registered'.*registerSerializer/);
    }
  });
});

describe('list state written by different writers, merged by a rescale', () => {
  /**
   * Written with V1 at parallelism 2 (elements 0-3 and 4-7), restored at 2, where only subtask 0
   * registers V2 (a state registered lazily): subtask 1 writes its elements out as restored, by V1.
   */
  const mixed = (): DefaultOperatorStateStore[] => {
    const first = [0, 1].map((i) => {
      const s = new DefaultOperatorStateStore();
      s.getListState(list(V1)).addAll([0, 1, 2, 3].map((n) => ({ a: 4 * i + n, b: 100 + 4 * i + n })));
      return s;
    });
    const second = restore(first, 2);
    second[0]!.getListState(list(V2));
    const lists = written(second);
    assert.notDeepEqual(lists[0]!.get('accts')!.writers, lists[1]!.get('accts')!.writers, 'the two subtasks recorded different writers');
    return second;
  };
  const expected = Array.from({ length: 8 }, (_, n) => migrated({ a: n, b: 100 + n }));
  const readAll = (stores: DefaultOperatorStateStore[]) => stores.flatMap((s) => s.getListState(list(V2)).get());

  test('each element is read with its own writer at 2 → 1, 2 → 3 and 2 → 2, in order, none lost', () => {
    for (const p of [1, 3, 2]) assert.deepEqual(readAll(restore(mixed(), p)), expected, `at parallelism ${p}`);
  });

  test('scaled in, then checkpointed before the state is registered again: the next restore still reads every element', () => {
    const unregistered = restore(mixed(), 1);
    assert.deepEqual(readAll(restore(unregistered, 3)), expected);
  });

  test("an empty share checks every writer the state had: V3 (which cannot read V1) is refused on all of 10 subtasks, none holding only V2's elements accepts it", () => {
    const stores = restore(mixed(), 10);
    for (const s of stores) assert.match(refusal(() => s.getListState(list(V3))).message, /field 'c' is new and has no default/);
  });
});

describe('broadcast state migrates its keys and values through their serializers', () => {
  const entries = (s: DefaultOperatorStateStore, d: MapStateDescriptor<number, Acct>) => [...s.getBroadcastState(d).entries()].sort(([a], [b]) => a - b);

  test('values: read with the new schema on every subtask at any parallelism, written with it afterwards', () => {
    const first = new DefaultOperatorStateStore();
    const state = first.getBroadcastState(rules(V1));
    state.put(3, { a: 1, b: 13 });
    state.put(5, { a: 2, b: 278 });
    const restored = restore([first], 3);
    for (const s of restored) assert.deepEqual(entries(s, rules(V2)), [[3, migrated({ a: 1, b: 13 })], [5, migrated({ a: 2, b: 278 })]]);
    restored[0]!.getBroadcastState(rules(V2)).put(17, { a: 7, b: 777, c: 'new' });
    assert.deepEqual(entries(restore([restored[0]!], 1)[0]!, rules(V3)), [[3, migrated({ a: 1, b: 13 })], [5, migrated({ a: 2, b: 278 })], [17, { b: 777, a: 7, c: 'new' }]]);
  });

  test('keys: int keys read as double (the bytes of an Avro int are not those of a double: read with the writer schema)', () => {
    const first = new DefaultOperatorStateStore();
    first.getBroadcastState(rules(undefined, 'int')).putAll([[3, { a: 1, b: 1 }], [-70000, { a: 2, b: 2 }]]);
    const [s] = restore([first], 1);
    assert.deepEqual(entries(s!, rules(undefined, 'double')), [[-70000, { a: 2, b: 2 }], [3, { a: 1, b: 1 }]]);
    assert.equal(s!.getBroadcastState(rules(undefined, 'double')).get(3)!.a, 1, 'found by its key');
  });

  test('an incompatible key or value serializer is refused in one typed line naming the state', () => {
    const first = new DefaultOperatorStateStore();
    first.getBroadcastState(rules(V1, 'int')).put(1, { a: 1, b: 2 });
    assert.match(refusal(() => restore([first], 1)[0]!.getBroadcastState(rules(BAD, 'int'))).message, /^State 'rules' cannot be restored: its serializer is incompatible: .*field 'a' was int and is now string/);
    assert.match(refusal(() => restore([first], 1)[0]!.getBroadcastState(rules(V1, 'string'))).message, /^State 'rules' cannot be restored: its key serializer is incompatible: .*the value was int and is now string/);
    assert.match(refusal(() => restore([first], 1)[0]!.getBroadcastState(rules(V1))).message, /^State 'rules' cannot be restored: its key serializer is incompatible: it was written with the avro serializer/);
  });

  test('keys an upgraded key serializer reads back as objects (string → bytes) are refused: a Map would compare them by identity', () => {
    const first = new DefaultOperatorStateStore();
    first.getBroadcastState(new MapStateDescriptor<string, number>('rules').setKeySerializer(avro('string'))).put('k', 1);
    const [s] = restore([first], 1);
    assert.match(refusal(() => s!.getBroadcastState(new MapStateDescriptor<string, number>('rules').setKeySerializer(avro('bytes')))).message, /its key serializer reads a key as an object/);
  });

  test('the read-only view still refuses writes on restored, migrated state', () => {
    const first = new DefaultOperatorStateStore();
    first.getBroadcastState(rules(V1)).put(1, { a: 1, b: 2 });
    const state = restore([first], 1)[0]!.getBroadcastState(rules(V2));
    assert.deepEqual(state.readOnly.get(1), migrated({ a: 1, b: 2 }));
    assert.throws(() => (state.readOnly as unknown as { put(k: number, v: Acct): void }).put(2, { a: 0, b: 0 }), /read-only on the non-broadcast side/);
  });
});

describe('snapshots before operator state had serializers, and damaged ones', () => {
  test('MessagePack operator state is stored as before (no writers), and an old file restores as it did', () => {
    const s = new DefaultOperatorStateStore();
    s.getListState(list()).add({ a: 1, b: 2 });
    s.getBroadcastState(new MapStateDescriptor<string, number>('rules')).put('x', 7);
    const old = pack([['accts', 'split', [{ a: 1, b: 2 }]], ['rules', 'broadcast', [['x', 7]]]]);
    assert.deepEqual(encodeLists(s.snapshot()), old);
    const chunks = encodeStateFile({ uid: 'op', subtask: 0, kinds: {}, keyGroups: [], delta: false, lists: old });
    const lists = decodeStateFile(Buffer.concat(chunks), { file: 'f', uid: 'op', subtask: 0, keyGroupRange: undefined }).lists;
    const r = new DefaultOperatorStateStore(repartitionOperatorLists([lists], 2)[1]!, true);
    assert.deepEqual(r.getListState(list()).get(), []);
    assert.deepEqual([...r.getBroadcastState(new MapStateDescriptor<string, number>('rules')).entries()], [['x', 7]]);
  });

  const damaged: Array<[string, unknown[], RegExp]> = [
    ['an element that is not bytes', ['accts', 'split', [42], [[1, { value: { name: 'avro', version: 1, config: 'int' } }]]], /element 0 is not the bytes of its serializer/],
    ['counts that do not add up', ['accts', 'split', [new Uint8Array([2])], [[2, { value: { name: 'avro', version: 1, config: 'int' } }]]], /name more elements than it has/],
    ['a writer without a serializer', ['accts', 'split', [], [[0, { value: 'avro' }]]], /a writer has no serializer/],
    ['a key serializer on a list', ['accts', 'union', [], [[0, { value: { name: 'msgpack', version: 1 }, key: { name: 'avro', version: 1 } }]]], /malformed key serializer/],
    ['a broadcast key that is not bytes', ['rules', 'broadcast', [['k', 1]], [[1, { value: { name: 'msgpack', version: 1 }, key: { name: 'avro', version: 1, config: 'string' } }]]], /element 0 has a key that is not the bytes/],
  ];
  for (const [what, entry, message] of damaged) {
    test(`writers with ${what} are refused when the file is read, naming the state`, () => {
      const chunks = encodeStateFile({ uid: 'op', subtask: 0, kinds: {}, keyGroups: [], delta: false, lists: pack([entry]) });
      assert.throws(() => decodeStateFile(Buffer.concat(chunks), { file: 'f', uid: 'op', subtask: 0, keyGroupRange: undefined }), (err: Error) => {
        assert.match(err.message, new RegExp(`^its operator state '${String(entry[0])}' is malformed: `));
        assert.match(err.message, message);
        return true;
      });
    });
  }

  test('the State Processor API reads elements with the serializers that wrote them', () => {
    const s = new DefaultOperatorStateStore();
    s.getUnionListState(list(V1)).add({ a: 1, b: 2 });
    s.getBroadcastState(rules(V1, 'int')).put(4, { a: 3, b: 4 });
    const [lists] = written([s]);
    assert.deepEqual(readAsWritten(lists!.get('accts')!), [{ a: 1, b: 2 }]);
    assert.deepEqual(readAsWritten(lists!.get('rules')!), [[4, { a: 3, b: 4 }]]);
  });
});
