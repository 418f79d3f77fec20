/**
 * One of the two clocks a trigger's timers run on, as the trigger context offers them: the
 * time-based triggers come as event-time and processing-time twins that differ in this alone.
 */
import type { TriggerContext } from './trigger.js';

export interface TriggerClock {
  /** True for event time (the watermark), false for processing time (the machine's clock). */
  readonly eventTime: boolean;
  /** The clock's current time: the watermark, or the machine's clock. */
  now(ctx: TriggerContext): number;
  registerTimer(ctx: TriggerContext, time: number): void;
  deleteTimer(ctx: TriggerContext, time: number): void;
}

export const EVENT_TIME_CLOCK: TriggerClock = {
  eventTime: true,
  now: (ctx) => ctx.getCurrentWatermark(),
  registerTimer: (ctx, time) => ctx.registerEventTimeTimer(time),
  deleteTimer: (ctx, time) => ctx.deleteEventTimeTimer(time),
};

export const PROCESSING_TIME_CLOCK: TriggerClock = {
  eventTime: false,
  now: (ctx) => ctx.getCurrentProcessingTime(),
  registerTimer: (ctx, time) => ctx.registerProcessingTimeTimer(time),
  deleteTimer: (ctx, time) => ctx.deleteProcessingTimeTimer(time),
};
