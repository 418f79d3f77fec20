import type { TimeWindow } from '../time-window.js';
import type { Window } from '../window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires once the watermark passes the end of the window (Flink's EventTimeTrigger), the default
 * of event-time assigners. An element for a window the watermark has already passed (allowed
 * lateness) fires it at once.
 */
export class EventTimeTrigger<W extends Window = TimeWindow> extends Trigger<unknown, W> {
  private static readonly INSTANCE = new EventTimeTrigger<Window>();

  private constructor() {
    super();
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

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    // Only while the watermark has not passed the merged window: otherwise the next element's
    // onElement fires it, and a timer here would fire it a second time.
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentWatermark()) ctx.registerEventTimeTimer(max);
  }

  clear(window: W, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'EventTimeTrigger()';
  }
}
