/*
 * The window operator does not call EventTimeTrigger, nor set the cleanup timer, for an element
 * whose key already has contents it added to the window: both timers are set already. These
 * tests pin the cases where that is not so, and the operator must set them as Flink does.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WINDOW_CONTENTS_STATE } from '../../../../src/runtime/operators/window/window-operator.js';
import { Duration } from '../../../../src/util/time.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../../../../src/windowing/index.js';
import { BACKENDS } from '../../../state/backends.js';
import { assertOutputEqualsSorted, key0, reduceWith, sumReducer, windowSpec } from './window-fixtures.js';
import { WindowHarness, record, watermark } from './window-harness.js';

const s = (n: number) => Duration.ofSeconds(n);

for (const backend of BACKENDS) {
  const contentsEntries = (h: WindowHarness) => h.backend.stateTables().get(WINDOW_CONTENTS_STATE)!.table.size;

  describe(`window operator: timers of windows with contents [${backend}]`, () => {
    test('with EventTimeTrigger, a key registers its window timers with the first element of a window, not again with the next', async () => {
      const h = await new WindowHarness(windowSpec({ assigner: SlidingEventTimeWindows.of(s(2), s(1)), contents: reduceWith(sumReducer) }), key0, { backend }).open();
      let registered = 0;
      const register = h.timers.registerEventTimeTimer.bind(h.timers);
      h.timers.registerEventTimeTimer = (ns, time) => {
        registered++;
        register(ns, time);
      };
      h.processElement(['a', 1], 1500); // windows [0, 2000) and [1000, 3000): one timer each
      h.processElement(['b', 1], 1500);
      assert.equal(registered, 4);
      h.processElement(['a', 1], 1600);
      h.processElement(['b', 1], 1700);
      h.processElement(['a', 1], 1800);
      assert.equal(registered, 4, 'the timers are set: not registered again');
      h.processElement(['a', 1], 2100); // [2000, 4000) is new for a
      assert.equal(registered, 5);
      h.processWatermark(5000);
      assertOutputEqualsSorted(h.output, [
        record(['a', 3], 1999),
        record(['b', 2], 1999),
        record(['a', 4], 2999),
        record(['b', 2], 2999),
        record(['a', 1], 3999),
        watermark(5000),
      ]);
      await h.close();
    });

    test('a window restored with contents gets the cleanup timer of the restoring job (its allowed lateness changed)', async () => {
      const before = await new WindowHarness(windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), contents: reduceWith(sumReducer) }), key0, { backend }).open();
      before.processElement(['k', 1], 500);
      const snap = before.snapshot();
      await before.close();
      const spec = windowSpec({ assigner: TumblingEventTimeWindows.of(s(2)), contents: reduceWith(sumReducer), lateness: 1000 });
      const h = await new WindowHarness(spec, key0, { backend, restore: snap }).open();
      h.processElement(['k', 1], 600);
      h.processWatermark(1999);
      assert.equal(contentsEntries(h), 1, 'kept for the allowed lateness');
      h.processWatermark(2999);
      assertOutputEqualsSorted(h.output, [record(['k', 2], 1999), watermark(1999), watermark(2999)]);
      assert.equal(contentsEntries(h), 0, 'cleaned up at the end of the window plus the lateness');
      await h.close();
    });

    test('after its contents fire and are cleaned up, a key adding to a window again sets its timers again', async () => {
      const h = await new WindowHarness(windowSpec({ assigner: SlidingEventTimeWindows.of(s(2), s(1)), contents: reduceWith(sumReducer), lateness: 500 }), key0, {
        backend,
      }).open();
      h.processElement(['a', 1], 1500); // windows [0, 2000) and [1000, 3000)
      h.processElement(['a', 1], 1600);
      h.processElement(['b', 1], 1700);
      h.processWatermark(1999); // [0, 2000) fires
      h.processElement(['a', 1], 1800); // late within the lateness: [0, 2000) fires again at once, [1000, 3000) adds
      h.processWatermark(2499); // [0, 2000) cleaned up
      h.processElement(['a', 1], 2600); // windows [1000, 3000) (has contents) and [2000, 4000) (new)
      h.processWatermark(5000);
      assertOutputEqualsSorted(h.output, [
        record(['a', 2], 1999),
        record(['b', 1], 1999),
        watermark(1999),
        record(['a', 3], 1999),
        watermark(2499),
        record(['a', 4], 2999),
        record(['b', 1], 2999),
        record(['a', 1], 3999),
        watermark(5000),
      ]);
      assert.equal(contentsEntries(h), 0);
      await h.close();
    });
  });
}
