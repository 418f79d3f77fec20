/**
 * q12's trigger: Flink's ProcessingTimeTrigger, and a firing when the input ends (the maximum
 * watermark). In a bounded run the input usually ends before the clock passes a window's end,
 * and processing-time timers not yet due are dropped at end of input (as in Flink), so without
 * the second firing the last windows' bids would never be counted.
 *
 * The end-of-input firing purges. A window's processing-time timer can come due just before the
 * input ends and fire after the maximum watermark did (Flink, too, runs the timers already due
 * when a task finishes); had the end-of-input firing kept the contents, that timer would emit
 * them a second time. Purged, the timer finds nothing and emits nothing.
 */
import { type TimeWindow, Trigger, type TriggerContext, TriggerResult, Watermark } from 'flink-ts';

/** The end-of-input watermark's time (Flink's Long.MAX_VALUE). */
const END_OF_INPUT = Watermark.MAX_WATERMARK.getTimestamp();

export class ProcessingTimeOrEndOfInput extends Trigger<unknown, TimeWindow> {
  onElement(_e: unknown, _t: number, window: TimeWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    ctx.registerEventTimeTimer(END_OF_INPUT);
    return TriggerResult.CONTINUE;
  }
  override onProcessingTime(): TriggerResult {
    return TriggerResult.FIRE;
  }
  override onEventTime(time: number): TriggerResult {
    return time === END_OF_INPUT ? TriggerResult.FIRE_AND_PURGE : TriggerResult.CONTINUE;
  }
  clear(window: TimeWindow, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
    ctx.deleteEventTimeTimer(END_OF_INPUT);
  }
  override toString(): string {
    return 'ProcessingTimeOrEndOfInput()';
  }
}
