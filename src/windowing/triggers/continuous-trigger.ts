/**
 * What the two continuous triggers share: the next fire time in state ("fire-time", the
 * earliest wins when windows merge), capped at the window's end (FLINK-20443), and its timer in
 * the trigger's time domain.
 */
import { ReducingStateDescriptor } from '../../state/index.js';
import { durationToMillis, type DurationLike, saturatingAdd } from '../../util/time.js';
import type { Window } from '../window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import type { TriggerClock } from './trigger-clock.js';

/** Checks the interval of a continuous trigger: a positive duration. */
export function triggerInterval(interval: DurationLike, what: string): number {
  const ms = durationToMillis(interval, `${what} interval`);
  if (ms <= 0) throw new RangeError(`${what} interval must be positive, got ${ms} ms.`);
  return ms;
}

export abstract class ContinuousTrigger<W extends Window> extends Trigger<unknown, W> {
  protected readonly fireTime = new ReducingStateDescriptor<number>('fire-time', (a, b) => Math.min(a, b));

  protected constructor(
    protected readonly interval: number,
    private readonly clock: TriggerClock,
  ) {
    super();
  }

  /** Sets the next fire time one interval after `time`, but not past the window's end. */
  protected registerNext(time: number, window: W, ctx: TriggerContext): void {
    const next = Math.min(saturatingAdd(time, this.interval), window.maxTimestamp());
    ctx.getPartitionedState(this.fireTime).add(next);
    this.clock.registerTimer(ctx, next);
  }

  /** On the first element of a window (no fire time yet): the next fire time after `time` rounded down to the interval. */
  protected startFiring(time: number, window: W, ctx: TriggerContext): void {
    if (ctx.getPartitionedState(this.fireTime).get() === undefined) {
      this.registerNext(time - (time % this.interval), window, ctx);
    }
  }

  /** At a timer: true, and the next fire time set, if `time` is the fire time. */
  protected firesAt(time: number, window: W, ctx: TriggerContext): boolean {
    const fireTime = ctx.getPartitionedState(this.fireTime);
    if (fireTime.get() !== time) return false;
    fireTime.clear();
    // At the window's end there is no next fire time: the next would be the end again, a timer
    // already due, fired at once for ever where the window outlives its end on this clock (an
    // event-time window under ContinuousProcessingTimeTrigger). Flink's FLINK-35069 fix.
    if (time !== window.maxTimestamp()) this.registerNext(time, window, ctx);
    return true;
  }

  clear(_window: W, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.fireTime);
    const t = fireTime.get();
    if (t !== undefined) {
      this.clock.deleteTimer(ctx, t);
      fireTime.clear();
    }
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(_window: W, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTime);
    const next = ctx.getPartitionedState(this.fireTime).get();
    if (next !== undefined) this.clock.registerTimer(ctx, next);
  }

  getInterval(): number {
    return this.interval;
  }
}
