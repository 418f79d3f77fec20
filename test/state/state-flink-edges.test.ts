/*
 * State edges checked against Flink that held when reviewed, kept as regression tests: TTL's exact
 * boundary (expired at lastWrite + ttl, Flink's `ttl + ts <= now`) across backends and restores,
 * list TTL visibility, whole-state incremental cleanup, odd primitive keys kept apart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ListStateDescriptor, StateTtlConfig, StateVisibility, UpdateType, ValueStateDescriptor, type ListState, type ValueState } from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { BACKENDS, createBackend, snapshotInto } from './backends.js';

for (const type of BACKENDS) {
  describe(`held [${type}]`, () => {
    test('TTL value expires exactly at lastWrite + ttl, also after restore into either backend (TtlUtils.expired: ts + ttl <= now)', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const d = () => new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(100).build());
      const v = b.getOrCreateState<ValueState<number>>(d());
      b.setCurrentKey('k');
      v.update(1);
      clock.advance(99);
      for (const to of BACKENDS) {
        const r = snapshotInto(b, to, { clock });
        const s = r.getOrCreateState<ValueState<number>>(d());
        r.setCurrentKey('k');
        assert.equal(s.value(), 1);
      }
      clock.advance(1);
      for (const to of BACKENDS) {
        const r = snapshotInto(b, to, { clock });
        const s = r.getOrCreateState<ValueState<number>>(d());
        r.setCurrentKey('k');
        assert.equal(s.value(), undefined);
      }
    });

    test('TTL list, OnReadAndWrite + ReturnExpiredIfNotCleanedUp: expired elements returned once, live ones refreshed', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const l = b.getOrCreateState<ListState<number>>(
        new ListStateDescriptor<number>('l').enableTimeToLive(
          StateTtlConfig.newBuilder(100).setUpdateType(UpdateType.OnReadAndWrite).setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp).build(),
        ),
      );
      b.setCurrentKey('k');
      l.add(1);
      clock.advance(50);
      l.add(2);
      clock.advance(60);
      assert.deepEqual([...l.get()], [1, 2]);
      clock.advance(60);
      assert.deepEqual([...l.get()], [2]);
    });

    test('cleanupIncrementally(5, true) clears every expired key in one pass over the keys (testIncrementalCleanupWholeState)', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock, cacheEntries: 100_000 });
      const v = b.getOrCreateState<ValueState<number>>(new ValueStateDescriptor<number>('v').enableTimeToLive(StateTtlConfig.newBuilder(100).cleanupIncrementally(5, true).build()));
      for (let i = 0; i < 5000; i++) {
        b.setCurrentKey(i % 2 ? i : String(i));
        v.update(i);
      }
      clock.advance(120);
      for (let i = 0; i < 5000; i++) b.setCurrentKey(i % 2 ? i : String(i));
      assert.equal(b.stateTables().get('v')!.table.size, 0);
    });

    test('bigint, boolean, NaN, ±Infinity, non-int32 and "1"-vs-1 keys survive a snapshot into either backend', () => {
      const keys: unknown[] = [1n, 2n ** 70n, true, false, NaN, 1.5, 2 ** 31, -(2 ** 31), 2 ** 53, '1', 1, '', 'é', Infinity, -Infinity];
      const d = new ValueStateDescriptor<string>('v');
      const b = createBackend(type);
      const v = b.getOrCreateState<ValueState<string>>(d);
      keys.forEach((k, i) => {
        b.setCurrentKey(k);
        v.update(`v${i}`);
      });
      for (const to of BACKENDS) {
        const r = snapshotInto(b, to);
        const s = r.getOrCreateState<ValueState<string>>(d);
        keys.forEach((k, i) => {
          r.setCurrentKey(k);
          assert.equal(s.value(), `v${i}`, `${to}: key ${String(k)}`);
        });
      }
    });
  });
}
