/*
 * A keyed MapState's user keys through its descriptor's key serializer (Flink's
 * MapStateDescriptor key serializer), on every backend: snapshots (full and incremental) hold
 * the keys as the serializer's bytes and record it; a restore reads them with the writer's
 * schema (migrating, as StateBackendMigrationTestBase#testKeyedMapStateUpgrade migrates map
 * state) or refuses an incompatible serializer in one line; rescaling, TTL and per-window state
 * keep working; snapshots without a key serializer are stored, and restore, exactly as before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AvroSerializer,
  KeyGroupRange,
  type KeyedStateBackend,
  type MapState,
  MapStateDescriptor,
  StateTtlConfig,
  decodeKeyGroupBlock,
} from '../../src/state/index.js';
import { FlinkError, KeyTypeChangedError, StateMigrationError, StateSerializationError } from '../../src/util/errors.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, createBackend, finish, restoreChain, snapshotInto, toBlock } from './backends.js';

const avro = (schema: string) => AvroSerializer.of(schema);
/** Map 'm' with user keys through `keys` (an Avro primitive schema), values by MessagePack. */
const desc = (keys?: string, o: { ttl?: boolean; values?: string } = {}) => {
  const d = new MapStateDescriptor<unknown, unknown>('m');
  if (keys !== undefined) d.setKeySerializer(avro(keys));
  if (o.values !== undefined) d.setSerializer(avro(o.values));
  if (o.ttl) d.enableTimeToLive(StateTtlConfig.newBuilder(Time.hours(1)).build());
  return d;
};

/** The user keys of map 'm' as key group blocks of `blocks` hold them. */
function storedUserKeys(blocks: Array<[number, Uint8Array]>, delta = false): unknown[] {
  const out: unknown[] = [];
  for (const [kg, bytes] of blocks) for (const [, v] of decodeKeyGroupBlock(toBlock(kg, bytes, delta)).puts['m'] ?? []) out.push(...(v as Map<unknown, unknown>).keys());
  return out;
}

function oneLine(e: unknown, pattern: RegExp): boolean {
  return e instanceof FlinkError && pattern.test(e.message) && !e.message.includes('\n');
}

