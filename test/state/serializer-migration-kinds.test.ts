/*
 * Flink's StateBackendMigrationTestBase for the state kinds and forms the other serializer
 * tests leave out: reducing and aggregating state (their stored value, the accumulator, is what
 * migrates), per-window state with TTL, and a migration on a backend with incremental
 * checkpoints. Each case as Flink's: write with V1, restore with V2 (values read, then written),
 * snapshot again, and restore that with V3, which can read V2's values but not V1's: the next
 * snapshot after a migration holds the new schema only.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AggregatingState,
  AggregatingStateDescriptor,
  AvroSerializer,
  type KeyedStateBackend,
  type ReducingState,
  ReducingStateDescriptor,
  StateTtlConfig,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { BACKENDS, createBackend, finish, snapshotInto, toBlock } from './backends.js';

type Acct = { a: number; b: number; c?: string };
const V1 = { type: 'record', name: 'Acct', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }] };
// Reordered and promoted, with a field added: V2's bytes read as V1 would swap a and b (or fail).
const V2 = { type: 'record', name: 'Acct', fields: [{ name: 'b', type: 'long' }, { name: 'a', type: 'int' }, { name: 'c', type: 'string', default: 'none' }] };
// `c` required: reads V2's values, refuses V1's.
const V3 = { type: 'record', name: 'Acct', fields: [{ name: 'b', type: 'long' }, { name: 'a', type: 'int' }, { name: 'c', type: 'string' }] };
const KEYS = 40;

const sum = (x: Acct, y: Acct): Acct => ({ ...y, a: x.a + y.a, b: x.b + y.b });
const reducing = (schema: object) => new ReducingStateDescriptor<Acct>('sum', sum).setSerializer(AvroSerializer.of(schema as Record<string, unknown>));
/** An aggregate whose accumulator is the Avro record; its result is `a + b`. */
const aggregating = (schema: object) =>
  new AggregatingStateDescriptor<number, Acct, number>('agg', {
    createAccumulator: () => ({ a: 0, b: 0, ...(schema === V1 ? {} : { c: 'acc' }) }),
    add: (v, acc) => ({ ...acc, a: acc.a + v, b: acc.b + 2 * v }),
    getResult: (acc) => acc.a + acc.b,
    merge: sum,
  }).setSerializer(AvroSerializer.of(schema as Record<string, unknown>));

function fold(b: KeyedStateBackend, schema: object, v: number): void {
  const r = b.getOrCreateState<ReducingState<Acct>>(reducing(schema));
  const g = b.getOrCreateState<AggregatingState<number, number>>(aggregating(schema));
  for (let k = 0; k < KEYS; k++) {
    b.setCurrentKey(k);
    r.add(schema === V1 ? { a: k, b: v } : { a: k, b: v, c: `k${k}` });
    g.add(v);
  }
}

/** What key `k` holds after V1 added `v1` and V2 added `v2`, as the reducing state shows it. */
const reduced = (k: number, v1: number, v2: number): Acct => ({ b: v1 + v2, a: 2 * k, c: `k${k}` });

