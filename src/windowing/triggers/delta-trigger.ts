import { ValueStateDescriptor } from '../../state/index.js';
import { type DeltaFunctionLike, deltaOf } from '../delta-function.js';
import type { Window } from '../window.js';
import { Trigger, type TriggerContext } from './trigger.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires when an element is more than `threshold` away from the element of the last firing (the
 * first element, before any): Flink's DeltaTrigger. That element is kept in the window's state
 * ("last-element"), as plain data. It does not merge, so it cannot serve sessions.
 *
 * @example DeltaTrigger.of(50, (old: Car, now: Car) => now.distance - old.distance)
 */
export class DeltaTrigger<T, W extends Window> extends Trigger<T, W> {
  private readonly lastElement = new ValueStateDescriptor<T>('last-element');

  private constructor(
    private readonly threshold: number,
    private readonly delta: (oldDataPoint: T, newDataPoint: T) => number,
  ) {
    super();
  }

  static of<T, W extends Window>(threshold: number, deltaFunction: DeltaFunctionLike<T>): DeltaTrigger<T, W> {
    return new DeltaTrigger<T, W>(threshold, deltaOf(threshold, deltaFunction, 'DeltaTrigger'));
  }

  onElement(element: T, _timestamp: number, _window: W, ctx: TriggerContext): TriggerResult {
    const last = ctx.getPartitionedState(this.lastElement);
    const previous = last.value();
    if (previous === undefined) {
      last.update(element);
      return TriggerResult.CONTINUE;
    }
    if (this.delta(previous, element) > this.threshold) {
      last.update(element);
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  clear(_window: W, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.lastElement).clear();
  }

  override toString(): string {
    return `DeltaTrigger(${this.threshold})`;
  }
}
