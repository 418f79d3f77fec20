/*
 * The timer service's semantics, as Flink's InternalTimerServiceImplTest checks them (event-time
 * timers fire in timestamp order once the watermark reaches them, at most once per key,
 * namespace and time; deleting; processing time; timers are keyed state, snapshotted and
 * redistributed by key group), and SPEC's final-watermark rule — on both backends.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordContext } from '../../../src/runtime/record-context.js';
import type { InternalTimer, Namespace, Triggerable } from '../../../src/runtime/timers/internal-timer-service.js';
import { InternalTimerServiceImpl } from '../../../src/runtime/timers/internal-timer-service-impl.js';
import { KeyGroupRange, type KeyedStateBackend, type StoredTimer, TIMERS_STATE, encodeFullBlock } from '../../../src/state/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { SnapshotRestoreError } from '../../../src/util/errors.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../../src/util/time.js';
import { BACKENDS, type BackendType, createBackend, finish, restoreChain, toBlock } from '../../state/backends.js';

/** A timer service over a fresh backend, and what fired (`E`/`P`, key, namespace, time, the slot's timestamp). */
function harness(type: BackendType, range?: KeyGroupRange, incremental = false) {
  const backend = createBackend(type, { range, incremental });
  const clock = new ManualClock(0);
  const rc = new RecordContext();
  const timers = new InternalTimerServiceImpl(backend, clock, rc, 'op');
  const fired: string[] = [];
  const slot = (t: number) => (t === MIN_TIMESTAMP ? 'none' : String(t));
  const target: Triggerable & { also?: (domain: 'E' | 'P', t: InternalTimer) => void } = {
    onEventTime(t) {
      assert.equal(backend.getCurrentKey(), t.key, 'the timer fires with its key set');
      fired.push(`E ${String(t.key)}/${t.namespace}@${t.timestamp} ts=${slot(rc.timestamp)}`);
      target.also?.('E', t);
    },
    onProcessingTime(t) {
      assert.equal(backend.getCurrentKey(), t.key, 'the timer fires with its key set');
      fired.push(`P ${String(t.key)}/${t.namespace}@${t.timestamp} ts=${slot(rc.timestamp)}`);
      target.also?.('P', t);
    },
  };
  const at = (key: unknown) => backend.setCurrentKey(key);
  const register = (key: unknown, time: number, ns: Namespace = 0) => {
    at(key);
    timers.registerEventTimeTimer(ns, time);
  };
  const take = () => fired.splice(0);
  return { backend, clock, rc, timers, target, at, register, take };
}

