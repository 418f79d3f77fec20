/**
 * Assigns elements to windows (Flink's WindowAssigner and MergingWindowAssigner). An assigner
 * is data plus pure functions: the window operator asks it where each element goes, which
 * trigger applies by default, whether it works in event time, and how its windows become state
 * namespaces.
 */
import { FlinkError } from '../../util/errors.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { MergeCallback } from '../time-window.js';
import type { Trigger } from '../triggers/trigger.js';
import type { Window, WindowSerializer } from '../window.js';

/** What an assigner may ask of the operator. */
export interface WindowAssignerContext {
  getCurrentProcessingTime(): number;
}

export abstract class WindowAssigner<T, W extends Window> {
  /**
   * The windows `element` belongs to. `timestamp` is its event timestamp (`MIN_TIMESTAMP` when
   * it has none); processing-time assigners use the context's clock instead.
   */
  abstract assignWindows(element: T, timestamp: number, context: WindowAssignerContext): readonly W[];

  /** The trigger used when `.trigger(...)` is not given. */
  abstract getDefaultTrigger(): Trigger<T, W>;

  /** True for event-time assigners: lateness and cleanup then follow the watermark. */
  abstract isEventTime(): boolean;

  /** How this assigner's windows become state namespaces and back. */
  abstract getWindowSerializer(): WindowSerializer<W>;

  /** True if this assigner merges windows (sessions); then it is a {@link MergingWindowAssigner}. */
  isMerging(): this is MergingWindowAssigner<T, W> {
    return false;
  }

  /**
   * How messages name the assigner: its class. The built-in ones add their sizes; a custom one
   * would otherwise read `[object Object]` in an error about it.
   */
  toString(): string {
    return this.constructor.name || 'a custom WindowAssigner';
  }
}

/** An assigner whose windows can merge, such as sessions. */
export abstract class MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /**
   * Finds which of `windows` merge: calls `callback(toBeMerged, mergeResult)` once per group of
   * two or more windows that become one.
   */
  abstract mergeWindows(windows: readonly W[], callback: MergeCallback<W>): void;

  override isMerging(): this is MergingWindowAssigner<T, W> {
    return true;
  }
}

/**
 * Rejects an element without a timestamp in an event-time assigner, with Flink's explanation.
 * The common case (a timestamp) costs one comparison.
 */
export function requireTimestamp(timestamp: number, assigner: string): number {
  if (timestamp > MIN_TIMESTAMP) return timestamp;
  throw new FlinkError(
    'window.missingTimestamp',
    `${assigner} got a record without a timestamp. Event-time windows need timestamps: give the ` +
      'source a WatermarkStrategy with a timestamp assigner, or call ' +
      'stream.assignTimestampsAndWatermarks(WatermarkStrategy...withTimestampAssigner(...)) before ' +
      'the window; for windows by arrival time use a processing-time assigner.',
  );
}
