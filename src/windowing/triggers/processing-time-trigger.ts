import type { TimeWindow } from '../time-window.js';
import type { Window } from '../window.js';
import { EndOfWindowTrigger } from './end-of-window-trigger.js';
import { PROCESSING_TIME_CLOCK } from './trigger-clock.js';

/**
 * Fires when the machine's clock passes the end of the window (Flink's ProcessingTimeTrigger),
 * the default of processing-time assigners.
 */
export class ProcessingTimeTrigger<W extends Window = TimeWindow> extends EndOfWindowTrigger<W> {
  private constructor() {
    super(PROCESSING_TIME_CLOCK, 'ProcessingTimeTrigger');
  }

  static create<W extends Window = TimeWindow>(): ProcessingTimeTrigger<W> {
    return new ProcessingTimeTrigger<W>();
  }
}