for (const type of BACKENDS) {
  describe(`timer service on ${type}`, () => {
    test('event-time timers fire once the watermark reaches them, in timestamp order, with the slot at their time', () => {
      const h = harness(type);
      h.register('b', 30);
      h.register('a', 10);
      h.register('c', 20);
      h.register('a', 40);
      assert.equal(h.timers.currentWatermark(), MIN_TIMESTAMP);
      h.timers.advanceWatermark(9, h.target);
      assert.deepEqual(h.take(), []);
      h.timers.advanceWatermark(20, h.target);
      assert.deepEqual(h.take(), ['E a/0@10 ts=10', 'E c/0@20 ts=20']);
      assert.equal(h.timers.currentWatermark(), 20);
      h.timers.advanceWatermark(100, h.target);
      assert.deepEqual(h.take(), ['E b/0@30 ts=30', 'E a/0@40 ts=40']);
      assert.equal(h.timers.eventTimeTimerCount, 0);
      assert.equal(h.rc.timestamp, MIN_TIMESTAMP, 'the slot is back as it was');
    });

    test('at most one timer per key, namespace and time; other keys and namespaces are other timers', () => {
      const h = harness(type);
      h.register('a', 10);
      h.register('a', 10);
      h.register('a', 10, 'window-1');
      h.register('b', 10);
      h.register(['a', 1], 10);
      h.register(['a', 1], 10);
      assert.equal(h.timers.eventTimeTimerCount, 4);
      h.timers.advanceWatermark(10, h.target);
      assert.deepEqual(h.take().sort(), ['E a,1/0@10 ts=10', 'E a/0@10 ts=10', 'E a/window-1@10 ts=10', 'E b/0@10 ts=10']);
    });

    test('a deleted timer does not fire; deleted and registered again, it fires once; registered after firing, again', () => {
      const h = harness(type);
      h.register('a', 10);
      h.register('a', 20);
      h.register('b', 20);
      h.at('a');
      h.timers.deleteEventTimeTimer(0, 20);
      h.timers.deleteEventTimeTimer(0, 99); // not there: a no-op
      h.timers.deleteEventTimeTimer('other', 10); // another namespace: a no-op
      h.at('b');
      h.timers.deleteEventTimeTimer(0, 20);
      h.timers.registerEventTimeTimer(0, 20);
      h.timers.advanceWatermark(20, h.target);
      assert.deepEqual(h.take(), ['E a/0@10 ts=10', 'E b/0@20 ts=20']);
      h.register('b', 20);
      assert.deepEqual(h.take(), [], 'a timer at or below the watermark does not fire when registered…');
      h.timers.advanceWatermark(21, h.target);
      assert.deepEqual(h.take(), ['E b/0@20 ts=20'], '…but with the next watermark');
    });

    test('timers of one key registered, deleted and snapshotted without the key being set again in between', () => {
      const h = harness(type);
      h.at('a');
      h.timers.registerEventTimeTimer(1, 10);
      h.timers.registerEventTimeTimer(2, 10);
      h.timers.deleteEventTimeTimer(1, 10);
      h.timers.deleteEventTimeTimer(2, 10); // the key has no timers left
      h.timers.registerEventTimeTimer(3, 10);
      h.timers.registerEventTimeTimer(3, 10); // again: a no-op
      const snap = h.backend.snapshot(1);
      // After the cut, same key: the snapshot holds neither change.
      h.timers.registerEventTimeTimer(4, 20);
      h.timers.deleteEventTimeTimer(3, 10);
      assert.equal(h.timers.eventTimeTimerCount, 1);
      const to = harness(type);
      restoreChain(to.backend, [{ blocks: finish(snap), snap }]);
      to.timers.restore([]);
      to.timers.advanceWatermark(MAX_TIMESTAMP, to.target);
      assert.deepEqual(to.take(), ['E a/3@10 ts=10'], 'the snapshot has the timers at its cut');
      h.timers.advanceWatermark(100, h.target);
      assert.deepEqual(h.take(), ['E a/4@20 ts=20']);
    });

    test('a timer registered while timers fire, at or below the watermark, fires in the same advance (as in Flink)', () => {
      const h = harness(type);
      h.register('a', 10);
      h.target.also = (_d, t) => {
        if (t.timestamp === 10) h.timers.registerEventTimeTimer(0, 15);
        if (t.timestamp === 15) h.timers.registerEventTimeTimer(0, 50);
      };
      h.timers.advanceWatermark(20, h.target);
      assert.deepEqual(h.take(), ['E a/0@10 ts=10', 'E a/0@15 ts=15']);
      assert.equal(h.timers.eventTimeTimerCount, 1);
    });

    test('a timer registered again while it fires, at its own time, fires again in the same advance (as in Flink, which takes it out first)', () => {
      const h = harness(type);
      h.register('a', 5);
      h.timers.registerProcessingTimeTimer(0, 5);
      let again = 2;
      h.target.also = (domain, t) => {
        if (again-- <= 0) return;
        if (domain === 'E') h.timers.registerEventTimeTimer(0, t.timestamp);
        else h.timers.registerProcessingTimeTimer(0, t.timestamp);
      };
      h.timers.advanceWatermark(5, h.target);
      assert.deepEqual(h.take(), ['E a/0@5 ts=5', 'E a/0@5 ts=5', 'E a/0@5 ts=5']);
      again = 1;
      h.timers.advanceProcessingTime(5, h.target);
      assert.deepEqual(h.take(), ['P a/0@5 ts=none', 'P a/0@5 ts=none']);
      assert.deepEqual([h.timers.eventTimeTimerCount, h.timers.processingTimeTimerCount], [0, 0]);
    });

    test('timers at one time fire in the order they were registered; restored ones, by key group', () => {
      const h = harness(type);
      const byGroup = new Map<number, string>();
      for (let i = 0; byGroup.size < 5; i++) byGroup.set(keyGroupOf(h.backend, `k${i}`), `k${i}`);
      const keys = [...byGroup.entries()].sort((a, b) => b[0] - a[0]).map(([, k]) => k); // highest key group first
      for (const k of keys) h.register(k, 10);
      const snap = h.backend.snapshot(1);
      h.timers.advanceWatermark(10, h.target);
      assert.deepEqual(h.take(), keys.map((k) => `E ${k}/0@10 ts=10`));
      const to = harness(type);
      restoreChain(to.backend, [{ blocks: finish(snap), snap }]);
      to.timers.restore([]);
      to.timers.advanceWatermark(10, to.target);
      assert.deepEqual(to.take(), [...keys].reverse().map((k) => `E ${k}/0@10 ts=10`));
    });

    test('processing-time timers fire as the clock reaches them, with no record timestamp', () => {
      const h = harness(type);
      h.at('a');
      h.timers.registerProcessingTimeTimer(0, 200);
      h.timers.registerProcessingTimeTimer(0, 100);
      h.at('b');
      h.timers.registerProcessingTimeTimer(0, 150);
      h.timers.registerEventTimeTimer(0, 100);
      assert.equal(h.timers.nextProcessingTime(), 100);
      h.rc.timestamp = 7;
      h.timers.advanceProcessingTime(150, h.target);
      assert.deepEqual(h.take(), ['P a/0@100 ts=none', 'P b/0@150 ts=none']);
      assert.equal(h.rc.timestamp, 7);
      assert.equal(h.timers.nextProcessingTime(), 200);
      assert.equal(h.timers.eventTimeTimerCount, 1, 'the domains are separate');
    });

    test('the final watermark: its timers fire, then those they register in one more round; later ones are dropped', () => {
      const h = harness(type);
      h.register('a', 10);
      h.register('b', MAX_TIMESTAMP);
      // Every firing registers a timer a bit later, as ContinuousEventTimeTrigger on a global window does.
      h.target.also = (_d, t) => h.timers.registerEventTimeTimer(0, Math.min(t.timestamp + 5, MAX_TIMESTAMP - 1));
      h.timers.advanceWatermark(MAX_TIMESTAMP, h.target);
      assert.deepEqual(h.take(), [
        'E a/0@10 ts=10',
        `E b/0@${MAX_TIMESTAMP} ts=${MAX_TIMESTAMP}`,
        'E a/0@15 ts=15',
        `E b/0@${MAX_TIMESTAMP - 1} ts=${MAX_TIMESTAMP - 1}`,
      ]);
      assert.equal(h.timers.eventTimeTimerCount, 0, 'the third round is dropped, from state too');
      assert.equal(h.backend.stateTables().get(TIMERS_STATE)!.table.size, 0);
    });

    test('the final watermark: a chain of timers under a timer its key had pending fires in full, in order; one at or before the firing timer waits a round', () => {
      const h = harness(type);
      h.register('a', 10);
      h.register('a', 40);
      h.register('b', 20);
      // a: every firing before 40 registers the next 10 ms later, and the same time again (a
      // chain that would not end, as in Flink's loop); b has nothing pending after its timer.
      h.target.also = (_d, t) => {
        if (t.timestamp >= 40) return;
        h.timers.registerEventTimeTimer(0, t.timestamp + 10);
        h.timers.registerEventTimeTimer(0, t.timestamp);
      };
      h.timers.advanceWatermark(MAX_TIMESTAMP, h.target);
      assert.deepEqual(h.take(), [
        'E a/0@10 ts=10',
        'E b/0@20 ts=20',
        'E a/0@20 ts=20',
        'E a/0@30 ts=30',
        'E a/0@40 ts=40',
        // one more round, in time order: what each registered at its own time, and b's 30
        'E a/0@10 ts=10',
        'E b/0@20 ts=20',
        'E a/0@20 ts=20',
        'E b/0@30 ts=30',
        'E a/0@30 ts=30',
      ]);
      assert.equal(h.timers.eventTimeTimerCount, 0);
    });

    test('heaps stay bounded when timers are deleted and registered again many times', () => {
      const h = harness(type);
      h.at('k');
      for (let i = 0; i < 20_000; i++) {
        h.timers.registerProcessingTimeTimer(0, 1000 + i);
        h.timers.deleteProcessingTimeTimer(0, 1000 + i);
        h.timers.registerProcessingTimeTimer(0, 5); // the same timer, deleted and registered again
        h.timers.deleteProcessingTimeTimer(0, 5);
      }
      h.timers.registerProcessingTimeTimer(0, 5);
      assert.ok(h.timers.heapSizes[1] < 3000, `heap of ${h.timers.heapSizes[1]} entries for 1 timer`);
      h.timers.advanceProcessingTime(Number.MAX_SAFE_INTEGER, h.target);
      assert.deepEqual(h.take(), ['P k/0@5 ts=none']);
    });

    test('timers moved later on every record (a growing session) leave bounded heaps, and each fires once, at its last time', () => {
      const h = harness(type);
      const keys = 50;
      for (let i = 0; i < 20_000; i++) {
        const key = i % keys;
        h.at(key);
        const round = Math.floor(i / keys);
        if (round > 0) h.timers.deleteEventTimeTimer(`ns${key}`, 1000 + round - 1 + key);
        h.timers.registerEventTimeTimer(`ns${key}`, 1000 + round + key);
      }
      // one timer deleted, then registered again while its old entry waits: it still fires once
      h.at(0);
      h.timers.registerEventTimeTimer('again', 5);
      h.timers.deleteEventTimeTimer('again', 5);
      h.timers.registerEventTimeTimer('again', 5);
      assert.ok(h.timers.heapSizes[0] < 3 * keys + 1100, `heap of ${h.timers.heapSizes[0]} entries for ${keys + 1} timers`);
      assert.equal(h.timers.eventTimeTimerCount, keys + 1);
      h.timers.advanceWatermark(MAX_TIMESTAMP - 1, h.target);
      const last = 20_000 / keys - 1;
      assert.deepEqual(h.take(), ['E 0/again@5 ts=5', ...Array.from({ length: keys }, (_, k) => `E ${k}/ns${k}@${1000 + last + k} ts=${1000 + last + k}`)]);
    });

    test('timers are keyed state: snapshotted (incrementally too), rescaled by key group, each fires once on the subtask owning its key', () => {
      const from = harness(type, undefined, true);
      const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
      keys.forEach((k, i) => {
        from.register(k, 1000 + i);
        from.at(k);
        from.timers.registerProcessingTimeTimer(7, 5000 + i);
      });
      const base = from.backend.snapshot(1);
      const baseBlocks = finish(base);
      base.written({ file: 'base', size: 1000, checksum: '' });
      from.backend.notifyCheckpointComplete(1);
      // Changes after the base: a delta deletes one timer, fires another, adds one.
      from.at('key-0');
      from.timers.deleteEventTimeTimer(0, 1000);
      from.timers.advanceWatermark(1001, from.target);
      assert.deepEqual(from.take(), ['E key-1/0@1001 ts=1001']);
      from.register('new', 1500);
      const delta = from.backend.snapshot(2);
      assert.ok(delta.isDelta, 'the second checkpoint is a delta');
      const deltaBlocks = finish(delta);
      const chain = [
        { blocks: baseBlocks, snap: base },
        { blocks: deltaBlocks, snap: delta },
      ];
      const fired: string[] = [];
      for (const type2 of BACKENDS) {
        for (let i = 0; i < 2; i++) {
          const to = harness(type2, KeyGroupRange.forSubtask(128, 2, i));
          restoreChain(to.backend, chain);
          to.timers.restore([]);
          to.timers.advanceWatermark(MAX_TIMESTAMP, to.target);
          to.timers.advanceProcessingTime(MAX_TIMESTAMP, to.target);
          const mine = to.take();
          for (const line of mine) {
            const key = /^[EP] ([^/]+)\//.exec(line)![1]!;
            assert.ok(to.backend.keyGroupRange.contains(keyGroupOf(to.backend, key)), `${key} fired on the subtask owning it`);
          }
          if (type2 === type) fired.push(...mine);
        }
      }
      const expected = [
        ...keys.slice(2).map((k, i) => `E ${k}/0@${1002 + i} ts=${1002 + i}`),
        'E new/0@1500 ts=1500',
        ...keys.map((k, i) => `P ${k}/7@${5000 + i} ts=none`),
      ];
      assert.deepEqual(fired.sort(), expected.sort());
    });

    test('format-2 processing-time timers are converted into timer state on restore', () => {
      const h = harness(type, KeyGroupRange.forSubtask(128, 2, 0));
      const mine = ['a', 'c', 'd', 'x'].filter((k) => h.backend.keyGroupRange.contains(keyGroupOf(h.backend, k)));
      const legacy: StoredTimer[] = mine.map((k, i) => [100 + i, k, keyGroupOf(h.backend, k)]);
      legacy.push([100, mine[0]!, keyGroupOf(h.backend, mine[0]!)]); // a duplicate stays one timer
      h.timers.restore(legacy);
      assert.equal(h.timers.processingTimeTimerCount, mine.length);
      h.timers.advanceProcessingTime(1000, h.target);
      assert.deepEqual(h.take(), mine.map((k, i) => `P ${k}/0@${100 + i} ts=none`));
    });

    test('a damaged timer list in a snapshot is refused at restore, naming the operator', () => {
      const h = harness(type, new KeyGroupRange(0, 127));
      const meta = { [TIMERS_STATE]: { kind: 'value' as const, ttl: false, serializer: { name: 'msgpack', version: 1 } } };
      h.backend.restoreKeyGroup(toBlock(3, encodeFullBlock({ [TIMERS_STATE]: [['k', ['k', 2, 'soon', 0]]] })), meta);
      assert.throws(
        () => h.timers.restore([]),
        (err: unknown) => err instanceof SnapshotRestoreError && /timers of operator 'op': a key in key group 3 holds a timer of unknown domain 2/.test(err.message),
      );
    });
  });
}

