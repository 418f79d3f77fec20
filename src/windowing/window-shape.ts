/**
 * An assigner's windows as data for the job graph (graph's AssignedWindows): how they become
 * state namespaces, whether they merge, and what a user calls them — the words a restore that
 * refuses another assigner's windows shows for both (`10 s tumbling event-time windows` against
 * `20 s tumbling event-time windows`).
 */
import type { AssignedWindows } from '../graph/index.js';
import { describeDuration } from '../util/duration.js';
import { FixedSizeTimeWindows } from './assigners/fixed-size-time-windows.js';
import { GlobalWindows } from './assigners/global-windows.js';
import { DynamicEventTimeSessionWindows, DynamicProcessingTimeSessionWindows, EventTimeSessionWindows, ProcessingTimeSessionWindows } from './assigners/session-windows.js';
import { SlidingEventTimeWindows, SlidingProcessingTimeWindows } from './assigners/sliding-windows.js';
import type { WindowAssigner } from './assigners/window-assigner.js';
import type { Window } from './window.js';

/** What `assigner`'s windows are, for the window operator's spec. */
export function assignedWindows(assigner: WindowAssigner<never, Window>): AssignedWindows {
  return { encoding: assigner.getWindowSerializer().id, merging: assigner.isMerging(), shape: describeWindows(assigner) };
}

/** `assigner`'s windows in the user's words. */
export function describeWindows(assigner: WindowAssigner<never, Window>): string {
  const time = assigner.isEventTime() ? 'event-time' : 'processing-time';
  if (assigner instanceof FixedSizeTimeWindows) {
    const size = describeDuration(assigner.getSize());
    const offset = assigner.getOffset() === 0 ? '' : ` offset by ${describeDuration(assigner.getOffset())}`;
    if (assigner instanceof SlidingEventTimeWindows || assigner instanceof SlidingProcessingTimeWindows) {
      return `${size} ${time} windows sliding by ${describeDuration(assigner.getSlide())}${offset}`;
    }
    return `${size} tumbling ${time} windows${offset}`;
  }
  if (assigner instanceof EventTimeSessionWindows || assigner instanceof ProcessingTimeSessionWindows) return `${time} sessions with a ${describeDuration(assigner.getGap())} gap`;
  if (assigner instanceof DynamicEventTimeSessionWindows || assigner instanceof DynamicProcessingTimeSessionWindows) return `${time} sessions with a gap per element`;
  if (assigner instanceof GlobalWindows) return 'global windows (GlobalWindows or countWindow)';
  // An anonymous class (`new (class extends WindowAssigner {…})()`) or a plain object has no name
  // of its own: its window serializer's id is what tells its windows apart.
  const name = assigner.constructor?.name;
  return name && name !== 'Object' ? `windows of ${name}` : `windows of an unnamed assigner (window serializer ${assigner.getWindowSerializer().id})`;
}
