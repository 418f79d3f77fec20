import { MIN_TIMESTAMP } from '../util/time.js';

/**
 * The timestamp of the record a task is processing, in one mutable slot per task (Flink keeps it
 * in each `StreamRecord`; here records stay plain values and the slot travels beside them). Every
 * operator of the task's chain and every record writer reads the same instance.
 *
 * `MIN_TIMESTAMP` means "no timestamp" (Flink's `Long.MIN_VALUE` convention); a stream whose
 * records have none never writes the slot.
 *
 * The discipline that keeps it right: the task sets the slot before it hands a record to the
 * chain's head. An operator that emits with another timestamp (the timestamp assigner, a window
 * result at `window.maxTimestamp()`, an event-time timer at its time, a processing-time timer with
 * none) sets the slot, emits, and puts the previous value back before it returns. So when any
 * `collect()` returns, the slot holds what it held on entry, and the second output of a flatMap
 * still carries its input's timestamp.
 */
export class RecordContext {
  timestamp: number = MIN_TIMESTAMP;
  /**
   * The processing time of the task's current step or timer firing (the scheduler's clock
   * reading for it): a clock an operator may read per record without reading the system clock
   * per record (a file sink's part times). Set by the task before each step and timer firing.
   */
  processingTime = 0;
}
