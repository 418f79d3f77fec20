/**
 * `sum`, `min`, `max`, `minBy` and `maxBy` by field, as Flink's SumAggregator and
 * ComparableAggregator: reduce functions over one field of the records.
 *
 * - `sum(f)` keeps the first record of the key (or window) and replaces field `f` by the sum.
 * - `min(f)` / `max(f)` keep the first record and replace only field `f` by the smallest /
 *   largest value seen; the other fields stay those of the first record.
 * - `minBy(f)` / `maxBy(f)` return the whole record with the smallest / largest `f`: the first
 *   such record on ties, or the last with `first = false`.
 *
 * A field is a property name of an object record, an index of a tuple (array) record, or `0`
 * (or `'*'`) for a record that is itself a number. Results are new objects: the records given
 * are never changed.
 */

import type { ReduceFunction } from '../graph/index.js';
import type { SingleOutputStreamOperator } from './data-stream.js';

/** Comparable field values: what `min`, `max`, `minBy` and `maxBy` order. */
export type Comparable = number | bigint | string | Date;

type TupleIndexOf<T extends readonly unknown[], V> = {
  [I in keyof T]: T[I] extends V ? (I extends `${infer N extends number}` ? N : never) : never;
}[number];

/** The fields of `T` whose values are `V`: property names, tuple indexes, or `0` / `'*'` for a `V` itself. */
export type FieldOf<T, V> = T extends V
  ? 0 | '*'
  : T extends readonly unknown[]
    ? TupleIndexOf<T, V>
    : T extends object
      ? { [P in keyof T & string]: T[P] extends V ? P : never }[keyof T & string]
      : never;

/** The fields `sum` adds: numbers (or bigints). */
export type NumericField<T> = FieldOf<T, number> | FieldOf<T, bigint>;
/** The fields `min`, `max`, `minBy` and `maxBy` compare. */
export type ComparableField<T> = FieldOf<T, Comparable>;

export type FieldAggregation = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

/** Checks a field argument when the stream is defined. */
export function checkField(field: unknown, what: FieldAggregation): string | number {
  const ok = (typeof field === 'string' && field.length > 0) || (typeof field === 'number' && Number.isSafeInteger(field) && field >= 0);
  if (!ok) throw new TypeError(`${what}(field) needs a field name or a tuple position (a whole number ≥ 0), got ${String(field)}.`);
  return field;
}

function isWhole(record: unknown, field: string | number): boolean {
  return (field === 0 || field === '*') && (typeof record !== 'object' || record === null || record instanceof Date);
}

function get(record: unknown, field: string | number, what: FieldAggregation): unknown {
  if (isWhole(record, field)) return record;
  if (typeof record !== 'object' || record === null) {
    throw new TypeError(`${what}(${JSON.stringify(field)}) got a record that is ${record === null ? 'null' : typeof record}, not an object or a tuple with that field.`);
  }
  const value = (record as Record<string | number, unknown>)[field];
  if (value === undefined) throw new TypeError(`${what}(${JSON.stringify(field)}): a record has no field ${JSON.stringify(field)}.`);
  return value;
}

/** A copy of `record` with `field` set to `value`. */
function withField<T>(record: T, field: string | number, value: unknown): T {
  if (isWhole(record, field)) return value as T;
  if (Array.isArray(record)) {
    const copy = record.slice();
    copy[field as number] = value;
    return copy as T;
  }
  return { ...(record as object), [field]: value } as T;
}

function add(a: unknown, b: unknown, field: string | number): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  throw new TypeError(`sum(${JSON.stringify(field)}) needs numbers (or bigints) in that field, got ${typeof a} and ${typeof b}.`);
}

/** -1, 0 or 1; values of different kinds cannot be compared. */
function compare(a: unknown, b: unknown, field: string | number, what: FieldAggregation): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  const kind = typeof x;
  if (kind !== typeof y || !(kind === 'number' || kind === 'bigint' || kind === 'string')) {
    throw new TypeError(`${what}(${JSON.stringify(field)}) compares numbers, bigints, strings or dates, got ${describe(a)} and ${describe(b)}.`);
  }
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

function describe(v: unknown): string {
  return v === null ? 'null' : v instanceof Date ? 'a date' : typeof v;
}

/** The reduce function of a field aggregation. */
export function fieldAggregator<T>(what: FieldAggregation, field: string | number, first = true): (a: T, b: T) => T {
  switch (what) {
    case 'sum':
      return (a, b) => withField(a, field, add(get(a, field, what), get(b, field, what), field));
    case 'min':
    case 'max': {
      const sign = what === 'min' ? 1 : -1;
      // As Flink: the field takes b's value unless a's is strictly more extreme.
      return (a, b) => {
        const x = get(a, field, what);
        const y = get(b, field, what);
        return sign * compare(x, y, field, what) < 0 ? a : withField(a, field, y);
      };
    }
    case 'minBy':
    case 'maxBy': {
      const sign = what === 'minBy' ? 1 : -1;
      return (a, b) => {
        const c = sign * compare(get(a, field, what), get(b, field, what), field, what);
        if (c === 0) return first ? a : b;
        return c < 0 ? a : b;
      };
    }
  }
}

/**
 * The five aggregations by field of a keyed stream (rolling: one result per record) and of a
 * windowed stream (one result per window firing): the same reduce functions, which each stream
 * applies its own way.
 */
export abstract class FieldAggregations<T> {
  /** The first record (of the key, or the window) with `field` replaced by the sum of its values so far. */
  sum(field: NumericField<T>): SingleOutputStreamOperator<T> {
    return this.aggregateField('sum', field);
  }
  /** The first record with `field` replaced by the smallest value so far (the other fields stay the first record's). */
  min(field: ComparableField<T>): SingleOutputStreamOperator<T> {
    return this.aggregateField('min', field);
  }
  /** The first record with `field` replaced by the largest value so far. */
  max(field: ComparableField<T>): SingleOutputStreamOperator<T> {
    return this.aggregateField('max', field);
  }
  /** The record with the smallest `field` so far: the first on ties, the last with `first = false`. */
  minBy(field: ComparableField<T>, first = true): SingleOutputStreamOperator<T> {
    return this.aggregateField('minBy', field, first);
  }
  /** The record with the largest `field` so far: the first on ties, the last with `first = false`. */
  maxBy(field: ComparableField<T>, first = true): SingleOutputStreamOperator<T> {
    return this.aggregateField('maxBy', field, first);
  }

  /** @internal The stream of `fn`'s results: a rolling reduce per key, or a reduce per window. */
  abstract reduceFields(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;

  private aggregateField(what: FieldAggregation, field: unknown, first?: boolean): SingleOutputStreamOperator<T> {
    return this.reduceFields(fieldAggregator<T>(what, checkField(field, what), first));
  }
}
