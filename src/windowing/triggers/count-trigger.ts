import { ReducingStateDescriptor } from '../../state/index.js';
import { describeArgument } from '../../util/describe-argument.js';
import type { Window } from '../window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import { TriggerResult } from './trigger-result.js';

/** Checks a count argument: a positive safe integer. */
export function positiveCount(n: number, what: string): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) {
    throw new RangeError(`${what} must be a positive whole number, got ${describeArgument(n)}.`);
  }
  return n;
}

/**
 * Fires each time `count` elements have been added to the window since it last fired (Flink's
 * CountTrigger); the count lives in the window's state ("count") and merges by summing.
 */
export class CountTrigger<W extends Window> extends Trigger<unknown, W> {
  private readonly countDesc = new ReducingStateDescriptor<number>('count', (a, b) => a + b);

  private constructor(private readonly maxCount: number) {
    super();
  }

  static of<W extends Window>(count: number): CountTrigger<W> {
    return new CountTrigger<W>(positiveCount(count, 'CountTrigger.of(count)'));
  }

  onElement(_element: unknown, _timestamp: number, _window: W, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.countDesc);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  clear(_window: W, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.countDesc).clear();
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countDesc);
  }

  getMaxCount(): number {
    return this.maxCount;
  }

  override toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}