function keyGroupOf(backend: KeyedStateBackend, key: string): number {
  backend.setCurrentKey(key);
  return backend.currentKeyGroup;
}

for (const type of BACKENDS) {
  describe(`timer service on ${type}: registering a timer a key holds already`, () => {
    test('a timer restored from a snapshot, or sharing its time with timers of another namespace, registered again stays one timer', () => {
      const from = harness(type);
      from.register('a', 10);
      const snap = from.backend.snapshot(1);
      const to = harness(type);
      restoreChain(to.backend, [{ blocks: finish(snap), snap }]);
      to.timers.restore([]);
      to.register('a', 10); // held since before the restore
      to.register('a', 10);
      to.register('b', 10, 'x'); // time 10 is known for namespace 0: this one is looked up in state
      to.register('b', 10, 'x');
      assert.equal(to.timers.eventTimeTimerCount, 2);
      to.timers.advanceWatermark(10, to.target);
      assert.deepEqual(to.take().sort(), ['E a/0@10 ts=10', 'E b/x@10 ts=10']);
    });

    test('a key holding many timers, registered out of time order: each stays one timer, deletes find them, and they fire in time order', () => {
      const h = harness(type);
      for (const t of [50, 10, 30, 10, 20, 40, 30, 5, 50]) h.register('a', t);
      h.register('a', 30, 'x');
      h.register('a', 30, 'x');
      assert.equal(h.timers.eventTimeTimerCount, 7);
      h.at('a');
      h.timers.deleteEventTimeTimer(0, 20);
      h.timers.deleteEventTimeTimer(0, 21); // none at 21: nothing happens
      assert.equal(h.timers.eventTimeTimerCount, 6);
      h.timers.advanceWatermark(10, h.target);
      assert.deepEqual(h.take(), ['E a/0@5 ts=5', 'E a/0@10 ts=10']);
      h.at('a');
      h.timers.deleteEventTimeTimer(0, 10); // fired already: nothing happens
      h.register('a', 30);
      h.register('a', 45);
      h.timers.advanceWatermark(100, h.target);
      assert.deepEqual(h.take(), ['E a/0@30 ts=30', 'E a/x@30 ts=30', 'E a/0@40 ts=40', 'E a/0@45 ts=45', 'E a/0@50 ts=50']);
      assert.equal(h.timers.eventTimeTimerCount, 0);
    });

    test('a timer list out of time order in a snapshot (written before lists were kept in order) is put in order at restore', () => {
      const h = harness(type, new KeyGroupRange(0, 127));
      const meta = { [TIMERS_STATE]: { kind: 'value' as const, ttl: false, serializer: { name: 'msgpack', version: 1 } } };
      const kg = keyGroupOf(h.backend, 'k');
      h.backend.restoreKeyGroup(toBlock(kg, encodeFullBlock({ [TIMERS_STATE]: [['k', ['k', 0, 50, 0, 0, 10, 0, 1, 30, 0, 0, 30, 0]]] })), meta);
      h.timers.restore([]);
      h.register('k', 50); // held already, behind earlier ones in the snapshot's list
      h.register('k', 10);
      h.register('k', 20);
      assert.equal(h.timers.eventTimeTimerCount, 4);
      h.timers.advanceWatermark(100, h.target);
      assert.deepEqual(h.take(), ['E k/0@10 ts=10', 'E k/0@20 ts=20', 'E k/0@30 ts=30', 'E k/0@50 ts=50']);
      h.clock.advance(30);
      h.timers.advanceProcessingTime(h.clock.now(), h.target);
      assert.deepEqual(h.take(), ['P k/0@30 ts=none']);
    });

    test('a timer fired or deleted for many keys at one time is registered again for each of them', () => {
      const h = harness(type);
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
      for (const k of keys) h.register(k, 100);
      for (const k of keys.slice(0, 10)) {
        h.at(k);
        h.timers.deleteEventTimeTimer(0, 100);
      }
      for (const k of keys) h.register(k, 100); // the ten deleted ones come back, the rest stay one timer
      assert.equal(h.timers.eventTimeTimerCount, 50);
      h.timers.advanceWatermark(100, h.target);
      assert.equal(h.take().length, 50);
      for (const k of keys) h.register(k, 100); // after firing: timers again (at the watermark: with the next one)
      h.timers.advanceWatermark(101, h.target);
      assert.equal(h.take().length, 50);
    });
  });
}
