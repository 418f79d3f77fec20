import type { TimeWindow } from '../time-window.js';
import type { Window } from '../window.js';
import { type OnMergeContext, Trigger, type TriggerContext } from './trigger.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires when the machine's clock passes the end of the window (Flink's ProcessingTimeTrigger),
 * the default of processing-time assigners.
 */
export class ProcessingTimeTrigger<W extends Window = TimeWindow> extends Trigger<unknown, W> {
  private static readonly INSTANCE = new ProcessingTimeTrigger<Window>();

  private constructor() {
    super();
  }

  static create<W extends Window = TimeWindow>(): ProcessingTimeTrigger<W> {
    return ProcessingTimeTrigger.INSTANCE as ProcessingTimeTrigger<W>;
  }

  onElement(_element: unknown, _timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  override onProcessingTime(_time: number, _window: W, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.FIRE;
  }

  override canMerge(): boolean {
    return true;
  }

  override onMerge(window: W, ctx: OnMergeContext): void {
    // Only while the clock has not passed the merged window (its timer would fire at once and
    // the window fire twice otherwise), as Flink does.
    const max = window.maxTimestamp();
    if (max > ctx.getCurrentProcessingTime()) ctx.registerProcessingTimeTimer(max);
  }

  clear(window: W, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  override toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}
