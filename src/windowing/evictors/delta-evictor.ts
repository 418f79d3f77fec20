import type { Window } from '../window.js';
import { type Evictor, type EvictorContext, retainInPlace, type TimestampedValue } from './evictor.js';

/** The distance between two elements (Flink's DeltaFunction). */
export type DeltaFunction<T> = ((oldDataPoint: T, newDataPoint: T) => number) | { getDelta(oldDataPoint: T, newDataPoint: T): number };

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
  static of<T, W extends Window>(threshold: number, deltaFunction: DeltaFunction<T>, doEvictAfter = false): DeltaEvictor<T, W> {
    if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
      throw new TypeError(`DeltaEvictor.of needs a numeric threshold, got ${String(threshold)}.`);
    }
    let delta: (a: T, b: T) => number;
    if (typeof deltaFunction === 'function') delta = deltaFunction;
    else if (deltaFunction !== null && typeof deltaFunction === 'object' && typeof deltaFunction.getDelta === 'function') {
      delta = (a, b) => deltaFunction.getDelta(a, b);
    } else {
      throw new TypeError('DeltaEvictor.of needs a delta function (oldDataPoint, newDataPoint) => number.');
    }
    return new DeltaEvictor<T, W>(threshold, delta, doEvictAfter === true);
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
