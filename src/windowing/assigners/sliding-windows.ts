import { durationToMillis, type DurationLike } from '../../util/time.js';
import { TimeWindow, TimeWindowStartSerializer } from '../time-window.js';
import { EventTimeTrigger } from '../triggers/event-time-trigger.js';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.js';
import type { Trigger } from '../triggers/trigger.js';
import type { WindowSerializer } from '../window.js';
import { requireTimestamp, WindowAssigner, type WindowAssignerContext } from './window-assigner.js';

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

abstract class SlidingWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly serializer: TimeWindowStartSerializer;

  protected constructor(
    protected readonly size: number,
    protected readonly slide: number,
    protected readonly offset: number,
  ) {
    super();
    this.serializer = new TimeWindowStartSerializer(size);
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

  getSize(): number {
    return this.size;
  }

  getSlide(): number {
    return this.slide;
  }

  getOffset(): number {
    return this.offset;
  }

  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return this.serializer;
  }
}

/**
 * Windows of `size` starting every `slide`, by event timestamp (Flink's
 * SlidingEventTimeWindows): an element belongs to every window that covers its timestamp.
 */
export class SlidingEventTimeWindows extends SlidingWindows {
  static of(size: DurationLike, slide: DurationLike, offset?: DurationLike): SlidingEventTimeWindows {
    const [sizeMs, slideMs, offsetMs] = slidingParams('SlidingEventTimeWindows', size, slide, offset);
    return new SlidingEventTimeWindows(sizeMs, slideMs, offsetMs);
  }

  assignWindows(_element: unknown, timestamp: number, _context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowsAt(requireTimestamp(timestamp, 'SlidingEventTimeWindows'));
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  override toString(): string {
    return `SlidingEventTimeWindows(${this.size}, ${this.slide})`;
  }
}

/** Sliding windows by the machine's clock (Flink's SlidingProcessingTimeWindows). */
export class SlidingProcessingTimeWindows extends SlidingWindows {
  static of(size: DurationLike, slide: DurationLike, offset?: DurationLike): SlidingProcessingTimeWindows {
    const [sizeMs, slideMs, offsetMs] = slidingParams('SlidingProcessingTimeWindows', size, slide, offset);
    return new SlidingProcessingTimeWindows(sizeMs, slideMs, offsetMs);
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowsAt(context.getCurrentProcessingTime());
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return `SlidingProcessingTimeWindows(${this.size}, ${this.slide})`;
  }
}
