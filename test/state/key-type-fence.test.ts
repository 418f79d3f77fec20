/*
 * The key-type fence of a restored keyed backend (Flink's StateBackendMigrationTestBase
 * #testStateBackendRestoreFailsIfNewKeySerializerRequiresMigration / …IsIncompatible: a restore
 * whose key serializer changed is refused). Keys have no serializer here, so the kinds of the
 * keys a snapshot recorded stand for it: every batch of records after the restore must bring
 * only keys of kinds the operator's state held. Both backends, full and incremental snapshots;
 * and the cases that must not fail: mixed kinds before and after, a fresh backend, a snapshot
 * that held no key, ints vs other numbers, a key and the string of its canonical form. Then what the state files record — full and incremental
 * (a delta: the kinds of its whole chain) — how a header's record is read and refused when
 * malformed, and how a restored subtask uses the whole operator's kinds, so that a job whose
 * keys mix types is not refused on a subtask whose own share held one type only.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvroSerializer,
  KeyGroupRange,
  type KeyedStateBackend,
  NO_LISTS,
  type ValueState,
  ValueStateDescriptor,
  decodeStateFile,
  encodeStateFile,
  keyKindsOfFiles,
} from '../../src/state/index.js';
import { KIND_BITS, allowedKeyBits, keyBit, keyKind, kindBit, kindBitsOf, storedKeyKind } from '../../src/state/key-kinds.js';
import { pack } from '../../src/util/binary-codec.js';
import { KeyTypeChangedError, SnapshotRestoreError, StateMigrationError } from '../../src/util/errors.js';
import { unrecoverableCause } from '../../src/cluster/failure-classification.js';
import { BACKENDS, createBackend, finish, restoreChain, toBlock } from './backends.js';

const count = () => new ValueStateDescriptor<number>('count', 0);

function write(b: KeyedStateBackend, keys: readonly unknown[]): void {
  const s = b.getOrCreateState<ValueState<number>>(count());
  for (const k of keys) {
    b.setCurrentKey(k);
    s.update((s.value() ?? 0) + 1);
  }
}

/** The first batch of records after a restore, as a task hands it over. */
const batch = (b: KeyedStateBackend, keys: readonly unknown[]) => b.prefetch(keys);

describe('kinds of keys', () => {
  test('what the hash and identity tell apart, ints and other numbers alike; composites by their stored form', () => {
    assert.deepEqual([7, 7.5, -0, '7', 7n, true, ['7'], { id: '7' }].map(keyKind), ['number', 'number', 'number', 'string', 'bigint', 'boolean', 'array', 'object']);
    // A batch's kinds at once, without canonicalising composites: the same as keyKind's, key by key.
    class Point {
      constructor(readonly x: number) {}
    }
    const keys: unknown[] = [7, 7.5, '7', '', 7n, false, ['7'], { id: '7' }, new Point(1), new Date(0), new Map(), Object.assign([1], { toJSON: () => 'x' }), { toJSON: () => [1] }];
    for (const k of keys) assert.equal(keyBit(k), kindBit(keyKind(k)), String(k));
    assert.equal(kindBitsOf(keys), keys.reduce<number>((bits, k) => bits | kindBit(keyKind(k)), 0));
    // A string in a composite's stored form is told apart: it passes where strings or such composites were held.
    for (const [k, composite] of [['[1]', 'array'], ['{"a":1}', 'object']] as const) {
      assert.equal(keyKind(k), composite);
      assert.equal(kindBitsOf([k]), KIND_BITS.string, 'coarsely a string');
      assert.equal(keyBit(k) & ~allowedKeyBits(KIND_BITS.string), 0, `${k} where strings were held`);
      assert.equal(keyBit(k) & ~allowedKeyBits(KIND_BITS[composite]), 0, `${k} where ${composite}s were held`);
      assert.notEqual(keyBit(k) & ~allowedKeyBits(KIND_BITS.number), 0, `${k} where numbers were held`);
    }
    // A composite and the string of its canonical form are one key (same hash, same stored key).
    assert.equal(keyKind(['7']), keyKind('["7"]'));
    assert.equal(storedKeyKind(null), undefined);
    assert.equal(storedKeyKind(new Uint8Array(1)), undefined);
  });
});

