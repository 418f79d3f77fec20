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
 * Fields are named as Flink's field expressions name them (see field-path.ts). Values compare
 * as Java's compareTo does (numbers as Double.compareTo: NaN above everything, -0 below 0).
 * Results are new objects: the records given are never changed.
 */

import { type ReduceFunctionLike, withRecordCheck } from '../graph/index.js';
import type { SingleOutputStreamOperator } from './data-stream.js';
import { type FieldOf, type FieldPath, describeValue, getField, parseFieldPath, setField } from './field-path.js';

export type { FieldOf } from './field-path.js';

/** Comparable field values: what `min`, `max`, `minBy` and `maxBy` order (Java's Comparables: numbers, strings, booleans, dates). */
export type Comparable = number | bigint | string | boolean | Date;

/** The fields `sum` adds: numbers (or bigints). */
export type NumericField<T> = FieldOf<T, number> | FieldOf<T, bigint>;
/** The fields `min`, `max`, `minBy` and `maxBy` compare. */
export type ComparableField<T> = FieldOf<T, Comparable>;

export type FieldAggregation = 'sum' | 'min' | 'max' | 'minBy' | 'maxBy';

function add(a: unknown, b: unknown, path: FieldPath): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a + b;
  throw notSummable(path, `${describeValue(a)} and ${describeValue(b)}`);
}

function notSummable(path: FieldPath, got: string): TypeError {
  return new TypeError(`sum(${path.name}) needs numbers (or bigints) in that field, got ${got}.`);
}

/**
 * -1, 0 or 1 as Java's compareTo: numbers (and dates, by their time) as Double.compareTo, a
 * total order with NaN above +Infinity and equal to itself, and -0 below 0 — so max keeps a NaN
 * once seen, as Flink's does over a double field; strings by UTF-16 code units, false before
 * true. Values of different kinds cannot be compared (Java would throw a ClassCastException).
 */
function compare(a: unknown, b: unknown, path: FieldPath, what: FieldAggregation): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  const kind = typeof x;
  if (kind !== typeof y || !(kind === 'number' || kind === 'bigint' || kind === 'string' || kind === 'boolean')) {
    throw new TypeError(`${what}(${path.name}) compares numbers, bigints, strings, booleans or dates, got ${describeValue(a)} and ${describeValue(b)}.`);
  }
  // Same kind: < and > order them (bigints as BigInteger, strings by code units, booleans as 0/1).
  if ((x as number) < (y as number)) return -1;
  if ((x as number) > (y as number)) return 1;
  return kind === 'number' ? compareDoubleTies(x as number, y as number) : 0;
}

/** Double.compareTo for numbers that are neither < nor >: equal, ±0, or a NaN. */
function compareDoubleTies(x: number, y: number): number {
  const xNaN = Number.isNaN(x);
  const yNaN = Number.isNaN(y);
  if (xNaN || yNaN) return xNaN && yNaN ? 0 : xNaN ? 1 : -1;
  if (x === 0 && Object.is(x, -0) !== Object.is(y, -0)) return Object.is(x, -0) ? -1 : 1;
  return 0;
}

/**
 * The reduce function of a field aggregation; the field is checked here, when the stream is
 * defined, and each record's value in it by the operator (see RECORD_CHECK).
 */
export function fieldAggregator<T>(what: FieldAggregation, field: unknown, first = true): (a: T, b: T) => T {
  const path = parseFieldPath(field, what);
  const check =
    what === 'sum'
      ? (r: unknown) => {
          const v = getField(r, path, what);
          if (typeof v !== 'number' && typeof v !== 'bigint') throw notSummable(path, describeValue(v));
        }
      : (r: unknown) => {
          const v = getField(r, path, what);
          compare(v, v, path, what);
        };
  return withRecordCheck(reducer<T>(what, path, first), check);
}

function reducer<T>(what: FieldAggregation, path: FieldPath, first: boolean): (a: T, b: T) => T {
  switch (what) {
    case 'sum':
      return (a, b) => setField(a, path, add(getField(a, path, what), getField(b, path, what), path));
    case 'min':
    case 'max': {
      const sign = what === 'min' ? 1 : -1;
      // As Flink: the field takes b's value unless a's is strictly more extreme.
      return (a, b) => {
        const x = getField(a, path, what);
        const y = getField(b, path, what);
        return sign * compare(x, y, path, what) < 0 ? a : setField(a, path, y);
      };
    }
    case 'minBy':
    case 'maxBy': {
      const sign = what === 'minBy' ? 1 : -1;
      return (a, b) => {
        const c = sign * compare(getField(a, path, what), getField(b, path, what), path, what);
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
  abstract reduceFields(fn: ReduceFunctionLike<T>): SingleOutputStreamOperator<T>;

  private aggregateField(what: FieldAggregation, field: unknown, first?: boolean): SingleOutputStreamOperator<T> {
    return this.reduceFields(fieldAggregator<T>(what, field, first));
  }
}
