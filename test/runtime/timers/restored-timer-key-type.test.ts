/*
 * A timer restored under key '7' in a job now keyed by 7. The timer is restored state: it fires
 * under the key it was registered with, with that key's restored state in reach — what the old
 * job would have done, nothing lost or misread — and the key-type fence is not tripped by it
 * (its key is of a restored kind). The job's first record of the new type is refused, whenever
 * it comes: before or after the timers fired. Both backends, event and processing time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordContext } from '../../../src/runtime/record-context.js';
import type { Triggerable } from '../../../src/runtime/timers/internal-timer-service.js';
import { InternalTimerServiceImpl } from '../../../src/runtime/timers/internal-timer-service-impl.js';
import { type ValueState, ValueStateDescriptor } from '../../../src/state/index.js';
import { ManualClock } from '../../../src/util/clock.js';
import { KeyTypeChangedError } from '../../../src/util/errors.js';
import { BACKENDS, createBackend, finish, restoreChain } from '../../state/backends.js';

const count = new ValueStateDescriptor<number>('count', 0);

for (const type of BACKENDS) {
  describe(`a restored timer of a key whose type changed [${type}]`, () => {
    test("fires under its restored key '7' with that key's state, re-registers under it, and does not trip the fence; the first number key does", () => {
      const before = createBackend(type);
      const clock = new ManualClock(0);
      const timers = new InternalTimerServiceImpl(before, clock, new RecordContext(), 'count');
      const state = before.getOrCreateState<ValueState<number>>(count);
      before.setCurrentKey('7');
      state.update(5);
      timers.registerProcessingTimeTimer(0, 100);
      timers.registerEventTimeTimer(0, 1000);
      const snap = before.snapshot(1, { full: true });

      const after = restoreChain(createBackend(type), [{ blocks: finish(snap), snap }]);
      after.restoredKeyKinds('count', { keyKinds: snap.keyKinds, userKeyKinds: snap.userKeyKinds });
      const restoredTimers = new InternalTimerServiceImpl(after, clock, new RecordContext(), 'count');
      restoredTimers.restore([]);
      const counts = after.getOrCreateState<ValueState<number>>(count);
      const fired: string[] = [];
      const target: Triggerable = {
        onProcessingTime(t) {
          fired.push(`P ${JSON.stringify(after.getCurrentKey())}@${t.timestamp} count=${counts.value()}`);
          counts.update(counts.value()! + 1);
          restoredTimers.registerProcessingTimeTimer(0, t.timestamp + 100);
        },
        onEventTime(t) {
          fired.push(`E ${JSON.stringify(after.getCurrentKey())}@${t.timestamp} count=${counts.value()}`);
        },
      };
      clock.set(100);
      restoredTimers.advanceProcessingTime(100, target);
      restoredTimers.advanceWatermark(1000, target);
      assert.deepEqual(fired, ['P "7"@100 count=5', 'E "7"@1000 count=6'], 'fired under the restored key, its state found');
      // Records of the restored type pass as ever; the first of the new type is refused.
      after.prefetch(['7']);
      assert.throws(() => after.prefetch([7]), KeyTypeChangedError);
      clock.set(200);
      fired.length = 0;
      restoredTimers.advanceProcessingTime(200, target);
      assert.deepEqual(fired, ['P "7"@200 count=6'], "the timer it re-registered is the restored key's");
    });
  });
}
