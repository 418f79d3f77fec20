import { durationToMillis, type DurationLike } from '../../util/time.js';
import { TimeWindow, TimeWindowStartSerializer } from '../time-window.js';
import { EventTimeTrigger } from '../triggers/event-time-trigger.js';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.js';
import type { Trigger } from '../triggers/trigger.js';
import type { WindowSerializer } from '../window.js';
import { requireTimestamp, WindowAssigner, type WindowAssignerContext } from './window-assigner.js';

/** Size and offset of tumbling windows, checked as Flink checks them. */
function tumblingParams(name: string, size: DurationLike, offset: DurationLike | undefined): [number, number] {
  const sizeMs = durationToMillis(size, `${name} size`);
  const offsetMs = offset === undefined ? 0 : durationToMillis(offset, `${name} offset`);
  if (Math.abs(offsetMs) >= sizeMs) {
    throw new RangeError(`${name} parameters must satisfy abs(offset) < size, got size ${sizeMs} ms and offset ${offsetMs} ms.`);
  }
  return [sizeMs, offsetMs];
}

abstract class TumblingWindows extends WindowAssigner<unknown, TimeWindow> {
  private readonly serializer: TimeWindowStartSerializer;

  protected constructor(
    protected readonly size: number,
    protected readonly offset: number,
  ) {
    super();
    this.serializer = new TimeWindowStartSerializer(size);
  }

  /**
   * The window last returned (a read-only one-element array), reused while times fall into it;
   * none yet is an empty array (not a window of NaN: that would make every window's fields
   * doubles for V8).
   */
  private last: readonly TimeWindow[] = [];

  /** The window holding `time`; the same array as last time if it is the same window, so the common case allocates nothing. */
  protected windowAt(time: number): readonly TimeWindow[] {
    const start = TimeWindow.getWindowStartWithOffset(time, this.offset, this.size);
    const last = this.last;
    if (last.length === 1 && last[0]!.start === start) return last;
    this.last = [new TimeWindow(start, start + this.size)];
    return this.last;
  }

  getSize(): number {
    return this.size;
  }

  getOffset(): number {
    return this.offset;
  }

  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return this.serializer;
  }
}

/**
 * Windows of a fixed `size` that do not overlap, by event timestamp (Flink's
 * TumblingEventTimeWindows). Windows start at `offset + k·size`; an offset of
 * `Duration.ofHours(-8)` aligns daily windows to midnight in UTC+8.
 */
export class TumblingEventTimeWindows extends TumblingWindows {
  static of(size: DurationLike, offset?: DurationLike): TumblingEventTimeWindows {
    const [sizeMs, offsetMs] = tumblingParams('TumblingEventTimeWindows', size, offset);
    return new TumblingEventTimeWindows(sizeMs, offsetMs);
  }

  assignWindows(_element: unknown, timestamp: number, _context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowAt(requireTimestamp(timestamp, 'TumblingEventTimeWindows'));
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  override toString(): string {
    return `TumblingEventTimeWindows(${this.size})`;
  }
}

/** Tumbling windows by the machine's clock when the element arrives (Flink's TumblingProcessingTimeWindows). */
export class TumblingProcessingTimeWindows extends TumblingWindows {
  static of(size: DurationLike, offset?: DurationLike): TumblingProcessingTimeWindows {
    const [sizeMs, offsetMs] = tumblingParams('TumblingProcessingTimeWindows', size, offset);
    return new TumblingProcessingTimeWindows(sizeMs, offsetMs);
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): readonly TimeWindow[] {
    return this.windowAt(context.getCurrentProcessingTime());
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return `TumblingProcessingTimeWindows(${this.size})`;
  }
}