for (const type of BACKENDS) {
  describe(`keyed MapState with a key serializer [${type}]`, () => {
    /** A backend with map 'm' (`d`) holding user keys `keys` → their index under keys 'a' and 'b'. */
    function written(d: MapStateDescriptor<unknown, unknown>, keys: readonly unknown[], o: { incremental?: boolean } = {}): KeyedStateBackend {
      const b = createBackend(type, o);
      const m = b.getOrCreateState<MapState<unknown, unknown>>(d);
      for (const k of ['a', 'b']) {
        b.setCurrentKey(k);
        keys.forEach((u, i) => m.put(u, i));
      }
      return b;
    }
    const entries = (b: KeyedStateBackend, d: MapStateDescriptor<unknown, unknown>, key = 'a') => {
      const m = b.getOrCreateState<MapState<unknown, unknown>>(d);
      b.setCurrentKey(key);
      return [...m.entries()];
    };

    test('snapshots hold the keys as the serializer writes them and record it; a restore reads them back; lookups by key find them', () => {
      const b = written(desc('string'), ['x', 'y']);
      const snap = b.snapshot(1, { full: true });
      const blocks = finish(snap);
      assert.deepEqual(snap.kinds['m']!.keySerializer, avro('string').snapshot());
      const stored = storedUserKeys(blocks);
      assert.equal(stored.length, 4);
      assert.ok(stored.every((k) => k instanceof Uint8Array), 'user keys are bytes in the snapshot');
      assert.deepEqual(stored[0], avro('string').serialize('x'));
      const r = restoreChain(createBackend(type), [{ blocks, snap }]);
      assert.deepEqual(entries(r, desc('string')), [['x', 0], ['y', 1]]);
      const m = r.getOrCreateState<MapState<unknown, unknown>>(desc('string'));
      r.setCurrentKey('b');
      assert.equal(m.get('y'), 1);
      assert.equal(m.contains('x'), true);
    });

    test('incremental: a delta writes the changed maps\' keys through the serializer too', () => {
      const b = written(desc('string'), ['x'], { incremental: true });
      const s1 = b.snapshot(1);
      const c1 = { blocks: finish(s1), snap: s1 };
      s1.written({ file: 'f1', size: 1, checksum: '' });
      b.notifyCheckpointComplete(1);
      b.setCurrentKey('a');
      b.getOrCreateState<MapState<unknown, unknown>>(desc('string')).put('z', 9);
      const s2 = b.snapshot(2, { full: false, latestCompleted: 1 });
      const c2 = { blocks: finish(s2), snap: s2 };
      assert.equal(s2.isDelta, true);
      assert.ok(storedUserKeys(c2.blocks, true).every((k) => k instanceof Uint8Array));
      const r = restoreChain(createBackend(type, { incremental: true }), [c1, c2]);
      assert.deepEqual(entries(r, desc('string')), [['x', 0], ['z', 9]]);
      assert.deepEqual(entries(r, desc('string'), 'b'), [['x', 0]]);
    });

    test('a compatible schema change migrates the keys (int written, double read: other bytes); the next snapshot records the new writer', () => {
      const r = snapshotInto(written(desc('int'), [1, 2]), type);
      assert.equal(avro('double').resolveSchemaCompatibility(avro('int').snapshot()).type, 'COMPATIBLE_AFTER_MIGRATION');
      assert.deepEqual(entries(r, desc('double')), [[1, 0], [2, 1]]);
      const again = r.snapshot(2, { full: true });
      finish(again);
      assert.deepEqual(again.kinds['m']!.keySerializer, avro('double').snapshot());
    });

    test('an incompatible key serializer is refused in one line naming the state; so is dropping it or adding one', () => {
      const keyed = snapshotInto(written(desc('string'), ['x']), type);
      assert.throws(() => keyed.getOrCreateState(desc('int')), (e) => e instanceof StateMigrationError && oneLine(e, /^State 'm' cannot be restored: its key serializer is incompatible: /));
      assert.throws(() => snapshotInto(written(desc('string'), ['x']), type).getOrCreateState(desc()), /State 'm' cannot be restored: its key serializer is incompatible: it was written with the avro serializer/);
      assert.throws(() => snapshotInto(written(desc(), ['x']), type).getOrCreateState(desc('string')), /State 'm' cannot be restored: its key serializer is incompatible/);
    });

    test('a key the serializer reads back as an object is refused (it could never be found again)', () => {
      const r = snapshotInto(written(desc('string'), ['x']), type);
      assert.throws(() => r.getOrCreateState(desc('bytes')), /its key serializer reads a user key as an object/);
    });

    test('a key the serializer cannot write fails the checkpoint in one line naming the state and its key serializer', () => {
      const b = written(desc('string'), [7]);
      assert.throws(() => finish(b.snapshot(1, { full: true })), (e) => e instanceof StateSerializationError && oneLine(e, /^State 'm' cannot be written into the checkpoint by its avro key serializer: /));
    });

    test('a key the serializer writes but reads back as another key (float: 0.1 rounded) fails the checkpoint: after a restore it would never be found', () => {
      const b = written(desc('float'), [0.5, 0.1]);
      assert.throws(
        () => finish(b.snapshot(1, { full: true })),
        (e) => e instanceof StateSerializationError && oneLine(e, /^State 'm' cannot be written into the checkpoint by its avro key serializer: user key 0\.1 reads back as 0\.10000000149011612, /),
      );
    });

    test('registering again with a key serializer that cannot read the first one\'s keys is refused', () => {
      const b = written(desc('string'), ['x']);
      assert.throws(() => b.getOrCreateState(desc('int')), /State 'm' is already registered with the avro key serializer, and registering it again with a avro key serializer/);
      assert.doesNotThrow(() => b.getOrCreateState(desc('string')));
    });

    test('rescale: key groups dealt to two subtasks, each reads its keys', () => {
      const b = written(desc('string', { values: 'int' }), ['x', 'y']);
      const snap = b.snapshot(1, { full: true });
      const blocks = finish(snap);
      const halves = [new KeyGroupRange(0, 63), new KeyGroupRange(64, 127)].map((range) => restoreChain(createBackend(type, { range }), [{ blocks, snap }]));
      for (const key of ['a', 'b']) {
        const found = halves.flatMap((h) => {
          const m = h.getOrCreateState<MapState<unknown, unknown>>(desc('string', { values: 'int' }));
          h.setCurrentKey(key);
          return [...m.entries()];
        });
        assert.deepEqual(found, [['x', 0], ['y', 1]], `key ${key} is on one subtask with both entries`);
      }
    });

    test('TTL and per-window map state write and read their keys through it too', () => {
      const b = written(desc('string', { ttl: true }), ['x']);
      assert.deepEqual(entries(snapshotInto(b, type), desc('string', { ttl: true })), [['x', 0]]);
      const w = createBackend(type);
      const ns = w.getOrCreateNamespacedState<MapState<unknown, unknown>>(desc('string'));
      w.setCurrentKey('a');
      ns.setCurrentNamespace(5);
      ns.state.put('x', 1);
      const snap = w.snapshot(1, { full: true });
      const blocks = finish(snap);
      const stored = blocks.flatMap(([kg, bytes]) => (decodeKeyGroupBlock(toBlock(kg, bytes)).puts['m'] ?? []).map(([, v]) => [...(v as Map<unknown, Map<unknown, unknown>>).get(5)!.keys()][0]));
      assert.ok(stored[0] instanceof Uint8Array);
      const r = restoreChain(createBackend(type), [{ blocks, snap }]);
      const rns = r.getOrCreateNamespacedState<MapState<unknown, unknown>>(desc('string'));
      r.setCurrentKey('a');
      rns.setCurrentNamespace(5);
      assert.equal(rns.state.get('x'), 1);
    });

    test('the user-key fence holds for keys read through a serializer: a restored map of strings refuses a number', () => {
      const b = written(desc('int'), [1]);
      const snap = b.snapshot(1, { full: true });
      const blocks = finish(snap);
      const r = restoreChain(createBackend(type), [{ blocks, snap }]);
      // A record without this map's kinds (it was not registered at that snapshot): its restored keys count once read.
      r.restoredKeyKinds('test-op', { keyKinds: snap.keyKinds, userKeyKinds: {} });
      const m = r.getOrCreateState<MapState<unknown, unknown>>(desc('double'));
      r.setCurrentKey('a');
      assert.throws(() => m.get('1'), (e) => e instanceof KeyTypeChangedError && /restored user keys that are numbers \(e\.g\. 1\), but is now used with a user key that is a string/.test(e.message));
    });

    test('without a key serializer, snapshots are as before: keys inline, no key serializer recorded, byte for byte after a restore', () => {
      const b = written(desc(), ['x', 7]);
      const snap = b.snapshot(1, { full: true });
      const blocks = finish(snap);
      assert.equal(snap.kinds['m']!.keySerializer, undefined);
      assert.deepEqual(storedUserKeys(blocks).slice(0, 2), ['x', 7]);
      const r = restoreChain(createBackend(type), [{ blocks, snap }]);
      r.getOrCreateState(desc());
      const again = r.snapshot(2, { full: true });
      const hex = (bs: Array<[number, Uint8Array]>) => bs.map(([kg, b]) => [kg, Buffer.from(b).toString('hex')]);
      assert.deepEqual(hex(finish(again)), hex(blocks));
      assert.deepEqual(again.kinds, snap.kinds);
    });

    test('restored and not registered before the next snapshot: written out as restored, under its writer', () => {
      const r = snapshotInto(written(desc('string'), ['x']), type);
      const snap = r.snapshot(2, { full: true });
      const blocks = finish(snap);
      assert.deepEqual(snap.kinds['m']!.keySerializer, avro('string').snapshot());
      assert.ok(storedUserKeys(blocks).every((k) => k instanceof Uint8Array));
      assert.deepEqual(entries(restoreChain(createBackend(type), [{ blocks, snap }]), desc('string')), [['x', 0]]);
    });

    test('restored and not registered before the next snapshot: the user-key kinds the operator recorded are recorded again (its keys are bytes, their kinds unseen)', () => {
      const from = written(desc('string'), ['x']);
      const s1 = from.snapshot(1, { full: true });
      const r = restoreChain(createBackend(type), [{ blocks: finish(s1), snap: s1 }]);
      // Another subtask of the operator held number user keys: a later restore must not refuse them.
      r.restoredKeyKinds('test-op', { keyKinds: s1.keyKinds, userKeyKinds: { m: [['string', 'x'], ['number', 1]] } });
      const s2 = r.snapshot(2, { full: true });
      finish(s2);
      assert.deepEqual(s2.userKeyKinds['m']?.map(([kind]) => kind).sort(), ['number', 'string']);
    });
  });
}
