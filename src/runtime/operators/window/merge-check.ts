/**
 * Flink's checks in the window operator's merge function: merging may not move a window's end
 * behind the watermark (event time: its cleanup time, so allowed lateness counts) or the clock
 * (processing time) — its timers would then never fire, or fire at once for a window that
 * still takes elements.
 */
import { FlinkError } from '../../../util/errors.js';
import { type Window, cleanupTime } from '../../../windowing/index.js';

/** What the check reads of the operator's timer service. */
export interface MergeClock {
  currentWatermark(): number;
  currentProcessingTime(): number;
}

/** Throws `window.lateMerge` if `mergeResult` ends where its timers could no longer fire. */
export function checkMergeResult(mergeResult: Window, eventTime: boolean, allowedLateness: number, clock: MergeClock): void {
  if (eventTime) {
    const watermark = clock.currentWatermark();
    if (cleanupTime(mergeResult, allowedLateness, true) <= watermark) {
      throw new FlinkError(
        'window.lateMerge',
        `The end timestamp of an event-time window cannot become earlier than the current watermark by merging. Current watermark: ${watermark} window: ${String(mergeResult)}`,
      );
    }
  } else {
    const now = clock.currentProcessingTime();
    if (mergeResult.maxTimestamp() <= now) {
      throw new FlinkError(
        'window.lateMerge',
        `The end timestamp of a processing-time window cannot become earlier than the current processing time by merging. Current processing time: ${now} window: ${String(mergeResult)}`,
      );
    }
  }
}
