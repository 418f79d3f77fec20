/*
 * The key-type fence of a restored MapState's user keys. Flink refuses a restore whose MapState
 * key serializer changed (StateBackendMigrationTestBase#testStateBackendRestoreFailsIfNewMapStateKeySerializerIs…);
 * user keys have no serializer here, so each snapshot records the kinds of every map state's user
 * keys, and a restored map refuses an access by a user key of a kind it never held (`'7'` restored,
 * `7` now), which would find none of its entries. Both backends, full and incremental snapshots,
 * with TTL and per window; what must not fail (mixed kinds, null, an older snapshot, a map whose
 * share held one kind of an operator that held both); and what the state files record.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KeyGroupRange,
  type KeyedStateBackend,
  type MapState,
  MapStateDescriptor,
  NO_LISTS,
  StateTtlConfig,
  type UserKeyKindRecord,
  ValueStateDescriptor,
  type ValueState,
  decodeStateFile,
  encodeStateFile,
  userKeyKindsOfFiles,
} from '../../src/state/index.js';
import { pack } from '../../src/util/binary-codec.js';
import { KeyTypeChangedError } from '../../src/util/errors.js';
import { Time } from '../../src/util/time.js';
import { unrecoverableCause } from '../../src/cluster/failure-classification.js';
import { BACKENDS, createBackend, finish, restoreChain } from './backends.js';

const tags = (ttl = false) => {
  const d = new MapStateDescriptor<unknown, number>('tags');
  if (ttl) d.enableTimeToLive(StateTtlConfig.newBuilder(Time.hours(1)).build());
  return d;
};

/** Error message of a map 'tags' that held strings, used with a number user key. */
const stringsThenNumber = /MapState 'tags' of operator uid 'test-op' restored user keys that are strings \(e\.g\. "7"\), but is now used with a user key that is a number \(7\): .*Keep its user keys strings, or register the map under a new state name/;

