/*
 * With ReturnExpiredIfNotCleanedUp, an add() to a reducing or aggregating state folds into an
 * expired value still stored, as Flink's TtlReduceFunction.reduce and TtlAggregateFunction.add do
 * (they read it through AbstractTtlDecorator.getUnexpired); it was dropped (found by review).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AggregatingStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  StateVisibility,
  type AggregatingState,
  type ReducingState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, createBackend } from './backends.js';

const returnExpired = () =>
  StateTtlConfig.newBuilder(Time.milliseconds(100)).setStateVisibility(StateVisibility.ReturnExpiredIfNotCleanedUp).build();

for (const type of BACKENDS) {
  describe(`TTL ReturnExpiredIfNotCleanedUp: add folds into the expired, not cleaned-up value, as Flink's TtlReduceFunction/TtlAggregateFunction [${type}]`, () => {
    test('ReducingState: add(5) at t=0, add(3) at t=120 (TTL 100, no cleanup ran) → get() is 8', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const r = b.getOrCreateState<ReducingState<number>>(new ReducingStateDescriptor<number>('r', (a, x) => a + x).enableTimeToLive(returnExpired()));
      b.setCurrentKey('k');
      r.add(5);
      clock.advance(120);
      r.add(3);
      assert.equal(r.get(), 8);
    });

    test('AggregatingState: add(5) at t=0, add(3) at t=120 (TTL 100, no cleanup ran) → get() is 8', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const sum = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (x: number) => x, merge: (x: number, y: number) => x + y };
      const a = b.getOrCreateState<AggregatingState<number, number>>(new AggregatingStateDescriptor<number, number, number>('a', sum).enableTimeToLive(returnExpired()));
      b.setCurrentKey('k');
      a.add(5);
      clock.advance(120);
      a.add(3);
      assert.equal(a.get(), 8);
    });
  });
}