for (const type of BACKENDS) {
  describe(`migration of reducing and aggregating state, then the next snapshot [${type}]`, () => {
    test('the accumulator is read with the new schema, the functions go on with it, and the next snapshot is written with it', () => {
      const b = createBackend(type);
      fold(b, V1, 5);
      const r1 = snapshotInto(b, type);
      const r = r1.getOrCreateState<ReducingState<Acct>>(reducing(V2));
      const g = r1.getOrCreateState<AggregatingState<number, number>>(aggregating(V2));
      r1.setCurrentKey(3);
      assert.deepEqual(r.get(), { b: 5, a: 3, c: 'none' }, 'V1 value read with V2: promoted, reordered, defaulted');
      assert.equal(g.get(), 5 + 10);
      fold(r1, V2, 7);
      // V3 cannot read V1's values: a restore that reads it is proof the snapshot holds V2's only.
      const r2 = snapshotInto(r1, type);
      const rr = r2.getOrCreateState<ReducingState<Acct>>(reducing(V3));
      const gg = r2.getOrCreateState<AggregatingState<number, number>>(aggregating(V3));
      for (const k of [0, 3, KEYS - 1]) {
        r2.setCurrentKey(k);
        assert.deepEqual(rr.get(), reduced(k, 5, 7));
        assert.equal(gg.get(), 3 * (5 + 7));
      }
    });
  });

  describe(`per-window state with TTL migrates in every namespace [${type}]`, () => {
    test('each window of each key is read with the new schema, its TTL timestamp kept', () => {
      const clock = new ManualClock(0);
      const ttl = StateTtlConfig.newBuilder(100).build();
      const d = (schema: object) => new ValueStateDescriptor<Acct>('per-window').setSerializer(AvroSerializer.of(schema as Record<string, unknown>)).enableTimeToLive(ttl);
      const b = createBackend(type, { clock });
      const s = b.getOrCreateNamespacedState<ValueState<Acct>>(d(V1));
      for (const [w, at] of [[0, 0], [1000, 50]] as const) {
        clock.set(at);
        for (let k = 0; k < KEYS; k++) {
          b.setCurrentKey(k);
          s.setCurrentNamespace(w);
          s.state.update({ a: k, b: w });
        }
      }
      const r = snapshotInto(b, type, { clock });
      const rs = r.getOrCreateNamespacedState<ValueState<Acct>>(d(V2));
      clock.set(120); // window 0's value (written at 0) has expired, window 1000's (at 50) not
      for (const k of [0, 7, KEYS - 1]) {
        r.setCurrentKey(k);
        rs.setCurrentNamespace(0);
        assert.equal(rs.state.value(), undefined, 'its TTL timestamp came through the migration');
        rs.setCurrentNamespace(1000);
        assert.deepEqual(rs.state.value(), { b: 1000, a: k, c: 'none' });
      }
    });
  });

  describe(`a migration on a backend with incremental checkpoints [${type}]`, () => {
    test('a state registered after the first checkpoint of the restored job: the next delta carries every key in the new schema, and the chain restores', () => {
      const b = createBackend(type);
      fold(b, V1, 5);
      const r = snapshotInto(b, type, { incremental: true });
      // The first checkpoint of the restored job is a new base, the state still as restored (V1).
      const base = r.snapshot(1);
      const baseBlocks = finish(base);
      base.written({ file: 'base', size: 1, checksum: '' });
      r.notifyCheckpointComplete(1);
      // Registered lazily (getState in processElement), so after that checkpoint; one key changes.
      const s = r.getOrCreateState<ReducingState<Acct>>(reducing(V2));
      r.getOrCreateState(aggregating(V2));
      r.setCurrentKey(3);
      s.add({ a: 0, b: 7, c: 'k3' });
      const delta = r.snapshot(2);
      assert.equal(delta.isDelta, true);
      const deltaBlocks = finish(delta);
      // As the runtime restores a chain: every block of it with the newest checkpoint's metadata.
      const to = createBackend(type);
      for (const [blocks, isDelta] of [[baseBlocks, false], [deltaBlocks, true]] as const) {
        for (const [kg, bytes] of blocks) to.restoreKeyGroup(toBlock(kg, bytes, isDelta), delta.kinds);
      }
      const rr = to.getOrCreateState<ReducingState<Acct>>(reducing(V3));
      const gg = to.getOrCreateState<AggregatingState<number, number>>(aggregating(V3));
      to.setCurrentKey(3);
      assert.deepEqual(rr.get(), { b: 12, a: 3, c: 'k3' });
      for (const k of [0, KEYS - 1]) {
        to.setCurrentKey(k);
        assert.deepEqual(rr.get(), { b: 5, a: k, c: 'none' }, `key ${k}, unchanged since the base, is in the delta in V2`);
        assert.equal(gg.get(), 15);
      }
    });
  });
}
