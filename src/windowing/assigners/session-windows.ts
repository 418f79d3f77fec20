import { durationToMillis, type DurationLike } from '../../util/time.js';
import { type MergeCallback, TimeWindow, TimeWindowBoundsSerializer } from '../time-window.js';
import { EventTimeTrigger } from '../triggers/event-time-trigger.js';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.js';
import type { Trigger } from '../triggers/trigger.js';
import type { WindowSerializer } from '../window.js';
import { MergingWindowAssigner, requireTimestamp, type WindowAssignerContext } from './window-assigner.js';

/** Gives each element its session gap in milliseconds (Flink's SessionWindowTimeGapExtractor). */
export type SessionWindowTimeGapExtractor<T> = ((element: T) => number) | { extract(element: T): number };

function gapParam(name: string, gap: DurationLike): number {
  const ms = durationToMillis(gap, `${name} gap`);
  if (ms <= 0) throw new RangeError(`${name} parameters must satisfy 0 < size, got a gap of ${ms} ms.`);
  return ms;
}

function gapFunction<T>(name: string, extractor: SessionWindowTimeGapExtractor<T>): (element: T) => number {
  if (typeof extractor === 'function') return extractor;
  if (extractor !== null && typeof extractor === 'object' && typeof extractor.extract === 'function') {
    return (element) => extractor.extract(element);
  }
  throw new TypeError(`${name}.withDynamicGap needs a function (element) => gap in milliseconds.`);
}

function dynamicGap<T>(extract: (element: T) => number, element: T): number {
  const gap = extract(element);
  if (typeof gap !== 'number' || !Number.isSafeInteger(gap)) {
    throw new TypeError(`The dynamic session gap function returned ${String(gap)}; it must return a whole number of milliseconds.`);
  }
  if (gap <= 0) throw new RangeError(`Dynamic session time gap must satisfy 0 < gap, got ${gap} ms.`);
  return gap;
}

abstract class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return TimeWindowBoundsSerializer.INSTANCE;
  }

  /** Merges windows that overlap or touch. */
  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }
}

/**
 * Sessions by event timestamp (Flink's EventTimeSessionWindows): each element opens the window
 * `[timestamp, timestamp + gap)`, and windows that overlap or touch merge, so a session ends
 * after `gap` without elements.
 */
export class EventTimeSessionWindows extends SessionWindows<unknown> {
  private constructor(private readonly gap: number) {
    super();
  }

  static withGap(gap: DurationLike): EventTimeSessionWindows {
    return new EventTimeSessionWindows(gapParam('EventTimeSessionWindows', gap));
  }

  /** Sessions whose gap `extractor(element)` gives per element, in milliseconds. */
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return new DynamicEventTimeSessionWindows(gapFunction('EventTimeSessionWindows', extractor));
  }

  assignWindows(_element: unknown, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    const t = requireTimestamp(timestamp, 'EventTimeSessionWindows');
    return [new TimeWindow(t, t + this.gap)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  getGap(): number {
    return this.gap;
  }

  override toString(): string {
    return `EventTimeSessionWindows(${this.gap})`;
  }
}

/** Event-time sessions with a gap per element (Flink's DynamicEventTimeSessionWindows). */
export class DynamicEventTimeSessionWindows<T> extends SessionWindows<T> {
  /** @internal use EventTimeSessionWindows.withDynamicGap */
  constructor(private readonly extract: (element: T) => number) {
    super();
  }

  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return EventTimeSessionWindows.withDynamicGap(extractor);
  }

  assignWindows(element: T, timestamp: number, _context: WindowAssignerContext): TimeWindow[] {
    const t = requireTimestamp(timestamp, 'EventTimeSessionWindows');
    return [new TimeWindow(t, t + dynamicGap(this.extract, element))];
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return EventTimeTrigger.create();
  }

  isEventTime(): boolean {
    return true;
  }

  override toString(): string {
    return 'DynamicEventTimeSessionWindows()';
  }
}

/** Sessions by the machine's clock when elements arrive (Flink's ProcessingTimeSessionWindows). */
export class ProcessingTimeSessionWindows extends SessionWindows<unknown> {
  private constructor(private readonly gap: number) {
    super();
  }

  static withGap(gap: DurationLike): ProcessingTimeSessionWindows {
    return new ProcessingTimeSessionWindows(gapParam('ProcessingTimeSessionWindows', gap));
  }

  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return new DynamicProcessingTimeSessionWindows(gapFunction('ProcessingTimeSessionWindows', extractor));
  }

  assignWindows(_element: unknown, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    return [new TimeWindow(now, now + this.gap)];
  }

  getDefaultTrigger(): Trigger<unknown, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  getGap(): number {
    return this.gap;
  }

  override toString(): string {
    return `ProcessingTimeSessionWindows(${this.gap})`;
  }
}

/** Processing-time sessions with a gap per element (Flink's DynamicProcessingTimeSessionWindows). */
export class DynamicProcessingTimeSessionWindows<T> extends SessionWindows<T> {
  /** @internal use ProcessingTimeSessionWindows.withDynamicGap */
  constructor(private readonly extract: (element: T) => number) {
    super();
  }

  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return ProcessingTimeSessionWindows.withDynamicGap(extractor);
  }

  assignWindows(element: T, _timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const now = context.getCurrentProcessingTime();
    return [new TimeWindow(now, now + dynamicGap(this.extract, element))];
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return false;
  }

  override toString(): string {
    return 'DynamicProcessingTimeSessionWindows()';
  }
}
