/*
 * TTL states merge namespaces as Flink's TTL merging states do (TtlStateTestBase.testMergeNamespaces
 * for TtlListState, TtlReducingState, TtlAggregatingState): unexpired values of the sources are
 * merged into the target, expired ones dropped — so a TTL'd state works as per-window state of
 * merging (session) windows (it threw "states with TTL do not merge"; found by review).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ListStateDescriptor,
  ReducingStateDescriptor,
  StateTtlConfig,
  type ListState,
  type ReducingState,
} from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { Time } from '../../src/util/time.js';
import { BACKENDS, createBackend } from './backends.js';

const ttl = () => StateTtlConfig.newBuilder(Time.milliseconds(100)).build();

for (const type of BACKENDS) {
  describe(`TTL states merge namespaces as in Flink's testMergeNamespaces [${type}]`, () => {
    test('ListState with TTL: the unexpired elements of the merged namespaces end up in the target', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const ns = b.getOrCreateNamespacedState<ListState<number>>(new ListStateDescriptor<number>('l').enableTimeToLive(ttl()));
      b.setCurrentKey('k');
      ns.setCurrentNamespace('a');
      ns.state.add(1); // expires at 100
      clock.advance(50);
      ns.setCurrentNamespace('b');
      ns.state.add(2);
      ns.setCurrentNamespace('target');
      ns.state.add(3);
      clock.advance(70); // t = 120: 1 expired, 2 and 3 alive
      ns.mergeNamespaces('target', ['a', 'b']);
      ns.setCurrentNamespace('target');
      assert.deepEqual([...ns.state.get()].sort(), [2, 3]);
    });

    test('ReducingState with TTL: sources reduce into the target', () => {
      const clock = new ManualClock(0);
      const b = createBackend(type, { clock });
      const ns = b.getOrCreateNamespacedState<ReducingState<number>>(new ReducingStateDescriptor<number>('r', (x, y) => x + y).enableTimeToLive(ttl()));
      b.setCurrentKey('k');
      for (const [n, v] of [['a', 1], ['b', 2], ['target', 4]] as const) {
        ns.setCurrentNamespace(n);
        ns.state.add(v);
      }
      ns.mergeNamespaces('target', ['a', 'b']);
      ns.setCurrentNamespace('target');
      assert.equal(ns.state.get(), 7);
    });
  });
}
