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

  /** The windows last returned, and the latest start and count they were made for. */
  private last: { start: number; count: number; windows: readonly TimeWindow[] } = { start: NaN, count: 0, windows: [] };

  /**
   * Every window holding `time`, latest start first (about size / slide of them). Times of the
   * same windows get the same (read-only) array, so the common case allocates nothing.
   */
  protected windowsAt(time: number): readonly TimeWindow[] {
    const lastStart = TimeWindow.getWindowStartWithOffset(time, this.offset, this.slide);
    // Starts lastStart − k·slide for k ≥ 0 while start > time − size.
    const count = Math.ceil((lastStart - time + this.size) / this.slide);
    const last = this.last;
    if (last.start === lastStart && last.count === count) return last.windows;
    const windows: TimeWindow[] = [];
    for (let start = lastStart; start > time - this.size; start -= this.slide) {
      windows.push(new TimeWindow(start, start + this.size));
    }
    this.last = { start: lastStart, count, windows };
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
