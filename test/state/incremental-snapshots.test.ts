import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  KeyGroupRange,
  MapStateDescriptor,
  type SharedStateRef,
  assignToKeyGroup,
  ValueStateDescriptor,
  decodeKeyGroupBlock,
  type KeyedStateBackend,
  type MapState,
  type PendingKeyedSnapshot,
  type ValueState,
} from '../../src/state/index.js';
import { MAX_DELTA_CHAIN, MAX_UNCONFIRMED_CUTS } from '../../src/state/incremental-snapshots.js';
import { BACKENDS, type BackendType, createBackend, finish, restoreChain, toBlock } from './backends.js';

interface Taken {
  readonly id: number;
  readonly snap: PendingKeyedSnapshot;
  readonly blocks: Array<[number, Uint8Array]>;
  /** Where the snapshot was "written" in shared/ (incremental forms). */
  readonly file: SharedStateRef | undefined;
}

/** Takes checkpoint `id` as the snapshot driver would: encode, "write", then confirm unless told not to. */
function checkpoint(b: KeyedStateBackend, id: number, opts: { confirm?: boolean; full?: boolean; latestCompleted?: number } = {}): Taken {
  const snap = b.snapshot(id, { full: opts.full ?? false, latestCompleted: opts.latestCompleted });
  const blocks = finish(snap);
  const size = blocks.reduce((n, [, bytes]) => n + bytes.byteLength, 0);
  const file = snap.form.kind === 'self-contained' ? undefined : { file: `f${id}`, size, checksum: '' };
  if (file) snap.written(file);
  if (opts.confirm ?? true) b.notifyCheckpointComplete(id);
  return { id, snap, blocks, file };
}

/** The chain a taken checkpoint stands for, as the handle in _metadata lists it. */
function chainOf(all: readonly Taken[], last: Taken): Taken[] {
  const form = last.snap.form;
  if (form.kind !== 'shared-delta') return [last];
  return [...form.base.map((ref) => all.find((t) => t.file === ref)!), last];
}

function entriesIn(t: Taken): number {
  let n = 0;
  for (const [kg, bytes] of t.blocks) {
    const { puts, deletes } = decodeKeyGroupBlock(toBlock(kg, bytes, t.snap.isDelta));
    for (const list of [...Object.values(puts), ...Object.values(deletes)]) n += list.length;
  }
  return n;
}

function dump(b: KeyedStateBackend, keys: number): string {
  const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const m = b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
  const out: unknown[] = [];
  for (let k = 0; k < keys; k++) {
    b.setCurrentKey(k);
    out.push([k, v.value(), [...m.entries()].sort()]);
  }
  return JSON.stringify(out);
}

function write(b: KeyedStateBackend, keys: Iterable<number>, tag: number): void {
  const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const m = b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
  for (const k of keys) {
    b.setCurrentKey(k);
    v.update(k * 1000 + tag);
    m.put(`t${tag % 3}`, tag);
  }
}

