import { describeArgument } from '../../util/describe-argument.js';
import { durationToMillis, type DurationLike } from '../../util/time.js';
import { type MergeCallback, TimeWindow, TimeWindowBoundsSerializer } from '../time-window.js';
import type { Trigger } from '../triggers/trigger.js';
import type { WindowSerializer } from '../window.js';
import { MergingWindowAssigner, type WindowAssignerContext } from './window-assigner.js';
import { EVENT_TIME, PROCESSING_TIME, type WindowTime } from './window-time.js';

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
    throw new TypeError(`The dynamic session gap function returned ${describeArgument(gap)}; it must return a whole number of milliseconds.`);
  }
  if (gap <= 0) throw new RangeError(`Dynamic session time gap must satisfy 0 < gap, got ${gap} ms.`);
  return gap;
}

/**
 * Sessions: each element opens the window `[time, time + gap)` on the assigner's clock, and
 * windows that overlap or touch merge. `name` is the static twin's, as Flink's errors say it.
 */
abstract class SessionWindows<T> extends MergingWindowAssigner<T, TimeWindow> {
  protected constructor(
    protected readonly name: string,
    private readonly time: WindowTime,
  ) {
    super();
  }

  /** The session gap `element` opens, in milliseconds. */
  protected abstract gapOf(element: T): number;

  assignWindows(element: T, timestamp: number, context: WindowAssignerContext): TimeWindow[] {
    const t = this.time.timeOf(timestamp, context, this.name);
    return [new TimeWindow(t, t + this.gapOf(element))];
  }

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return this.time.defaultTrigger();
  }

  isEventTime(): boolean {
    return this.time.isEventTime;
  }

  getWindowSerializer(): WindowSerializer<TimeWindow> {
    return TimeWindowBoundsSerializer.INSTANCE;
  }

  /** Merges windows that overlap or touch. */
  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }
}

/** Sessions with one gap for every element. */
abstract class FixedGapSessionWindows extends SessionWindows<unknown> {
  protected constructor(name: string, time: WindowTime, gap: DurationLike) {
    super(name, time);
    this.gap = gapParam(name, gap);
  }

  private readonly gap: number;

  protected gapOf(): number {
    return this.gap;
  }

  getGap(): number {
    return this.gap;
  }

  override toString(): string {
    return `${this.name}(${this.gap})`;
  }
}

/** Sessions with a gap per element. */
abstract class DynamicGapSessionWindows<T> extends SessionWindows<T> {
  /** @internal use EventTimeSessionWindows.withDynamicGap or ProcessingTimeSessionWindows.withDynamicGap */
  constructor(name: string, time: WindowTime, extractor: SessionWindowTimeGapExtractor<T>) {
    super(name, time);
    this.extract = gapFunction(name, extractor);
  }

  private readonly extract: (element: T) => number;

  protected gapOf(element: T): number {
    return dynamicGap(this.extract, element);
  }

  override toString(): string {
    return `Dynamic${this.name}()`;
  }
}

/** Event-time sessions with a gap per element (Flink's DynamicEventTimeSessionWindows). */
export class DynamicEventTimeSessionWindows<T> extends DynamicGapSessionWindows<T> {
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicEventTimeSessionWindows<T> {
    return new DynamicEventTimeSessionWindows('EventTimeSessionWindows', EVENT_TIME, extractor);
  }
}

/** Processing-time sessions with a gap per element (Flink's DynamicProcessingTimeSessionWindows). */
export class DynamicProcessingTimeSessionWindows<T> extends DynamicGapSessionWindows<T> {
  static withDynamicGap<T>(extractor: SessionWindowTimeGapExtractor<T>): DynamicProcessingTimeSessionWindows<T> {
    return new DynamicProcessingTimeSessionWindows('ProcessingTimeSessionWindows', PROCESSING_TIME, extractor);
  }
}

// The fixed-gap classes offer the dynamic twins' factory under their own name too, as Flink's do.

/**
 * Sessions by event timestamp (Flink's EventTimeSessionWindows): each element opens the window
 * `[timestamp, timestamp + gap)`, and windows that overlap or touch merge, so a session ends
 * after `gap` without elements.
 */
export class EventTimeSessionWindows extends FixedGapSessionWindows {
  static withGap(gap: DurationLike): EventTimeSessionWindows {
    return new EventTimeSessionWindows('EventTimeSessionWindows', EVENT_TIME, gap);
  }

  /** Sessions whose gap `extractor(element)` gives per element, in milliseconds. */
  static readonly withDynamicGap = DynamicEventTimeSessionWindows.withDynamicGap;
}

/** Sessions by the machine's clock when elements arrive (Flink's ProcessingTimeSessionWindows). */
export class ProcessingTimeSessionWindows extends FixedGapSessionWindows {
  static withGap(gap: DurationLike): ProcessingTimeSessionWindows {
    return new ProcessingTimeSessionWindows('ProcessingTimeSessionWindows', PROCESSING_TIME, gap);
  }

  /** Sessions whose gap `extractor(element)` gives per element, in milliseconds. */
  static readonly withDynamicGap = DynamicProcessingTimeSessionWindows.withDynamicGap;
}
