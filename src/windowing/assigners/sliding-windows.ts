import { durationToMillis, type DurationLike } from '../../util/time.js';
import { TimeWindow } from '../time-window.js';
import { FixedSizeTimeWindows } from './fixed-size-time-windows.js';
import { EVENT_TIME, PROCESSING_TIME, type WindowTime } from './window-time.js';

/** Size, slide and offset of sliding windows, checked as Flink checks them. */
function slidingParams(
  name: string,
  size: DurationLike,
  slide: DurationLike,
  offset: DurationLike | undefined,
): [number, number, number] {
  const sizeMs = durationToMillis(size, `${name} size`);
  const slideMs = durationToMillis(slide, `${name} slide`);
  const offsetMs = offset === undefined ? 0 : durationToMillis(offset, `${name} offset`);
  if (Math.abs(offsetMs) >= slideMs || sizeMs <= 0) {
    throw new RangeError(
      `${name} parameters must satisfy abs(offset) < slide and size > 0, got size ${sizeMs} ms, slide ${slideMs} ms and offset ${offsetMs} ms.`,
    );
  }
  return [sizeMs, slideMs, offsetMs];
}

abstract class SlidingWindows extends FixedSizeTimeWindows {
  protected constructor(name: string, time: WindowTime, size: number, protected readonly slide: number, offset: number) {
    super(name, time, size, offset);
  }

  /**
   * The windows last returned, and the times that share them: from `from` (inclusive) to `until`
   * (exclusive) no window starts or ends, so every time there lies in the same windows.
   */
  private last: { from: number; until: number; windows: readonly TimeWindow[] } = { from: 0, until: 0, windows: [] };

  /**
   * Every window holding `time`, latest start first (about size / slide of them). Times of the
   * same windows get the same (read-only) array without a division, so the common case
   * allocates nothing and costs two comparisons.
   */
  protected windowsAt(time: number): readonly TimeWindow[] {
    const last = this.last;
    if (time >= last.from && time < last.until) return last.windows;
    const lastStart = TimeWindow.getWindowStartWithOffset(time, this.offset, this.slide);
    const windows: TimeWindow[] = [];
    // Starts lastStart − k·slide for k ≥ 0 while start > time − size.
    let firstStart = lastStart;
    for (let start = lastStart; start > time - this.size; start -= this.slide) {
      windows.push(new TimeWindow(start, start + this.size));
      firstStart = start;
    }
    // The set changes where the next window starts or the earliest one ends; it began where
    // the latest one started or the one before the earliest ended. No window (a slide longer
    // than the size): the gap from the latest window's end to the next start.
    const empty = windows.length === 0;
    const from = empty ? lastStart + this.size : Math.max(lastStart, firstStart - this.slide + this.size);
    const until = empty ? lastStart + this.slide : Math.min(lastStart + this.slide, firstStart + this.size);
    this.last = { from, until, windows };
    return windows;
  }

  getSlide(): number {
    return this.slide;
  }

  override toString(): string {
    return `${this.name}(${this.size}, ${this.slide})`;
  }
}

/**
 * Windows of `size` starting every `slide`, by event timestamp (Flink's
 * SlidingEventTimeWindows): an element belongs to every window that covers its timestamp.
 */
export class SlidingEventTimeWindows extends SlidingWindows {
  static of(size: DurationLike, slide: DurationLike, offset?: DurationLike): SlidingEventTimeWindows {
    const name = 'SlidingEventTimeWindows';
    return new SlidingEventTimeWindows(name, EVENT_TIME, ...slidingParams(name, size, slide, offset));
  }
}

/** Sliding windows by the machine's clock (Flink's SlidingProcessingTimeWindows). */
export class SlidingProcessingTimeWindows extends SlidingWindows {
  static of(size: DurationLike, slide: DurationLike, offset?: DurationLike): SlidingProcessingTimeWindows {
    const name = 'SlidingProcessingTimeWindows';
    return new SlidingProcessingTimeWindows(name, PROCESSING_TIME, ...slidingParams(name, size, slide, offset));
  }
}