function remove(b: KeyedStateBackend, keys: Iterable<number>): void {
  const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v'));
  const m = b.getOrCreateState<MapState<string, number>>(new MapStateDescriptor<string, number>('m'));
  for (const k of keys) {
    b.setCurrentKey(k);
    v.clear();
    m.remove('t1');
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const KEYS = 2000;

for (const type of BACKENDS) {
  describe(`incremental snapshots [${type}]`, () => {
    const incremental = (t: BackendType = type) => createBackend(t, { incremental: true });
    /** An incremental backend holding keys 0 … keys-1 (written with `tag`), and its confirmed checkpoint 1. */
    const withBase = (keys: number, tag = 1) => {
      const b = incremental();
      write(b, range(0, keys), tag);
      return { b, all: [checkpoint(b, 1)] };
    };

    test('a delta holds only what changed (sets and deletes), and base + deltas restore the exact state', () => {
      const { b, all } = withBase(KEYS);
      assert.equal(all[0]!.snap.form.kind, 'shared-full');
      write(b, range(0, 20), 2); // 1% of the keys change
      remove(b, range(20, 30));
      all.push(checkpoint(b, 2));
      const delta = all[1]!;
      assert.equal(delta.snap.form.kind, 'shared-delta');
      assert.ok(entriesIn(delta) <= 2 * 30, `delta holds ${entriesIn(delta)} entries`);
      assert.ok(entriesIn(all[0]!) >= 2 * KEYS);
      write(b, range(100, 110), 3);
      all.push(checkpoint(b, 3));
      for (const target of BACKENDS) {
        const restored = restoreChain(createBackend(target), chainOf(all, all[2]!));
        assert.equal(dump(restored, KEYS), dump(b, KEYS), `restored into ${target}`);
      }
    });

    test('changes of an unconfirmed (aborted) checkpoint go into the next delta', () => {
      const { b, all } = withBase(500);
      write(b, range(0, 10), 2);
      const aborted = b.snapshot(2, { full: false });
      aborted.release(); // aborted before it was written: never confirmed
      write(b, range(200, 210), 3);
      all.push(checkpoint(b, 3));
      assert.equal(all[1]!.snap.form.kind, 'shared-delta');
      const restored = restoreChain(createBackend(type), chainOf(all, all[1]!));
      assert.equal(dump(restored, 500), dump(b, 500));
    });

    test('a full snapshot (savepoint, --full) is self-contained; while it may have completed, and once it has, the next checkpoint is a new base', () => {
      const { b, all } = withBase(300);
      write(b, range(0, 5), 2);
      const savepointSnap = b.snapshot(2, { full: true });
      assert.equal(savepointSnap.form.kind, 'self-contained');
      const savepoint = { id: 2, snap: savepointSnap, blocks: finish(savepointSnap) };
      assert.equal(dump(restoreChain(createBackend(type), [savepoint]), 300), dump(b, 300));
      // Cut, its completion not seen here yet: it may have completed, and retention dropped
      // checkpoint 1's files (on workers a barrier can overtake the completion's message). So a
      // checkpoint cut meanwhile is a new base, not a delta over checkpoint 1.
      write(b, range(50, 55), 3);
      all.push(checkpoint(b, 3, { confirm: false }));
      assert.equal(all[1]!.snap.form.kind, 'shared-full');
      assert.equal(dump(restoreChain(createBackend(type), chainOf(all, all[1]!)), 300), dump(b, 300));
      // Once the full one completes, retention may drop what earlier checkpoints shared.
      b.notifyCheckpointComplete(2);
      write(b, range(60, 62), 4);
      all.push(checkpoint(b, 4));
      assert.equal(all[2]!.snap.form.kind, 'shared-full');
      write(b, range(70, 72), 5);
      all.push(checkpoint(b, 5));
      assert.equal(all[3]!.snap.form.kind, 'shared-delta');
      assert.deepEqual(chainOf(all, all[3]!).map((t) => t.id), [4, 5]);
      assert.equal(dump(restoreChain(createBackend(type), chainOf(all, all[3]!)), 300), dump(b, 300));
    });

    test('a barrier saying which checkpoint completed last: the delta builds on that one, never on an older chain retention may have deleted', () => {
      // Checkpoint 1 (base) confirmed; 2 cut and written; its completion, and 3's, reach this
      // task late (on a worker the notification waits behind the next barrier; in one thread it
      // comes after retention ran).
      const { b, all } = withBase(400);
      write(b, range(0, 10), 2);
      all.push(checkpoint(b, 2, { confirm: false, latestCompleted: 1 }));
      assert.deepEqual(chainOf(all, all[1]!).map((t) => t.id), [1, 2]);
      // 3 is triggered after 2 completed: 2's notification has not come, the barrier says it.
      write(b, range(20, 30), 3);
      all.push(checkpoint(b, 3, { confirm: false, latestCompleted: 2 }));
      assert.deepEqual(chainOf(all, all[2]!).map((t) => t.id), [1, 2, 3], 'built on 2, which retention holds, and its changes only since 2');
      assert.equal(dump(restoreChain(createBackend(type), chainOf(all, all[2]!)), 400), dump(b, 400));
      // 2's notification comes late, after 3 was cut: nothing goes back to an older chain.
      b.notifyCheckpointComplete(2);
      // 4 is triggered after 3 completed, whose own cut is here but never named: the barrier
      // says 3, so nothing older than 3 may be built on.
      write(b, range(40, 45), 4);
      all.push(checkpoint(b, 4, { confirm: false, latestCompleted: 3 }));
      assert.deepEqual(chainOf(all, all[3]!).map((t) => t.id), [1, 2, 3, 4]);
      assert.equal(dump(restoreChain(createBackend(type), chainOf(all, all[3]!)), 400), dump(b, 400));
      // A checkpoint completed that this backend never cut (the one restored from, another
      // execution's): nothing here can be built on, so a new base.
      write(b, range(50, 52), 6);
      all.push(checkpoint(b, 6, { latestCompleted: 5 }));
      assert.equal(all[4]!.snap.form.kind, 'shared-full');
      assert.equal(dump(restoreChain(createBackend(type), chainOf(all, all[4]!)), 400), dump(b, 400));
    });

    test('checkpoints that never complete do not pile up changes: past a bound the next one is a new base', () => {
      const { b, all } = withBase(100);
      for (let id = 2; id < 2 + MAX_UNCONFIRMED_CUTS; id++) {
        write(b, [id], id);
        all.push(checkpoint(b, id, { confirm: false }));
      }
      write(b, [99], 99);
      const forced = checkpoint(b, 100, { confirm: false });
      assert.equal(forced.snap.form.kind, 'shared-full');
      // A late confirmation of an older delta does not bring deltas back before a base is confirmed.
      b.notifyCheckpointComplete(3);
      assert.equal(checkpoint(b, 101).snap.form.kind, 'shared-full');
      write(b, [7], 7);
      const next = checkpoint(b, 102);
      assert.equal(next.snap.form.kind, 'shared-delta');
      assert.equal(dump(restoreChain(createBackend(type), [checkpoint(b, 103, { full: true, confirm: false })]), 100), dump(b, 100));
    });

    test('a long chain is replaced by a new full base', () => {
      const { b, all } = withBase(300, 0);
      for (let id = 2; id <= MAX_DELTA_CHAIN + 3; id++) {
        write(b, [id], id);
        all.push(checkpoint(b, id));
      }
      const kinds = all.map((t) => t.snap.form.kind);
      assert.equal(kinds.filter((k) => k === 'shared-full').length, 2, kinds.join(' '));
      const last = all.at(-1)!;
      assert.ok(chainOf(all, last).length <= MAX_DELTA_CHAIN + 1);
      assert.equal(dump(restoreChain(createBackend(type), chainOf(all, last)), 300), dump(b, 300));
    });

    test('an incremental chain rescales by key group', () => {
      const { b, all } = withBase(KEYS);
      write(b, range(0, 40), 2);
      remove(b, range(40, 50));
      all.push(checkpoint(b, 2));
      const parts = [0, 1].map((i) => restoreChain(createBackend(type, { range: KeyGroupRange.forSubtask(128, 2, i) }), chainOf(all, all[1]!)));
      const v = new ValueStateDescriptor<number>('v');
      for (const k of [0, 45, 77, 1999]) {
        b.setCurrentKey(k);
        const expected = b.getOrCreateState<ValueState<number>>(v).value();
        const owner = parts.find((p) => p.keyGroupRange.contains(assignToKeyGroup(k, 128)))!;
        owner.setCurrentKey(k);
        assert.equal(owner.getOrCreateState<ValueState<number>>(v).value(), expected, `key ${k}`);
      }
    });
  });
}
