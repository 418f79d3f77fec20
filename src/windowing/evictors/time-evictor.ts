import { durationToMillis, type DurationLike } from '../../util/time.js';
import type { Window } from '../window.js';
import { type Evictor, type EvictorContext, retainInPlace, type TimestampedValue } from './evictor.js';

/**
 * Keeps the elements within `windowSize` of the newest one: evicts every element whose
 * timestamp is ≤ max timestamp − windowSize (Flink's TimeEvictor). Does nothing when the
 * elements have no timestamps (judged by the first, as Flink).
 */
export class TimeEvictor<W extends Window> implements Evictor<unknown, W> {
  private constructor(
    private readonly windowSize: number,
    private readonly doEvictAfter: boolean,
  ) {}

  /** Evicts before the window function unless `doEvictAfter`. */
  static of<W extends Window>(windowSize: DurationLike, doEvictAfter = false): TimeEvictor<W> {
    const ms = durationToMillis(windowSize, 'TimeEvictor window size');
    if (ms < 0) throw new RangeError(`TimeEvictor window size cannot be negative, got ${ms} ms.`);
    return new TimeEvictor<W>(ms, doEvictAfter === true);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    if (elements.length === 0 || !elements[0]!.hasTimestamp()) return;
    let newest = elements[0]!.timestamp;
    for (const e of elements) if (e.timestamp > newest) newest = e.timestamp;
    const cutoff = newest - this.windowSize;
    retainInPlace(elements, (e) => e.timestamp > cutoff);
  }

  getWindowSize(): number {
    return this.windowSize;
  }

  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }
}
