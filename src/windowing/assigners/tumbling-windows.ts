import { durationToMillis, type DurationLike } from '../../util/time.js';
import { TimeWindow } from '../time-window.js';
import { FixedSizeTimeWindows } from './fixed-size-time-windows.js';
import { EVENT_TIME, PROCESSING_TIME } from './window-time.js';

/** Size and offset of tumbling windows, checked as Flink checks them. */
function tumblingParams(name: string, size: DurationLike, offset: DurationLike | undefined): [number, number] {
  const sizeMs = durationToMillis(size, `${name} size`);
  const offsetMs = offset === undefined ? 0 : durationToMillis(offset, `${name} offset`);
  if (Math.abs(offsetMs) >= sizeMs) {
    throw new RangeError(`${name} parameters must satisfy abs(offset) < size, got size ${sizeMs} ms and offset ${offsetMs} ms.`);
  }
  return [sizeMs, offsetMs];
}

abstract class TumblingWindows extends FixedSizeTimeWindows {
  /**
   * The window last returned (a read-only one-element array), reused while times fall into it;
   * none yet is an empty array (not a window of NaN: that would make every window's fields
   * doubles for V8).
   */
  private last: readonly TimeWindow[] = [];

  /**
   * The window holding `time`; the same array as last time if it is the same window, so the
   * common case allocates nothing. Windows tile the time line, so a time inside the last window
   * needs no division (a `%` of doubles is a library call, the most of what assigning cost).
   */
  protected windowsAt(time: number): readonly TimeWindow[] {
    const last = this.last;
    if (last.length === 1 && time >= last[0]!.start && time < last[0]!.end) return last;
    const start = TimeWindow.getWindowStartWithOffset(time, this.offset, this.size);
    this.last = [new TimeWindow(start, start + this.size)];
    return this.last;
  }
}

/**
 * Windows of a fixed `size` that do not overlap, by event timestamp (Flink's
 * TumblingEventTimeWindows). Windows start at `offset + k·size`; an offset of
 * `Duration.ofHours(-8)` aligns daily windows to midnight in UTC+8.
 */
export class TumblingEventTimeWindows extends TumblingWindows {
  static of(size: DurationLike, offset?: DurationLike): TumblingEventTimeWindows {
    const name = 'TumblingEventTimeWindows';
    return new TumblingEventTimeWindows(name, EVENT_TIME, ...tumblingParams(name, size, offset));
  }
}

/** Tumbling windows by the machine's clock when the element arrives (Flink's TumblingProcessingTimeWindows). */
export class TumblingProcessingTimeWindows extends TumblingWindows {
  static of(size: DurationLike, offset?: DurationLike): TumblingProcessingTimeWindows {
    const name = 'TumblingProcessingTimeWindows';
    return new TumblingProcessingTimeWindows(name, PROCESSING_TIME, ...tumblingParams(name, size, offset));
  }
}