for (const type of BACKENDS) {
  for (const incremental of [false, true]) {
    describe(`a restored MapState refuses user keys of another type [${type}${incremental ? ', incremental' : ''}]`, () => {
      /**
       * Puts `userKeys` into map 'tags' of key 'k' (the first in a first checkpoint, the rest in a
       * second: a delta when incremental), restores into a fresh backend with what the files record.
       */
      function restored(userKeys: readonly unknown[], ttl = false, record = true): KeyedStateBackend {
        const b = createBackend(type, { incremental });
        const m = b.getOrCreateState<MapState<unknown, number>>(tags(ttl));
        b.setCurrentKey('k');
        m.put(userKeys[0], 0);
        const s1 = b.snapshot(1);
        const c1 = { blocks: finish(s1), snap: s1 };
        if (s1.form.kind !== 'self-contained') s1.written({ file: 'f1', size: 1, checksum: '' });
        b.notifyCheckpointComplete(1);
        b.setCurrentKey('k');
        userKeys.slice(1).forEach((u, i) => m.put(u, i + 1));
        const s2 = b.snapshot(2, { full: false, latestCompleted: 1 });
        const c2 = { blocks: finish(s2), snap: s2 };
        if (incremental) assert.equal(s2.isDelta, true);
        const r = restoreChain(createBackend(type, { incremental }), incremental ? [c1, c2] : [c2]);
        r.restoredKeyKinds('test-op', record ? { keyKinds: s2.keyKinds, userKeyKinds: s2.userKeyKinds } : { keyKinds: s2.keyKinds });
        r.setCurrentKey('k');
        return r;
      }

      for (const ttl of [false, true]) {
        test(`strings restored, a number now: every access by key refused in one line naming the state; the map unchanged${ttl ? ' [TTL]' : ''}`, () => {
          const r = restored(['7', '8'], ttl);
          const m = r.getOrCreateState<MapState<unknown, number>>(tags(ttl));
          assert.equal(m.get('7'), 0, 'the restored entry is found under its own key');
          for (const use of [() => m.get(7), () => m.put(7, 1), () => m.putAll([['9', 2], [7, 1]]), () => m.contains(7), () => m.remove(7)]) {
            assert.throws(use, (e: unknown) => e instanceof KeyTypeChangedError && e.code === 'state.keyTypeChanged' && stringsThenNumber.test(e.message) && !e.message.includes('\n'));
          }
          try {
            m.get(7);
          } catch (e) {
            assert.equal(unrecoverableCause(e), e, 'no restart can fix it');
          }
          assert.deepEqual([...m.keys()].sort(), ['7', '8']);
        });
      }

      test('numbers → bigints and booleans → strings are refused too; kinds held, null, and iteration pass', () => {
        assert.throws(() => restored([1, 2.5]).getOrCreateState<MapState<unknown, number>>(tags()).put(1n, 1), /user keys that are numbers \(e\.g\. 1\), but is now used with a user key that is a bigint \(1n\)/);
        assert.throws(() => restored([true]).getOrCreateState<MapState<unknown, number>>(tags()).get('true'), /user keys that are booleans \(e\.g\. true\), but is now used with a user key that is a string \("true"\)/);
        const m = restored(['a', 1]).getOrCreateState<MapState<unknown, number>>(tags());
        m.put(2, 2);
        m.put('b', 3);
        m.put(null, 4);
        assert.equal(m.get(null), 4);
        assert.equal([...m.entries()].length, 5);
      });

      test('an older snapshot (no user-key record) is not checked; a map restored without user keys, nor a new one', () => {
        restored(['7'], false, false).getOrCreateState<MapState<unknown, number>>(tags()).put(7, 1);
        const r = restored(['7']);
        r.getOrCreateState<MapState<unknown, number>>(new MapStateDescriptor<unknown, number>('new')).put(7, 1);
      });
    });
  }

  describe(`map states' user keys across subtasks and windows [${type}]`, () => {
    test("a subtask whose share held strings only accepts numbers when the operator's maps held both", () => {
      const b = createBackend(type);
      const m = b.getOrCreateState<MapState<unknown, number>>(tags());
      b.setCurrentKey('k');
      m.put('7', 1);
      const s = b.snapshot(1, { full: true });
      const blocks = finish(s);
      const both = restoreChain(createBackend(type), [{ blocks, snap: s }]);
      both.restoredKeyKinds('test-op', { keyKinds: s.keyKinds, userKeyKinds: { tags: [['number', 3]] } });
      both.setCurrentKey('k');
      both.getOrCreateState<MapState<unknown, number>>(tags()).put(7, 2);
      const only = restoreChain(createBackend(type), [{ blocks, snap: s }]);
      only.restoredKeyKinds('test-op', { keyKinds: s.keyKinds, userKeyKinds: s.userKeyKinds });
      only.setCurrentKey('k');
      assert.throws(() => only.getOrCreateState<MapState<unknown, number>>(tags()).put(7, 2), stringsThenNumber);
    });

    test('a per-window map records and checks its user keys like a map of the key', () => {
      const b = createBackend(type);
      const windows = b.getOrCreateNamespacedState<MapState<unknown, number>>(tags());
      b.setCurrentKey('k');
      windows.setCurrentNamespace(1000);
      windows.state.put('7', 1);
      const s = b.snapshot(1, { full: true });
      const blocks = finish(s);
      assert.deepEqual(s.userKeyKinds, { tags: [['string', '7']] });
      const r = restoreChain(createBackend(type), [{ blocks, snap: s }]);
      r.restoredKeyKinds('test-op', { keyKinds: s.keyKinds, userKeyKinds: s.userKeyKinds });
      r.setCurrentKey('k');
      const m = r.getOrCreateNamespacedState<MapState<unknown, number>>(tags());
      m.setCurrentNamespace(2000);
      assert.throws(() => m.state.get(7), stringsThenNumber);
    });

    test('what a snapshot records: the user-key kinds of each map with user keys (values of other states are not keys); a delta those of its chain', () => {
      const b = createBackend(type, { incremental: true });
      const m = b.getOrCreateState<MapState<unknown, number>>(tags());
      const v = b.getOrCreateState<ValueState<unknown>>(new ValueStateDescriptor<unknown>('v'));
      b.getOrCreateState<MapState<unknown, number>>(new MapStateDescriptor<unknown, number>('empty'));
      b.setCurrentKey('k');
      m.put('a', 1);
      v.update(new Map([[1, 1]]));
      const s1 = b.snapshot(1);
      const c1 = { blocks: finish(s1), snap: s1 };
      assert.deepEqual(s1.userKeyKinds, { tags: [['string', 'a']] });
      s1.written({ file: 'f1', size: 1, checksum: '' });
      b.notifyCheckpointComplete(1);
      b.setCurrentKey('j');
      m.put(1n, 2);
      const s2 = b.snapshot(2, { full: false, latestCompleted: 1 });
      const c2 = { blocks: finish(s2), snap: s2 };
      assert.equal(s2.isDelta, true);
      assert.deepEqual(s2.userKeyKinds, { tags: [['string', 'a'], ['bigint', 1n]] }, "the delta holds key 'j' only, the chain 'k' too");
      // Restored from the chain, a backend's next delta still records both.
      const r = restoreChain(createBackend(type, { incremental: true }), [c1, c2]);
      const s3 = r.snapshot(3, { full: false });
      finish(s3);
      assert.deepEqual(s3.userKeyKinds, { tags: [['string', 'a'], ['bigint', 1n]] });
    });
  });
}