for (const type of BACKENDS) {
  for (const incremental of [false, true]) {
    describe(`a restored backend refuses records keyed by another type [${type}${incremental ? ', incremental' : ''}]`, () => {
      /** Writes `before` keys, snapshots (a chain of two when incremental), restores into a fresh backend. */
      function restored(before: readonly unknown[], range?: KeyGroupRange): KeyedStateBackend {
        const b = createBackend(type, { incremental });
        write(b, before.slice(0, 1));
        const s1 = b.snapshot(1);
        const c1 = { blocks: finish(s1), snap: s1 };
        if (s1.form.kind !== 'self-contained') s1.written({ file: 'f1', size: 1, checksum: '' });
        b.notifyCheckpointComplete(1);
        write(b, before.slice(1));
        const s2 = b.snapshot(2, { full: false, latestCompleted: 1 });
        const c2 = { blocks: finish(s2), snap: s2 };
        if (incremental) assert.equal(s2.isDelta, true);
        const r = restoreChain(createBackend(type, { incremental, ...(range ? { range } : {}) }), incremental ? [c1, c2] : [c2]);
        // The operator's kinds as its state files recorded them (one subtask here: the last file's).
        r.restoredKeyKinds('test-op', { keyKinds: s2.keyKinds });
        return r;
      }

      test("string keys restored, number keys now: KeyTypeChangedError naming the operator, both kinds, examples and what to do; unrecoverable", () => {
        const r = restored(['7', '8', '9']);
        r.getOrCreateState(count());
        const err = (() => {
          try {
            batch(r, [7, 8]);
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        assert.ok(err instanceof KeyTypeChangedError, String(err));
        assert.equal(err.code, 'state.keyTypeChanged');
        assert.match(err.message, /^Operator uid 'test-op' restored state keyed by strings \(e\.g\. "[789]"\), but the job's keyBy now returns numbers \(e\.g\. 7\)/);
        assert.match(err.message, /Change keyBy back to return strings, or start the operator fresh: give it a new uid and restore with --allow-non-restored-state/);
        assert.ok(!err.message.includes('\n'));
        assert.equal(unrecoverableCause(err), err, 'no restart can fix it, as a state migration refusal');
      });

      test('number → string, bigint → number, string → composite, array → object are refused too', () => {
        const cases: Array<[unknown[], unknown[], RegExp]> = [
          [[1, 2.5], ['1'], /keyed by numbers \(e\.g\. 1\).*returns strings \(e\.g\. "1"\)/],
          [[1n], [1], /keyed by bigints \(e\.g\. 1n\).*returns numbers/],
          [['a'], [['a', 'eu']], /keyed by strings.*returns arrays \(e\.g\. \["a","eu"\]\)/],
          [[['a', 1]], [{ id: 'a', n: 1 }], /keyed by arrays.*returns objects \(e\.g\. \{"id":"a","n":1\}\)/],
          [[true], ['true'], /keyed by booleans \(e\.g\. true\).*returns strings/],
        ];
        for (const [before, now, message] of cases) {
          const r = restored(before);
          assert.throws(() => batch(r, now), (e: unknown) => e instanceof KeyTypeChangedError && message.test(e.message), `${String(before)} → ${String(now)}`);
        }
      });

      test('the same kind again passes, ints and non-ints are both numbers; every batch is checked, not only the first', () => {
        const r = restored([1, 2, 3]);
        batch(r, [2.5, 4]);
        batch(r, [5]);
        r.setCurrentKey(2);
        assert.equal(r.getOrCreateState<ValueState<number>>(count()).value(), 1, 'the restored state is found under the same key');
        // Keys of the old type first, of a new type later: the later batch is refused, wherever the key stands in it.
        assert.throws(() => batch(r, [6, 7, 'x']), /keyed by numbers \(e\.g\. 1\), but the job's keyBy now returns strings \(e\.g\. "x"\)/);
        assert.throws(() => batch(r, [[1, 'x']]), /now returns arrays \(e\.g\. \[1,"x"\]\)/);
      });

      test('a snapshot that held both kinds accepts either, batch after batch; a key of a held kind does not let a key of another through', () => {
        const r = restored(['a', 1]);
        for (const keys of [[2], ['b'], [3, 'c', 4], ['d', 5]]) batch(r, keys);
        assert.throws(() => batch(restored(['a', 'b']), ['c', 1]), /keyed by strings \(e\.g\. "a"\), but the job's keyBy now returns numbers \(e\.g\. 1\)/);
      });

      test('a key and the string of its canonical form are one key: no alarm, and its state is found; a string key that starts like JSON is a string', () => {
        batch(restored(['a', 'b']), ['[not json', '{x}']);
        assert.throws(() => batch(restored([['a', 1]]), ['a']), /keyed by arrays \(e\.g\. \["a",1\]\), but the job's keyBy now returns strings \(e\.g\. "a"\)/);
        const r = restored([['a', 1]]);
        batch(r, ['["a",1]']);
        r.setCurrentKey('["a",1]');
        assert.equal(r.getOrCreateState<ValueState<number>>(count()).value(), 1);
      });

      test("a fresh backend and an operator that held no key check nothing; a restored share without keys checks against the operator's kinds", () => {
        batch(createBackend(type, { incremental }), [1]);
        const none = createBackend(type, { incremental });
        none.restoredKeyKinds('test-op', { keyKinds: [] });
        batch(none, [1, 'a']);
        // Keys 'a'…'c' restored into a subtask owning one key group none of them falls in.
        const probe = createBackend(type);
        const groups = new Set(['a', 'b', 'c'].map((k) => (probe.setCurrentKey(k), probe.currentKeyGroup)));
        const empty = [...Array(128).keys()].find((kg) => !groups.has(kg))!;
        const share = restored(['a', 'b', 'c'], new KeyGroupRange(empty, empty));
        batch(share, ['x']);
        assert.throws(() => batch(share, [1]), /Operator uid 'test-op' restored state keyed by strings \(e\.g\. "[abc]"\), but the job's keyBy now returns numbers/);
      });

      test('timers and window state count as restored keys', () => {
        const b = createBackend(type, { incremental });
        const windows = b.getOrCreateNamespacedState<ValueState<number>>(new ValueStateDescriptor<number>('window-contents', 0));
        b.setCurrentKey('k');
        windows.setCurrentNamespace(1000);
        windows.state.update(3);
        const snap = b.snapshot(1, { full: true });
        const r = restoreChain(createBackend(type, { incremental }), [{ blocks: finish(snap), snap }]);
        assert.deepEqual(snap.keyKinds, [['string', 'k']]);
        r.restoredKeyKinds('test-op', { keyKinds: snap.keyKinds });
        assert.throws(() => batch(r, [1]), KeyTypeChangedError);
      });
    });
  }

  describe(`restored keys are data [${type}]`, () => {
    test('a key no key is stored as: SnapshotRestoreError naming the operator, file and key group', () => {
      const b = createBackend(type);
      const kinds = { count: { kind: 'value' as const, ttl: false, serializer: { name: 'msgpack', version: 1 } } };
      assert.throws(
        () => b.restoreKeyGroup(toBlock(3, pack({ count: [[null, 1]] })), kinds),
        (e: unknown) => e instanceof SnapshotRestoreError && /operator 'test-op': key group 3 in test\.state holds a key of type null/.test(e.message),
      );
    });
  });

  describe(`a state registered twice with another serializer [${type}]`, () => {
    const schema = (t: string) => AvroSerializer.of({ type: 'record', name: 'C', fields: [{ name: 'n', type: t }] });
    test('the same serializer (or an equal one) gets the same state; one that cannot read its values as they are is refused', () => {
      const b = createBackend(type);
      const first = b.getOrCreateState(count());
      assert.equal(b.getOrCreateState(count()), first);
      const avro = b.getOrCreateState(new ValueStateDescriptor('c').setSerializer(schema('int')));
      assert.equal(b.getOrCreateState(new ValueStateDescriptor('c').setSerializer(schema('int'))), avro);
      assert.throws(
        () => b.getOrCreateState(new ValueStateDescriptor('c').setSerializer(schema('string'))),
        (e: unknown) => e instanceof StateMigrationError && /State 'c' is already registered with the avro serializer/.test(e.message),
      );
      assert.throws(() => b.getOrCreateState(new ValueStateDescriptor('count').setSerializer(schema('int'))), StateMigrationError);
    });
  });
}

/** A state file of the given header fields, as bytes. */
function file(header: Record<string, unknown>): Uint8Array {
  const head = pack({ format: 3, uid: 'count', subtask: 0, kinds: {}, keyGroupIndex: [], lists: NO_LISTS, ...header });
  const out = new Uint8Array(4 + head.byteLength);
  new DataView(out.buffer).setUint32(0, head.byteLength);
  out.set(head, 4);
  return out;
}
const source = { file: 'op-count-0.state', uid: 'count', subtask: 0, keyGroupRange: new KeyGroupRange(0, 127) };

describe('key types in state files', () => {
  test('recorded in the header and read back; a file without key groups records none', () => {
    const parts = { uid: 'count', subtask: 0, kinds: {}, keyGroups: [[1, pack({})]] as Array<[number, Uint8Array]>, delta: false, lists: NO_LISTS };
    const bytes = Buffer.concat(encodeStateFile({ ...parts, keyKinds: [['string', 'a'], ['array', '["a",1]']] }));
    assert.deepEqual(decodeStateFile(bytes, source).keyKinds, [['string', 'a'], ['array', '["a",1]']]);
    assert.equal(decodeStateFile(Buffer.concat(encodeStateFile({ ...parts, keyGroups: [], keyKinds: [] })), source).keyKinds, undefined);
    assert.equal(decodeStateFile(Buffer.concat(encodeStateFile(parts)), source).keyKinds, undefined, 'older files have none');
  });

  test('a malformed record is refused, saying what is wrong', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['number', /its key types are not a list/],
      [[['float', 1]], /its key types are malformed/],
      [[['number']], /its key types are malformed/],
      [[['number', '7']], /its example key of type number is not one/],
      [[['array', 'a']], /its example key of type array is not one/],
    ];
    for (const [keyKinds, message] of cases) assert.throws(() => decodeStateFile(file({ keyKinds }), source), message, JSON.stringify(keyKinds));
  });

  test('the kinds of several files together: their union, or none if a file with key groups has no record', () => {
    const f = (keyKinds?: Array<[string, unknown]>, keyed = true) => ({
      kinds: {},
      lists: new Map(),
      legacyTimers: [],
      keyGroups: keyed ? [{ keyGroup: 1, bytes: new Uint8Array(), delta: false, source: { operator: 'count', file: 'x' } }] : [],
      ...(keyKinds ? { keyKinds: keyKinds as never } : {}),
    });
    assert.deepEqual(keyKindsOfFiles([f([['number', 1]]), f([['string', 'a'], ['number', 2]]), f(undefined, false)]), [['number', 1], ['string', 'a']]);
    assert.equal(keyKindsOfFiles([f([['number', 1]]), f()]), undefined);
  });
});

for (const type of BACKENDS) {
  describe(`what a snapshot records, and the operator's kinds at restore [${type}]`, () => {
    test('a full snapshot records the kinds of the keys it holds, composites by their stored form', () => {
      const b = createBackend(type);
      write(b, [1, 2.5, 'a', ['a', 1], { id: 'x' }]);
      const s = b.snapshot(1, { full: true });
      finish(s);
      assert.deepEqual(new Set(s.keyKinds.map(([k]) => k)), new Set(['number', 'string', 'array', 'object']));
    });

    test('an incremental delta records the kinds of the whole chain, restored ones too', () => {
      const b = createBackend(type, { incremental: true });
      write(b, ['a']);
      const s1 = b.snapshot(1);
      const c1 = { blocks: finish(s1), snap: s1 };
      s1.written({ file: 'f1', size: 1, checksum: '' });
      b.notifyCheckpointComplete(1);
      write(b, [1]);
      const s2 = b.snapshot(2, { full: false, latestCompleted: 1 });
      const c2 = { blocks: finish(s2), snap: s2 };
      assert.equal(s2.isDelta, true);
      assert.deepEqual(s2.keyKinds.map(([k]) => k), ['string', 'number'], "the delta holds key 1 only, the chain 'a' too");
      // Restored from the chain, a backend's next delta still records both.
      const r = restoreChain(createBackend(type, { incremental: true }), [c1, c2]);
      const s3 = r.snapshot(3, { full: false });
      finish(s3);
      assert.deepEqual(s3.keyKinds.map(([k]) => k), ['string', 'number']);
    });

    test("a subtask whose share held strings only accepts numbers when the operator's snapshot held both; a snapshot without the record is not checked", () => {
      const shareOfStrings = () => {
        const b = createBackend(type);
        write(b, ['a', 'b']);
        const s = b.snapshot(1, { full: true });
        return restoreChain(createBackend(type), [{ blocks: finish(s), snap: s }]);
      };
      const recorded = shareOfStrings();
      recorded.restoredKeyKinds('test-op', { keyKinds: [['string', 'a'], ['number', 7]] });
      batch(recorded, [7]);
      const older = shareOfStrings();
      older.restoredKeyKinds('test-op', {});
      batch(older, [7]);
      const changed = shareOfStrings();
      changed.restoredKeyKinds('test-op', { keyKinds: [['string', 'a']] });
      assert.throws(() => batch(changed, [7]), /keyed by strings \(e\.g\. "a"\), but the job's keyBy now returns numbers/);
    });
  });
}
