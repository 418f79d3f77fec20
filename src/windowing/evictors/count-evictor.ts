import { describeArgument } from '../../util/describe-argument.js';
import type { Window } from '../window.js';
import type { Evictor, EvictorContext, TimestampedValue } from './evictor.js';

/** Keeps the last `maxCount` elements of the window, evicting from the front (Flink's CountEvictor). */
export class CountEvictor<W extends Window> implements Evictor<unknown, W> {
  private constructor(
    private readonly maxCount: number,
    private readonly doEvictAfter: boolean,
  ) {}

  /** Evicts before the window function unless `doEvictAfter`. */
  static of<W extends Window>(maxCount: number, doEvictAfter = false): CountEvictor<W> {
    if (typeof maxCount !== 'number' || !Number.isSafeInteger(maxCount) || maxCount < 0) {
      throw new RangeError(`CountEvictor.of(maxCount) needs a whole number ≥ 0, got ${describeArgument(maxCount)}.`);
    }
    return new CountEvictor<W>(maxCount, doEvictAfter === true);
  }

  evictBefore(elements: TimestampedValue<unknown>[], size: number, _window: W, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements, size);
  }

  evictAfter(elements: TimestampedValue<unknown>[], size: number, _window: W, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements, size);
  }

  private evict(elements: TimestampedValue<unknown>[], size: number): void {
    if (size <= this.maxCount) return;
    elements.splice(0, size - this.maxCount);
  }

  getMaxCount(): number {
    return this.maxCount;
  }

  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }
}
