/*
 * The heap's keyed path without a key group per record: int keys in shards found by a cheap hash,
 * key groups computed only where needed (a timer, a snapshot's blocks, a non-int key, a store on
 * disk), and snapshots that still write one block per key group, as before.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { RecordBatch } from '../../src/runtime/channel-events.js';
import { LocalChannel } from '../../src/runtime/local-channel.js';
import { RecordContext } from '../../src/runtime/record-context.js';
import { createRecordWriter } from '../../src/runtime/record-writer.js';
import { InternalTimerServiceImpl } from '../../src/runtime/timers/internal-timer-service-impl.js';
import { INT_SHARDS, shardOf } from '../../src/state/heap-state-table.js';
import {
  KEY_GROUP_NOT_COMPUTED,
  KeyGroupRange,
  type ListState,
  ListStateDescriptor,
  type PendingKeyedSnapshot,
  type ValueState,
  ValueStateDescriptor,
  assignToKeyGroup,
  decodeKeyGroupBlock,
  encodeFullBlock,
  entriesByKeyGroup,
} from '../../src/state/index.js';
import { NumberPieceWriter, joinFullBlock, packPiece } from '../../src/state/snapshot-format/key-group-block.js';
import { unpack } from '../../src/util/binary-codec.js';
import { ManualClock } from '../../src/util/clock.js';
import { BACKENDS, createBackend, dumpTables, finish, restoreChain, toBlock } from './backends.js';

const MAX = 128;
const KEYS = 1200;
const list = new ListStateDescriptor<string>('list');
const count = new ValueStateDescriptor<number>('count', 0);

/** Each block's keys by state, checked to be of the block's key group. */
function blockKeys(blocks: Array<[number, Uint8Array]>, delta = false): Map<string, Map<unknown, unknown>> {
  const out = new Map<string, Map<unknown, unknown>>();
  for (const [kg, bytes] of blocks) {
    const { puts, deletes } = decodeKeyGroupBlock(toBlock(kg, bytes, delta));
    for (const [name, entries] of Object.entries(puts)) {
      for (const [k, v] of entries) {
        assert.equal(assignToKeyGroup(k, MAX), kg, `key ${String(k)} of state ${name} in the block of its key group`);
        if (!out.has(name)) out.set(name, new Map());
        out.get(name)!.set(k, v);
      }
    }
    for (const [name, keys] of Object.entries(deletes)) {
      for (const k of keys) {
        assert.equal(assignToKeyGroup(k, MAX), kg, `deleted key ${String(k)} in the block of its key group`);
        if (!out.has(name)) out.set(name, new Map());
        out.get(name)!.set(k, 'deleted');
      }
    }
  }
  return out;
}

