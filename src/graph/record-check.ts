/**
 * A check a reduce function may carry for every record it will be given. The field
 * aggregations (`sum('count')`, …) carry one: Flink refuses an unknown or non-numeric field when
 * the job is built, from the record type; without types at run time, the operators check each
 * record as it arrives — the first of a key or window too, which the reduce function itself
 * never sees alone — so a wrong field fails the job at its first record.
 */
export const RECORD_CHECK: unique symbol = Symbol('flink-ts.recordCheck');

export type RecordCheck = (record: unknown) => void;

/** `fn` with `check` attached. */
export function withRecordCheck<F extends object>(fn: F, check: RecordCheck): F {
  return Object.assign(fn, { [RECORD_CHECK]: check });
}

/** The record check `fn` carries, if any. */
export function recordCheckOf(fn: unknown): RecordCheck | undefined {
  const check = (fn as { [RECORD_CHECK]?: unknown } | null | undefined)?.[RECORD_CHECK];
  return typeof check === 'function' ? (check as RecordCheck) : undefined;
}
