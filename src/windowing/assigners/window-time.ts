/**
 * The clock a time-window assigner windows by: each assigner family (tumbling, sliding,
 * sessions) comes as an event-time and a processing-time twin that differ in this alone.
 */
import type { TimeWindow } from '../time-window.js';
import { EventTimeTrigger } from '../triggers/event-time-trigger.js';
import { ProcessingTimeTrigger } from '../triggers/processing-time-trigger.js';
import type { Trigger } from '../triggers/trigger.js';
import { requireTimestamp, type WindowAssignerContext } from './window-assigner.js';

export interface WindowTime {
  /** True for event time: lateness and cleanup follow the watermark. */
  readonly isEventTime: boolean;
  /** The time an element is windowed by; `assigner` names the assigner in errors. */
  timeOf(timestamp: number, context: WindowAssignerContext, assigner: string): number;
  /** The trigger that fires a window when this clock passes its end. */
  defaultTrigger(): Trigger<unknown, TimeWindow>;
}

/** The element's timestamp; an element without one is rejected. */
export const EVENT_TIME: WindowTime = {
  isEventTime: true,
  timeOf: (timestamp, _context, assigner) => requireTimestamp(timestamp, assigner),
  defaultTrigger: () => EventTimeTrigger.create(),
};

/** The machine's clock when the element arrives. */
export const PROCESSING_TIME: WindowTime = {
  isEventTime: false,
  timeOf: (_timestamp, context) => context.getCurrentProcessingTime(),
  defaultTrigger: () => ProcessingTimeTrigger.create(),
};