describe('int keys in shards on the heap', () => {
  test('a state read and written for a key set without its key group computes none; asking for it computes it once', () => {
    const heap = createBackend('hashmap');
    const c = heap.getOrCreateState<ValueState<number>>(count);
    heap.setCurrentKey(41, -1);
    c.update(c.value()! + 1);
    assert.equal(heap.keyGroupHint, KEY_GROUP_NOT_COMPUTED, 'the heap found the int key without its key group');
    assert.equal(heap.currentKeyGroup, assignToKeyGroup(41, MAX));
    assert.equal(heap.keyGroupHint, assignToKeyGroup(41, MAX), 'kept for the rest of the record');
    heap.setCurrentKey('a', -1);
    assert.equal(c.value(), 0);
    assert.equal(heap.currentKeyGroup, assignToKeyGroup('a', MAX));
    const disk = createBackend('lmdb');
    disk.setCurrentKey(41);
    assert.equal(disk.keyGroupHint, assignToKeyGroup(41, MAX), 'on disk every access needs it: computed as the key is set');
  });

  test('a timer registered for a key set without its key group is filed under the key group computed then, and fires', () => {
    for (const type of BACKENDS) {
      const backend = createBackend(type);
      const timers = new InternalTimerServiceImpl(backend, new ManualClock(0), new RecordContext(), 'op');
      const seen: string[] = [];
      for (const k of [5, 77, 1_000_003]) {
        backend.setCurrentKey(k, -1);
        timers.registerEventTimeTimer(0, 10 + k);
      }
      const snap = backend.snapshot(1, { full: true });
      const blocks = finish(snap);
      for (const [k, v] of blockKeys(blocks).get('_timers')!) assert.equal((v as unknown[])[0], k);
      const restored = restoreChain(createBackend(type), [{ blocks, snap }]);
      const again = new InternalTimerServiceImpl(restored, new ManualClock(0), new RecordContext(), 'op');
      again.restore([]);
      again.advanceWatermark(2_000_000, {
        onEventTime: (t) => seen.push(`${String(t.key)}@${t.timestamp} kg=${restored.currentKeyGroup === assignToKeyGroup(t.key, MAX)}`),
        onProcessingTime: () => assert.fail('no processing-time timer'),
      });
      assert.deepEqual(seen, ['5@15 kg=true', '77@87 kg=true', '1000003@1000013 kg=true'], type);
    }
  });

  test('a snapshot freezes shards: a list appended to in place after the cut is written as it was, each key in its key group block', () => {
    const b = createBackend('hashmap');
    const l = b.getOrCreateState<ListState<string>>(list);
    const c = b.getOrCreateState<ValueState<number>>(count);
    for (let k = 0; k < KEYS; k++) {
      b.setCurrentKey(k, -1);
      l.add(`a${k}`);
      c.update(k);
    }
    b.setCurrentKey('s', -1);
    l.add('s0');
    const snap = b.snapshot(1, { full: true });
    // Part of the state encoded in the background, then records touch keys in every shard.
    snap.encodeUntil(0, () => 1);
    const touched = new Set<number>();
    for (let k = 0; k < KEYS; k += 3) {
      b.setCurrentKey(k, -1);
      l.add(`after${k}`);
      c.update(-1);
      touched.add(shardOf(k));
    }
    b.setCurrentKey('s', -1);
    l.add('s-after');
    assert.ok(touched.size === INT_SHARDS, 'every shard thawed by a record');
    const keys = blockKeys(finish(snap));
    assert.equal(keys.get('list')!.size, KEYS + 1);
    for (let k = 0; k < KEYS; k++) {
      assert.deepEqual(keys.get('list')!.get(k), [`a${k}`], `key ${k}: its list at the cut`);
      assert.equal(keys.get('count')!.get(k), k);
    }
    assert.deepEqual(keys.get('list')!.get('s'), ['s0']);
    // The live state went on, and a snapshot of it now restores it on either backend.
    b.setCurrentKey(4, -1);
    const live = c.value();
    for (const type of BACKENDS) {
      const r = restoreChain(createBackend(type), [{ blocks: finish(b.snapshot(2, { full: true })), snap }]);
      // Read through a state first: restored int keys the heap held back are put before any read.
      const restored = r.getOrCreateState<ValueState<number>>(count);
      r.setCurrentKey(4, -1);
      assert.equal(restored.value(), live, type);
      assert.deepEqual(dumpTables(r), dumpTables(b), type);
    }
  });

  test('an incremental delta of int keys holds exactly the keys set or cleared since its base, each in its key group block', () => {
    for (const type of BACKENDS) {
      const b = createBackend(type, { incremental: true });
      const c = b.getOrCreateState<ValueState<number>>(count);
      for (let k = 0; k < KEYS; k++) {
        b.setCurrentKey(k, -1);
        c.update(k);
      }
      const base = b.snapshot(1);
      const baseBlocks = finish(base);
      base.written({ file: 'f1', size: 1, checksum: '' });
      b.notifyCheckpointComplete(1);
      const changed = new Map<number, unknown>();
      for (let k = 0; k < KEYS; k += 11) {
        b.setCurrentKey(k, -1);
        if (k % 2 === 0) c.update(0 - k);
        else c.clear();
        changed.set(k, k % 2 === 0 ? 0 - k : 'deleted');
      }
      b.setCurrentKey(KEYS + 5, -1);
      c.update(1);
      changed.set(KEYS + 5, 1);
      const delta = b.snapshot(2);
      assert.equal(delta.isDelta, true, type);
      const deltaBlocks = finish(delta);
      assert.deepEqual(blockKeys(deltaBlocks, true).get('count'), changed, type);
      const r = restoreChain(createBackend(type), [
        { blocks: baseBlocks, snap: base },
        { blocks: deltaBlocks, snap: delta },
      ]);
      assert.deepEqual(dumpTables(r), dumpTables(b), type);
    }
  });

  // A unit's pieces once cost the whole key group range: a snapshot of 20 keys at max parallelism
  // 32768 took 130 s (units × key groups), here 0.2 s. Encoded in slices, between which the
  // test's timeout can end it.
  test('a subtask owning 32768 key groups snapshots a few keys, full then delta, at the cost of its keys', { timeout: 20_000 }, async () => {
    const inSlices = async (snap: PendingKeyedSnapshot): Promise<Array<[number, Uint8Array]>> => {
      while (!snap.encodeUntil(performance.now() + 5)) await new Promise((r) => setImmediate(r));
      return snap.keyGroups();
    };
    const maxParallelism = 32768;
    for (const type of BACKENDS) {
      const b = createBackend(type, { incremental: true, maxParallelism });
      const c = b.getOrCreateState<ValueState<number>>(count);
      for (let k = 0; k < 10; k++) {
        b.setCurrentKey(k * 7919, -1);
        c.update(k);
        b.setCurrentKey(`key-${k}`);
        c.update(-k - 1);
      }
      const base = b.snapshot(1);
      const baseBlocks = await inSlices(base);
      base.written({ file: 'f1', size: 1, checksum: '' });
      b.notifyCheckpointComplete(1);
      b.setCurrentKey(7919, -1);
      c.clear();
      b.setCurrentKey('key-3');
      c.update(33);
      const delta = b.snapshot(2);
      const deltaBlocks = await inSlices(delta);
      assert.equal(delta.isDelta, true, type);
      const r = restoreChain(createBackend(type, { maxParallelism }), [
        { blocks: baseBlocks, snap: base },
        { blocks: deltaBlocks, snap: delta },
      ]);
      assert.deepEqual(dumpTables(r), dumpTables(b), type);
      assert.equal(dumpTables(r)['count']!.length, 19, type);
    }
  });

  test('walking a table by key group visits each entry once, in key group order, with its key group', () => {
    const b = createBackend('hashmap', { range: new KeyGroupRange(32, 63) });
    const c = b.getOrCreateState<ValueState<number>>(count);
    const mine: number[] = [];
    for (let k = 0; k < KEYS; k++) {
      const kg = assignToKeyGroup(k, MAX);
      if (kg < 32 || kg > 63) continue;
      b.setCurrentKey(k, kg);
      c.update(k);
      mine.push(k);
    }
    const table = b.stateTables().get('count')!.table;
    const walked = entriesByKeyGroup(table);
    assert.deepEqual(
      walked.map((e) => e.keyGroup),
      walked.map((e) => e.keyGroup).sort((x, y) => x - y),
    );
    assert.deepEqual(walked.map((e) => e.key as number).sort((x, y) => x - y), mine);
    for (const e of walked) assert.equal(e.keyGroup, assignToKeyGroup(e.key, MAX));
    assert.deepEqual(
      entriesByKeyGroup(table, 40, 41).map((e) => e.key),
      walked.filter((e) => e.keyGroup === 40 || e.keyGroup === 41).map((e) => e.key),
    );
  });

  test('pieces packed apart and joined decode as one block packed at once, records and shared objects included', () => {
    const shared = { a: 1, b: [1, 2] };
    const first: [unknown, unknown][] = [[1, shared], [2, shared], [3, new Map([[1, { x: 1 }]])]];
    const second: [unknown, unknown][] = Array.from({ length: 40 }, (_, i) => [i + 10, { a: i, b: [i] }]);
    const joined = joinFullBlock([
      ['s', { count: first.length + second.length + 1, pieces: [packPiece(first), packPiece(second)], later: [['z', 'zz']] }],
      ['t', { count: 1, pieces: [packPiece([['k', [1, 2, 3]]])], later: [] }],
    ]);
    assert.deepEqual(unpack(joined), unpack(encodeFullBlock({ s: [...first, ...second, ['z', 'zz']], t: [['k', [1, 2, 3]]] })));
    assert.deepEqual(joinFullBlock([['t', { count: 1, pieces: [packPiece([['k', [1, 2, 3]]])], later: [] }]]), encodeFullBlock({ t: [['k', [1, 2, 3]]] }), 'one piece: the same bytes');
  });

  test('number pairs written by hand decode as the codec packs them, at every int format edge and for other numbers', () => {
    const values = [0.5, -0, 2 ** 40, -(2 ** 40), NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32 - 1];
    for (const edge of [0, 0x20, 0x40, 0x80, 0x100, 0x8000, 0x10000, 2 ** 31 - 1]) for (const d of [-2, -1, 0, 1]) values.push(edge + d, -(edge + d));
    const w = new NumberPieceWriter();
    const pairs: [number, number][] = [];
    for (const v of values) {
      w.pair(v | 0, v);
      pairs.push([v | 0, v]);
    }
    w.key(70);
    const joined = joinFullBlock([['s', { count: w.count, pieces: [w.piece()], later: [] }]]);
    // Inside a block the codec's record ids (0x40–0x7f) are live: a value there must not read as one.
    assert.deepEqual(unpack(joined), { s: [...pairs.map(([k, v]) => [k, Object.is(v, -0) ? 0 : v]), 70] });
  });
});

