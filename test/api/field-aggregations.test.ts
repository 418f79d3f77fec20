/*
 * sum / min / max / minBy / maxBy by field: Flink's semantics (min keeps the first record and
 * replaces only the field; minBy returns the whole record, the first on ties unless first=false),
 * as reduce functions and on a keyed stream.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fieldAggregator } from '../../src/api/field-aggregations.js';
import { collectInto, runJob } from '../helpers/run-job.js';

interface Reading {
  sensor: string;
  temp: number;
  at: number;
}
const r = (sensor: string, temp: number, at: number): Reading => ({ sensor, temp, at });

function fold<T>(f: (a: T, b: T) => T, values: T[]): T[] {
  const out: T[] = [values[0]!];
  for (let i = 1; i < values.length; i++) out.push(f(out[i - 1]!, values[i]!));
  return out;
}

describe('field aggregations', () => {
  const readings = [r('a', 5, 1), r('a', 3, 2), r('a', 3, 3), r('a', 8, 4)];

  test('min keeps the first record and replaces only the field; minBy returns the record (first on ties)', () => {
    assert.deepEqual(fold(fieldAggregator<Reading>('min', 'temp'), readings), [r('a', 5, 1), r('a', 3, 1), r('a', 3, 1), r('a', 3, 1)]);
    assert.deepEqual(fold(fieldAggregator<Reading>('minBy', 'temp'), readings), [r('a', 5, 1), r('a', 3, 2), r('a', 3, 2), r('a', 3, 2)]);
    assert.deepEqual(fold(fieldAggregator<Reading>('minBy', 'temp', false), readings), [r('a', 5, 1), r('a', 3, 2), r('a', 3, 3), r('a', 3, 3)]);
  });

  test('max and maxBy', () => {
    assert.deepEqual(fold(fieldAggregator<Reading>('max', 'temp'), readings).at(-1), r('a', 8, 1));
    assert.deepEqual(fold(fieldAggregator<Reading>('maxBy', 'temp'), readings).at(-1), r('a', 8, 4));
    const ties = [r('b', 2, 1), r('b', 2, 2)];
    assert.deepEqual(fold(fieldAggregator<Reading>('maxBy', 'temp'), ties).at(-1), r('b', 2, 1));
    assert.deepEqual(fold(fieldAggregator<Reading>('maxBy', 'temp', false), ties).at(-1), r('b', 2, 2));
  });

  test('sum keeps the first record with the field summed; tuples by position, bare numbers as 0; inputs are not changed', () => {
    const first = r('a', 5, 1);
    assert.deepEqual(fold(fieldAggregator<Reading>('sum', 'temp'), [first, r('a', 3, 2)]).at(-1), r('a', 8, 1));
    assert.deepEqual(first, r('a', 5, 1), 'the first record itself is unchanged');
    assert.deepEqual(fold(fieldAggregator<[string, number]>('sum', 1), [['x', 1], ['x', 2], ['x', 3]]).at(-1), ['x', 6]);
    assert.deepEqual(fold(fieldAggregator<number>('sum', 0), [1, 2, 3]).at(-1), 6);
    assert.deepEqual(fold(fieldAggregator<{ n: bigint }>('sum', 'n'), [{ n: 1n }, { n: 2n }]).at(-1), { n: 3n });
    assert.deepEqual(fold(fieldAggregator<{ s: string }>('min', 's'), [{ s: 'b' }, { s: 'a' }]).at(-1), { s: 'a' });
    assert.deepEqual(fold(fieldAggregator<{ d: Date }>('maxBy', 'd'), [{ d: new Date(5) }, { d: new Date(9) }]).at(-1), { d: new Date(9) });
  });

  test('a field that is missing or of the wrong type fails with a message naming it', () => {
    assert.throws(() => fieldAggregator<Reading>('sum', 'sensor')(readings[0]!, readings[1]!), /sum\("sensor"\) needs numbers \(or bigints\) in that field, got string and string/);
    assert.throws(() => fieldAggregator<Reading>('min', 'nope')(readings[0]!, readings[1]!), /min\("nope"\): a record has no field "nope"/);
    assert.throws(() => fieldAggregator<unknown>('max', 'x')(1, 2), /got a record that is number, not an object or a tuple/);
  });

  test('on a keyed stream: the running aggregate per key, named "Keyed Aggregation"', async () => {
    const sums: Array<[string, number]> = [];
    const maxBys: Reading[] = [];
    const mins: Reading[] = [];
    await runJob((env) => {
      const tuples = env.fromElements<[string, number]>(['a', 1], ['b', 10], ['a', 2], ['b', 20], ['a', 3]).keyBy((t) => t[0]);
      const s = tuples.sum(1);
      assert.equal(s.getName(), 'Keyed Aggregation');
      s.addSink(collectInto(sums));
      const byKey = env.fromElements(...readings, r('c', 1, 9)).keyBy((x) => x.sensor);
      byKey.maxBy('temp').addSink(collectInto(maxBys));
      byKey.min('temp').addSink(collectInto(mins));
    });
    assert.deepEqual(sums, [['a', 1], ['b', 10], ['a', 3], ['b', 30], ['a', 6]]);
    assert.deepEqual(maxBys, [r('a', 5, 1), r('a', 5, 1), r('a', 5, 1), r('a', 8, 4), r('c', 1, 9)]);
    assert.deepEqual(mins, [r('a', 5, 1), r('a', 3, 1), r('a', 3, 1), r('a', 3, 1), r('c', 1, 9)]);
  });

  test('fields are checked when the job is defined, and typed', async () => {
    await runJob((env) => {
      const keyed = env.fromElements(r('a', 1, 1)).keyBy((x) => x.sensor);
      assert.throws(() => keyed.sum('' as never), /sum\(field\) needs a field name or a tuple position/);
      assert.throws(() => keyed.max(-1 as never), /max\(field\) needs a field name or a tuple position/);
      // @ts-expect-error sensor is a string: sum needs a numeric field
      keyed.sum('sensor');
      // @ts-expect-error no such field
      keyed.minBy('nope');
      keyed.sum('temp').addSink(() => {});
    });
  });
});
