/**
 * What EventTimeTrigger and ProcessingTimeTrigger share: one timer at the window's end on their
 * clock, re-registered for a merged window, deleted with the window.
 */
import type { Window } from '../window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import type { TriggerClock } from './trigger-clock.js';

export abstract class EndOfWindowTrigger<W extends Window> extends Trigger<unknown, W> {
  protected constructor(private readonly clock: TriggerClock) {
    super();
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
}