describe('keyBy to one consumer subtask', () => {
  test('an int key is sent without its key group, any other key with it; to several subtasks every key with it', () => {
    for (const parallelism of [1, 2]) {
      const channels = Array.from({ length: parallelism }, () => new LocalChannel(1000));
      const writer = createRecordWriter({ type: 'hash', keySelector: (r: unknown) => r }, channels, { batchSize: 16, maxParallelism: MAX, subtaskIndex: 0 });
      const keys: unknown[] = [7, -3, 2 ** 31, 1.5, 'x', ['t', 1]];
      for (const k of keys) writer.collect(k);
      writer.flush();
      for (const channel of channels) {
        for (let e = channel.poll(); e; e = channel.poll()) {
          assert.ok(e instanceof RecordBatch);
          Array.from(e.keys!).forEach((k, j) => {
            const int = typeof k === 'number' && (k | 0) === k;
            assert.equal(e.keyGroups![j], parallelism === 1 && int ? -1 : assignToKeyGroup(k, MAX), `key ${JSON.stringify(k)} at parallelism ${parallelism}`);
          });
        }
      }
    }
    assert.throws(() => {
      const writer = createRecordWriter({ type: 'hash', keySelector: () => Symbol('s') }, [new LocalChannel(10)], { batchSize: 16, maxParallelism: MAX, subtaskIndex: 0 });
      writer.collect(1);
    }, 'a key that cannot be hashed is refused at the shuffle, one consumer or many');
  });
});
