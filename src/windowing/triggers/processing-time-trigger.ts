import type { TimeWindow } from '../time-window.js';
import type { Window } from '../window.js';
import { EndOfWindowTrigger } from './end-of-window-trigger.js';
import type { TriggerContext } from './trigger.js';
import { PROCESSING_TIME_CLOCK } from './trigger-clock.js';
import { TriggerResult } from './trigger-result.js';

/**
 * Fires when the machine's clock passes the end of the window (Flink's ProcessingTimeTrigger),
 * the default of processing-time assigners.
 */
export class ProcessingTimeTrigger<W extends Window = TimeWindow> extends EndOfWindowTrigger<W> {
  private static readonly INSTANCE = new ProcessingTimeTrigger<Window>();

  private constructor() {
    super(PROCESSING_TIME_CLOCK);
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

  override toString(): string {
    return 'ProcessingTimeTrigger()';
  }
}
