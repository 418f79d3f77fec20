/** The default triggers of `GlobalWindows` (Flink's GlobalWindows.NeverTrigger and EndOfStreamTrigger). */
import type { GlobalWindow } from '../global-window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import { TriggerResult } from './trigger-result.js';

/** Never fires: `GlobalWindows.create()` needs a custom trigger to produce anything. */
export class NeverTrigger extends Trigger<unknown, GlobalWindow> {
  static readonly INSTANCE = new NeverTrigger();
  onElement(_element: unknown, _timestamp: number, _window: GlobalWindow, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }
  clear(_window: GlobalWindow, _ctx: TriggerContext): void {}
  override onMerge(_window: GlobalWindow, _ctx: OnMergeContext): void {}
  override toString(): string {
    return 'NeverTrigger()';
  }
}

/**
 * Fires once, when the input ends: each element registers an event-time timer at the end of
 * time, which only the end-of-input watermark reaches.
 */
export class EndOfStreamTrigger extends Trigger<unknown, GlobalWindow> {
  static readonly INSTANCE = new EndOfStreamTrigger();
  onElement(_element: unknown, _timestamp: number, window: GlobalWindow, ctx: TriggerContext): TriggerResult {
    ctx.registerEventTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }
  override onEventTime(time: number, window: GlobalWindow, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }
  clear(_window: GlobalWindow, _ctx: TriggerContext): void {}
  override onMerge(_window: GlobalWindow, _ctx: OnMergeContext): void {}
  override toString(): string {
    return 'EndOfStreamTrigger()';
  }
}
