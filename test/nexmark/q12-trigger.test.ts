/**
 * q12's trigger (jobs/nexmark/processing-time-or-end-of-input.ts) in the real window operator,
 * with the clock in the test's hand: every bid is counted in exactly one window's row, whichever
 * comes first at a window's end — the clock or the end of input. The race this pins: a window's
 * processing-time timer comes due just before the input ends and fires after the end-of-input
 * watermark did; while that firing kept the contents, the window was emitted twice (a bench run
 * of q12 once found a bidder's total too high). Needs `npm run build` (the job imports flink-ts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ProcessingTimeOrEndOfInput } from '../../jobs/nexmark/processing-time-or-end-of-input.js';
import type { Trigger } from '../../src/windowing/index.js';
import { TumblingProcessingTimeWindows } from '../../src/windowing/index.js';
import { Duration, MAX_TIMESTAMP } from '../../src/util/time.js';
import { BACKENDS } from '../state/backends.js';
import { key0, reduceWith, sumReducer, windowSpec } from '../runtime/operators/window/window-fixtures.js';
import { WindowHarness, record, watermark } from '../runtime/operators/window/window-harness.js';

for (const backend of BACKENDS) {
  describe(`q12's trigger: processing time or end of input [${backend}]`, () => {
    const open = () =>
      new WindowHarness(
        windowSpec({
          assigner: TumblingProcessingTimeWindows.of(Duration.ofSeconds(10)),
          // The job's class comes from the built package (flink-ts); the operator sees the same shape.
          trigger: new ProcessingTimeOrEndOfInput() as unknown as Trigger<unknown, never>,
          contents: reduceWith(sumReducer),
        }),
        key0,
        { backend },
      ).open();

    test('a timer due when the input ends, fired after the end-of-input watermark, emits nothing more', async () => {
      const h = await open();
      h.setProcessingTime(1000);
      h.processElement(['a', 1]);
      h.processElement(['a', 1]);
      h.processElement(['b', 1]);
      h.clock.set(10_000); // the window's end passed; no sweep ran yet
      h.processWatermark(MAX_TIMESTAMP);
      h.setProcessingTime(10_000); // the task's last sweep fires the due timers
      assert.deepEqual(h.output, [record(['a', 2], 9999), record(['b', 1], 9999), watermark(MAX_TIMESTAMP)]);
      await h.close();
    });

    test('a window the clock fired before the input ended is not fired again by the end', async () => {
      const h = await open();
      h.setProcessingTime(1000);
      h.processElement(['a', 1]);
      h.setProcessingTime(10_000);
      h.processElement(['a', 1]);
      h.processWatermark(MAX_TIMESTAMP);
      h.setProcessingTime(25_000);
      assert.deepEqual(h.output, [record(['a', 1], 9999), record(['a', 1], 19_999), watermark(MAX_TIMESTAMP)]);
      await h.close();
    });

    test('windows still open when the input ends fire then, once', async () => {
      const h = await open();
      h.setProcessingTime(1000);
      for (let i = 0; i < 5; i++) h.processElement(['a', 1]);
      h.processWatermark(MAX_TIMESTAMP);
      h.setProcessingTime(30_000);
      assert.deepEqual(h.output, [record(['a', 5], 9999), watermark(MAX_TIMESTAMP)]);
      await h.close();
    });
  });
}
