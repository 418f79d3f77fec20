/**
 * EventTimeTrigger and ProcessingTimeTrigger, one trigger parameterised by its time domain:
 * one timer at the window's end on its clock, re-registered for a merged window, deleted with
 * the window; the window fires when that timer does.
 */
import type { Window } from '../window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import type { TriggerClock } from './trigger-clock.js';
import { TriggerResult } from './trigger-result.js';

export abstract class EndOfWindowTrigger<W extends Window> extends Trigger<unknown, W> {
  // A field, not `clock.eventTime`: onElement runs per element and branches on it directly,
  // calling the context's timer methods itself rather than through the clock's closures.
  private readonly eventTime: boolean;

  protected constructor(
    private readonly clock: TriggerClock,
    private readonly name: string,
  ) {
    super();
    this.eventTime = clock.eventTime;
  }

  onElement(_element: unknown, _timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    if (this.eventTime) {
      // An element for a window the watermark has already passed (allowed lateness) fires it at once.
      if (window.maxTimestamp() <= ctx.getCurrentWatermark()) return TriggerResult.FIRE;
      ctx.registerEventTimeTimer(window.maxTimestamp());
    } else {
      ctx.registerProcessingTimeTimer(window.maxTimestamp());
    }
    return TriggerResult.CONTINUE;
  }

  override onEventTime(time: number, window: W, _ctx: TriggerContext): TriggerResult {
    return this.eventTime && time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  override onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return this.eventTime ? TriggerResult.CONTINUE : TriggerResult.FIRE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    // Only while the clock has not passed the merged window: otherwise its timer would fire at
    // once (or, in event time, the next element's onElement fires it) and the window fire twice.
    const max = window.maxTimestamp();
    if (max > this.clock.now(ctx)) this.clock.registerTimer(ctx, max);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.clock.deleteTimer(ctx, window.maxTimestamp());
  }

  override toString(): string {
    return `${this.name}()`;
  }
}
