/**
 * Lateness and cleanup of windows, as Flink's WindowOperator decides them. All times are
 * milliseconds; sums stop at the largest time instead of overflowing.
 */
import { durationToMillis, type DurationLike, MAX_TIMESTAMP, saturatingAdd } from '../util/time.js';
import type { Window } from './window.js';

/** `allowedLateness(d)`: the lateness in milliseconds, which cannot be negative. */
export function allowedLatenessMillis(lateness: DurationLike): number {
  const ms = durationToMillis(lateness, 'The allowed lateness');
  if (ms < 0) throw new RangeError(`The allowed lateness cannot be negative, got ${ms} ms.`);
  return ms;
}

/**
 * When a window's state is dropped: in event time `maxTimestamp + allowedLateness` (capped at
 * the largest time), in processing time `maxTimestamp`. A window whose cleanup time is the
 * largest time (a GlobalWindow) gets no cleanup timer; see {@link needsCleanupTimer}.
 */
export function cleanupTime(window: Window, allowedLateness: number, isEventTime: boolean): number {
  return isEventTime ? saturatingAdd(window.maxTimestamp(), allowedLateness) : window.maxTimestamp();
}

/** False for the end of time: Flink sets no cleanup timer there (the state lives until the job ends). */
export function needsCleanupTimer(cleanup: number): boolean {
  return cleanup !== MAX_TIMESTAMP;
}

/** True when a timer at `time` is the window's cleanup timer. */
export function isCleanupTime(window: Window, time: number, allowedLateness: number, isEventTime: boolean): boolean {
  return time === cleanupTime(window, allowedLateness, isEventTime);
}

/**
 * A window is late, and an element assigned to it is not added, when the watermark has reached
 * its `maxTimestamp + allowedLateness`; never in processing time.
 */
export function isWindowLate(window: Window, allowedLateness: number, isEventTime: boolean, watermark: number): boolean {
  return isEventTime && isCleanupReached(cleanupTime(window, allowedLateness, true), watermark);
}

/** {@link isWindowLate} for an event-time window whose cleanup time is known: the watermark has reached it. */
export function isCleanupReached(cleanup: number, watermark: number): boolean {
  return cleanup <= watermark;
}

/**
 * An element is late when `timestamp + allowedLateness <= watermark` (event time only). One
 * that was added to no window (all were late) and is late goes to the late-data side output,
 * or is dropped and counted.
 */
export function isElementLate(timestamp: number, allowedLateness: number, isEventTime: boolean, watermark: number): boolean {
  return isEventTime && saturatingAdd(timestamp, allowedLateness) <= watermark;
}
