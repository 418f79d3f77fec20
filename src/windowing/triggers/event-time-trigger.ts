import type { TimeWindow } from '../time-window.js';
import type { Window } from '../window.js';
import { EndOfWindowTrigger } from './end-of-window-trigger.js';
import type { TriggerContext } from './trigger.js';
import { EVENT_TIME_CLOCK } from './trigger-clock.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires once the watermark passes the end of the window (Flink's EventTimeTrigger), the default
 * of event-time assigners. An element for a window the watermark has already passed (allowed
 * lateness) fires it at once.
 */
export class EventTimeTrigger<W extends Window = TimeWindow> extends EndOfWindowTrigger<W> {
  private static readonly INSTANCE = new EventTimeTrigger<Window>();

  private constructor() {
    super(EVENT_TIME_CLOCK);
  }

  static create<W extends Window = TimeWindow>(): EventTimeTrigger<W> {
    return EventTimeTrigger.INSTANCE as EventTimeTrigger<W>;
  }

  onElement(_element: unknown, _timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  override onEventTime(time: number, window: W, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  override toString(): string {
    return 'EventTimeTrigger()';
  }
}
