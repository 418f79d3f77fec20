/**
 * Timers as keyed operators see them (Flink's InternalTimerService): per key and namespace, in
 * event time or processing time. The window operator and the process-function operators build
 * on these; user functions see the smaller `TimerService` of graph/functions.ts.
 */

/**
 * What a timer belongs to besides its key: `0` for process functions, a window's namespace
 * (see windowing/window.ts) for windows. A primitive, so it compares with `===` and stores as is.
 */
export type Namespace = number | string;

/** A timer as it fires. */
export interface InternalTimer {
  readonly timestamp: number;
  readonly key: unknown;
  readonly namespace: Namespace;
}

/**
 * Timers of one keyed operator subtask, for the current key. At most one timer per key,
 * namespace, time and domain: registering it again is a no-op. Timers are keyed state, so they
 * are checkpointed, restored and redistributed by key group with the operator's other state.
 */
export interface InternalTimerService {
  currentProcessingTime(): number;
  /** The operator's watermark: `MIN_TIMESTAMP` before the first, `MAX_TIMESTAMP` at end of input. */
  currentWatermark(): number;
  /** Fires once the watermark reaches `time` (a timer at or below the current watermark fires with the next one). */
  registerEventTimeTimer(ns: Namespace, time: number): void;
  deleteEventTimeTimer(ns: Namespace, time: number): void;
  /** Fires once processing time reaches `time`. */
  registerProcessingTimeTimer(ns: Namespace, time: number): void;
  deleteProcessingTimeTimer(ns: Namespace, time: number): void;
}

/**
 * A keyed operator that uses timers. It is called with the timer's key already set, and with the
 * task's record timestamp at the timer's time (event time) or none (processing time).
 */
export interface Triggerable {
  onEventTime(timer: InternalTimer): void;
  onProcessingTime(timer: InternalTimer): void;
}

/** True if `op` implements {@link Triggerable}. */
export function isTriggerable(op: unknown): op is Triggerable {
  return (
    typeof op === 'object' &&
    op !== null &&
    typeof (op as Triggerable).onEventTime === 'function' &&
    typeof (op as Triggerable).onProcessingTime === 'function'
  );
}
