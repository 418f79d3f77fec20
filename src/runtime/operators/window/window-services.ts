/**
 * What the window operator needs of its task besides keyed state: timers in both domains with a
 * namespace per window, the record-timestamp slot, and side outputs. These are the seams of the
 * event-time runtime (the timer service, RecordContext, side outputs of OperatorContext).
 */
import type { OutputTag } from '../../../graph/index.js';
import type { Namespace } from '../../../state/index.js';
import type { Output } from '../../output.js';

/** A timer as it fires: its time, key and namespace (the window's). */
export interface InternalTimer {
  readonly timestamp: number;
  readonly key: unknown;
  readonly namespace: Namespace;
}

/** Timers of the current key, per namespace; at most one per key, namespace, time and domain. */
export interface WindowTimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(namespace: Namespace, time: number): void;
  deleteEventTimeTimer(namespace: Namespace, time: number): void;
  registerProcessingTimeTimer(namespace: Namespace, time: number): void;
  deleteProcessingTimeTimer(namespace: Namespace, time: number): void;
}

/** The timestamp of the record being processed (MIN_TIMESTAMP: none); emitting sets it and puts it back. */
export interface TimestampSlot {
  timestamp: number;
}

/** The services of a window operator subtask. */
export interface WindowOperatorServices {
  readonly timerService: WindowTimerService;
  readonly recordContext: TimestampSlot;
  /** The output of side-output `tag`, or undefined when nothing reads it. */
  sideOutput(tag: OutputTag<unknown>): Output<unknown> | undefined;
}