const source = { file: 'op-count-0.state', uid: 'count', subtask: 0, keyGroupRange: new KeyGroupRange(0, 127) };

describe('user-key types in state files', () => {
  const parts = { uid: 'count', subtask: 0, kinds: {}, keyGroups: [[1, pack({})]] as Array<[number, Uint8Array]>, delta: false, lists: NO_LISTS, keyKinds: [] };

  test('recorded in the header and read back; older files have none', () => {
    const userKeyKinds: UserKeyKindRecord = { tags: [['string', '[a'], ['bigint', 1n]], empty: [] };
    assert.deepEqual(decodeStateFile(Buffer.concat(encodeStateFile({ ...parts, userKeyKinds })), source).userKeyKinds, userKeyKinds);
    assert.equal(decodeStateFile(Buffer.concat(encodeStateFile(parts)), source).userKeyKinds, undefined);
  });

  test('a malformed record is refused, naming the state', () => {
    const file = (userKeyKinds: unknown) => {
      const head = pack({ format: 3, uid: 'count', subtask: 0, kinds: {}, keyGroupIndex: [], lists: NO_LISTS, userKeyKinds });
      const out = new Uint8Array(4 + head.byteLength);
      new DataView(out.buffer).setUint32(0, head.byteLength);
      out.set(head, 4);
      return out;
    };
    const cases: Array<[unknown, RegExp]> = [
      [[['string', 'a']], /its user key types are malformed/],
      [{ tags: 'string' }, /its user key types are not a list \(state 'tags'\)/],
      [{ tags: [['array', '[1]']] }, /its example user key of type array is not one \(state 'tags'\)/],
      [{ tags: [['number', '7']] }, /its example user key of type number is not one/],
    ];
    for (const [record, message] of cases) assert.throws(() => decodeStateFile(file(record), source), message, JSON.stringify(record));
  });

  test("an operator's files together: the union per map, or none if a file with key groups has no record", () => {
    const f = (userKeyKinds?: UserKeyKindRecord) => ({
      kinds: {},
      lists: new Map(),
      legacyTimers: [],
      keyGroups: [{ keyGroup: 1, bytes: new Uint8Array(), delta: false, source: { operator: 'count', file: 'x' } }],
      ...(userKeyKinds ? { userKeyKinds } : {}),
    });
    assert.deepEqual(userKeyKindsOfFiles([f({ tags: [['number', 1]] }), f({ tags: [['string', 'a']], other: [['boolean', true]] }), f({})]), {
      tags: [['number', 1], ['string', 'a']],
      other: [['boolean', true]],
    });
    assert.equal(userKeyKindsOfFiles([f({ tags: [['number', 1]] }), f()]), undefined);
  });
});
