/**
 * Removes elements from a window's contents before or after the window function runs (Flink's
 * Evictor). Only windows that keep their elements (no incremental `reduce`/`aggregate`) can
 * have one.
 */
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { Window } from '../window.js';

/** An element of a window with its timestamp (`MIN_TIMESTAMP` when it has none). */
export class TimestampedValue<T> {
  constructor(
    readonly value: T,
    readonly timestamp: number = MIN_TIMESTAMP,
  ) {}

  getValue(): T {
    return this.value;
  }

  getTimestamp(): number {
    return this.timestamp;
  }

  hasTimestamp(): boolean {
    return this.timestamp !== MIN_TIMESTAMP;
  }
}

/** What an evictor may ask of the operator. */
export interface EvictorContext {
  getCurrentProcessingTime(): number;
  getCurrentWatermark(): number;
}

/**
 * Evicts from `elements` in place (splice or compact the array); what is left is what the
 * window keeps. `size` is the number of elements.
 */
export interface Evictor<T, W extends Window> {
  /** Called before the window function, when the window fires. */
  evictBefore(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
  /** Called after the window function. */
  evictAfter(elements: TimestampedValue<T>[], size: number, window: W, ctx: EvictorContext): void;
}

/** Keeps, in order, the elements for which `keep` is true; O(n), in place. */
export function retainInPlace<T>(elements: T[], keep: (element: T) => boolean): void {
  let kept = 0;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    if (keep(e)) elements[kept++] = e;
  }
  elements.length = kept;
}
