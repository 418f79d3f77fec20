import { type DeltaFunction, type DeltaFunctionLike, deltaOf } from '../delta-function.js';
import type { Window } from '../window.js';
import { type Evictor, type EvictorContext, retainInPlace, type TimestampedValue } from './evictor.js';

export type { DeltaFunction, DeltaFunctionLike };

/**
 * Evicts every element whose delta to the last element is ≥ `threshold` (Flink's
 * DeltaEvictor); `deltaFn(element, last)` measures it.
 */
export class DeltaEvictor<T, W extends Window> implements Evictor<T, W> {
  private constructor(
    private readonly threshold: number,
    private readonly delta: (oldDataPoint: T, newDataPoint: T) => number,
    private readonly doEvictAfter: boolean,
  ) {}

  /** Evicts before the window function unless `doEvictAfter`. */
  static of<T, W extends Window>(threshold: number, deltaFunction: DeltaFunctionLike<T>, doEvictAfter = false): DeltaEvictor<T, W> {
    return new DeltaEvictor<T, W>(threshold, deltaOf(threshold, deltaFunction, 'DeltaEvictor'), doEvictAfter === true);
  }

  evictBefore(elements: TimestampedValue<T>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<T>[], _size: number, _window: W, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  private evict(elements: TimestampedValue<T>[]): void {
    const last = elements[elements.length - 1];
    if (last === undefined) return;
    retainInPlace(elements, (e) => !(this.delta(e.value, last.value) >= this.threshold));
  }

  toString(): string {
    return `DeltaEvictor(${this.threshold})`;
  }
}
