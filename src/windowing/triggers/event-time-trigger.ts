import type { TimeWindow } from '../time-window.js';
import type { Window } from '../window.js';
import { EndOfWindowTrigger } from './end-of-window-trigger.js';
import { EVENT_TIME_CLOCK } from './trigger-clock.js';

/**
 * Fires once the watermark passes the end of the window (Flink's EventTimeTrigger), the default
 * of event-time assigners. An element for a window the watermark has already passed (allowed
 * lateness) fires it at once.
 */
export class EventTimeTrigger<W extends Window = TimeWindow> extends EndOfWindowTrigger<W> {
  private constructor() {
    super(EVENT_TIME_CLOCK, 'EventTimeTrigger');
  }

  static create<W extends Window = TimeWindow>(): EventTimeTrigger<W> {
    return new EventTimeTrigger<W>();
  }
}
