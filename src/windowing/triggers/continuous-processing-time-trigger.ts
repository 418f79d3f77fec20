import type { DurationLike } from '../../util/time.js';
import type { Window } from '../window.js';
import { ContinuousTrigger, triggerInterval } from './continuous-trigger.js';
import type { TriggerContext } from './trigger.js';
import { PROCESSING_TIME_CLOCK } from './trigger-clock.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires every `interval` of processing time while the window has elements (Flink's
 * ContinuousProcessingTimeTrigger): the first element sets the next fire time to the clock
 * rounded down to the interval plus the interval, never beyond the window's `maxTimestamp()`;
 * each firing sets the next.
 */
export class ContinuousProcessingTimeTrigger<W extends Window> extends ContinuousTrigger<W> {
  static of<W extends Window>(interval: DurationLike): ContinuousProcessingTimeTrigger<W> {
    return new ContinuousProcessingTimeTrigger<W>(triggerInterval(interval, 'ContinuousProcessingTimeTrigger'), PROCESSING_TIME_CLOCK);
  }

  onElement(_element: unknown, _timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    this.startFiring(ctx.getCurrentProcessingTime(), window, ctx);
    return TriggerResult.CONTINUE;
  }

  override onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return this.firesAt(time, window, ctx) ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  override toString(): string {
    return `ContinuousProcessingTimeTrigger(${this.interval})`;
  }
}
