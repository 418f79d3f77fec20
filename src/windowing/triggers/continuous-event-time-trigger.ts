import type { DurationLike } from '../../util/time.js';
import type { Window } from '../window.js';
import { ContinuousTrigger, triggerInterval } from './continuous-trigger.js';
import type { TriggerContext } from './trigger.js';
import { EVENT_TIME_CLOCK } from './trigger-clock.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires every `interval` of event time while the window is open, and at its end (Flink's
 * ContinuousEventTimeTrigger): the first element sets the next fire time to its timestamp
 * rounded down to the interval plus the interval, never beyond the window's `maxTimestamp()`;
 * each firing sets the next. An element for a window the watermark has passed fires at once.
 */
export class ContinuousEventTimeTrigger<W extends Window> extends ContinuousTrigger<W> {
  static of<W extends Window>(interval: DurationLike): ContinuousEventTimeTrigger<W> {
    return new ContinuousEventTimeTrigger<W>(triggerInterval(interval, 'ContinuousEventTimeTrigger'), EVENT_TIME_CLOCK);
  }

  onElement(_element: unknown, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    this.startFiring(timestamp, window, ctx);
    return TriggerResult.CONTINUE;
  }

  override onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    return this.firesAt(time, window, ctx) ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  override toString(): string {
    return `ContinuousEventTimeTrigger(${this.interval})`;
  }
}
