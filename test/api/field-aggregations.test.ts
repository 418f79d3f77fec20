/*
 * sum / min / max / minBy / maxBy by field: Flink's semantics (min keeps the first record and
 * replaces only the field; minBy returns the whole record, the first on ties unless first=false),
 * as reduce functions, on a keyed stream and per window. The Flink cases are
 * AggregationFunctionTest and DataStreamPojoITCase (flink-streaming-java), with their inputs and
 * expected outputs; the value order is Java's compareTo (ComparableAggregator, Comparator).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fieldAggregator } from '../../src/api/field-aggregations.js';
import { CountTrigger, GlobalWindows, UserCodeError } from '../../src/index.js';
import { capturePipeline, collectInto, runJob, sorted } from '../helpers/run-job.js';

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

  test('fields are checked when the job is defined, and typed', () => {
    capturePipeline((env) => {
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

  // Flink's inputs: i = 0..8 as (i % 3, i) — three keys — and (0, i % 3, i) — one key, ties.
  const nine = Array.from({ length: 9 }, (_, i) => i);
  const tuples2 = nine.map((i): [number, number] => [i % 3, i]);
  const tuples3 = nine.map((i): [number, number, number] => [0, i % 3, i]);
  interface Pojo {
    f0: number;
    f1: number;
  }
  interface Pojo3 extends Pojo {
    f2: number;
  }

  test("AggregationFunctionTest: groupSumIntegerTest and pojoGroupSumIntegerTest on a keyed stream", async () => {
    const running = new Map<number, number>();
    const expectedSum = tuples2.map(([k, v]): [number, number] => [k, running.set(k, (running.get(k) ?? 0) + v).get(k)!]);
    const got = { sum: [] as Array<[number, number]>, min: [] as Array<[number, number]>, max: [] as Array<[number, number]>, pojoSum: [] as Pojo[], pojoMin: [] as Pojo[], pojoMax: [] as Pojo[] };
    await runJob((env) => {
      const keyed = env.fromData(tuples2).keyBy((t) => t[0]);
      keyed.sum(1).addSink(collectInto(got.sum));
      keyed.min(1).addSink(collectInto(got.min));
      keyed.max(1).addSink(collectInto(got.max));
      const pojos = env.fromData(tuples2.map(([f0, f1]): Pojo => ({ f0, f1 }))).keyBy((p) => p.f0);
      pojos.sum('f1').addSink(collectInto(got.pojoSum));
      pojos.min('f1').addSink(collectInto(got.pojoMin));
      pojos.max('f1').addSink(collectInto(got.pojoMax));
    });
    assert.deepEqual(got.sum, expectedSum);
    assert.deepEqual(got.min, nine.map((i) => [i % 3, i % 3]));
    assert.deepEqual(got.max, nine.map((i) => [i % 3, i]));
    assert.deepEqual(got.pojoSum, expectedSum.map(([f0, f1]) => ({ f0, f1 })));
    assert.deepEqual(got.pojoMin, nine.map((i) => ({ f0: i % 3, f1: i % 3 })));
    assert.deepEqual(got.pojoMax, nine.map((i) => ({ f0: i % 3, f1: i })));
  });

  test('AggregationFunctionTest: minMaxByTest and pojoMinMaxByTest (first or last of equal elements; first by default)', async () => {
    const t = (f1: number, f2: number): [number, number, number] => [0, f1, f2];
    const maxByFirst = [t(0, 0), t(1, 1), ...Array.from({ length: 7 }, () => t(2, 2))];
    const maxByLast = [t(0, 0), t(1, 1), t(2, 2), t(2, 2), t(2, 2), t(2, 5), t(2, 5), t(2, 5), t(2, 8)];
    const minByFirst = nine.map(() => t(0, 0));
    const minByLast = [t(0, 0), t(0, 0), t(0, 0), t(0, 3), t(0, 3), t(0, 3), t(0, 6), t(0, 6), t(0, 6)];
    const runs: Array<Array<[number, number, number]>> = [[], [], [], [], []];
    const pojoRuns: Pojo3[][] = [[], [], [], []];
    await runJob((env) => {
      const keyed = env.fromData(tuples3).keyBy((x) => x[0]);
      keyed.maxBy(1).addSink(collectInto(runs[0]!));
      keyed.maxBy(1, false).addSink(collectInto(runs[1]!));
      keyed.minBy(1).addSink(collectInto(runs[2]!));
      keyed.minBy(1, false).addSink(collectInto(runs[3]!));
      keyed.maxBy(1, true).addSink(collectInto(runs[4]!));
      const pojos = env.fromData(tuples3.map(([f0, f1, f2]): Pojo3 => ({ f0, f1, f2 }))).keyBy((p) => p.f0);
      pojos.maxBy('f1').addSink(collectInto(pojoRuns[0]!));
      pojos.maxBy('f1', false).addSink(collectInto(pojoRuns[1]!));
      pojos.minBy('f1').addSink(collectInto(pojoRuns[2]!));
      pojos.minBy('f1', false).addSink(collectInto(pojoRuns[3]!));
    });
    assert.deepEqual(runs, [maxByFirst, maxByLast, minByFirst, minByLast, maxByFirst]);
    const asPojos = (xs: Array<[number, number, number]>) => xs.map(([f0, f1, f2]) => ({ f0, f1, f2 }));
    assert.deepEqual(pojoRuns, [maxByFirst, maxByLast, minByFirst, minByLast].map(asPojos));
  });

  test("values compare as Java's compareTo: NaN above all and equal to itself, -0 below 0, false before true", () => {
    assert.deepEqual(fold(fieldAggregator<number>('max', 0), [5, NaN, 7]), [5, NaN, NaN]);
    assert.deepEqual(fold(fieldAggregator<number>('min', 0), [NaN, 3, NaN]), [NaN, 3, 3]);
    assert.ok(Object.is(fold(fieldAggregator<number>('max', 0), [0, -0]).at(-1), 0), 'max(0, -0) keeps 0');
    assert.ok(Object.is(fold(fieldAggregator<number>('min', 0), [-0, 0]).at(-1), -0), 'min(-0, 0) keeps -0');
    const v = (x: number, i: number) => ({ x, i });
    assert.deepEqual(fold(fieldAggregator<{ x: number; i: number }>('maxBy', 'x', false), [v(0, 1), v(-0, 2)]).at(-1), v(0, 1));
    assert.deepEqual(fold(fieldAggregator<{ x: number; i: number }>('minBy', 'x', false), [v(NaN, 1), v(NaN, 2), v(9, 3)]), [v(NaN, 1), v(NaN, 2), v(9, 3)]);
    assert.deepEqual(fold(fieldAggregator<[boolean, string]>('max', 0), [[false, 'a'], [true, 'b'], [false, 'c']]).at(-1), [true, 'a']);
    assert.deepEqual(fold(fieldAggregator<{ s: string }>('maxBy', 's'), [{ s: 'Z' }, { s: 'a' }, { s: '\u{1F600}' }, { s: '\uFFFF' }]).at(-1), { s: '\uFFFF' }, 'strings by UTF-16 code units');
  });

  test('DataStreamPojoITCase: a dotted path sums a nested field (copies along the path, a class instance stays one)', async () => {
    class Stats {
      constructor(readonly count: number) {}
    }
    class Data {
      readonly stats: Stats;
      constructor(
        readonly sum: number,
        readonly aaa: number,
        readonly abc: number,
        readonly wxyz: number,
      ) {
        this.stats = new Stats(123);
      }
    }
    const elements = [new Data(1, 0, 0, 0), new Data(1, 0, 0, 0), new Data(1, 1, 1, 1), new Data(1, 1, 1, 1), new Data(1, 2, 2, 3), new Data(1, 2, 2, 3)];
    const out: Data[] = [];
    await runJob((env) => void env.fromData(elements).keyBy((d) => d.aaa).sum('stats.count').addSink(collectInto(out)));
    assert.deepEqual(sorted(out.map((d) => `${d.aaa} ${d.stats.count}`)), ['0 123', '0 246', '1 123', '1 246', '2 123', '2 246']);
    assert.ok(out.every((d) => d instanceof Data && d.stats instanceof Stats));
    assert.equal(elements[0]!.stats.count, 123, 'the input records are unchanged');
    const nested = fold(fieldAggregator<{ p: [string, { n: number }] }>('min', 'p.1.n'), [{ p: ['a', { n: 2 }] }, { p: ['b', { n: 1 }] }]);
    assert.deepEqual(nested.at(-1), { p: ['a', { n: 1 }] });
  });

  test("Flink's Tuple field names: 'f1' is position 1 of a tuple, also inside a path; an object's own f1 stays its property; 'f0' is no whole value", async () => {
    const tuples: Array<[string, number]> = [['x', 1], ['y', 5], ['x', 2], ['x', 3]];
    const sums: Array<[string, number]> = [];
    const maxBys: Array<[string, number]> = [];
    await runJob((env) => {
      const keyed = env.fromData(tuples).keyBy((t) => t[0]);
      keyed.sum('f1').addSink(collectInto(sums));
      keyed.maxBy('f1').addSink(collectInto(maxBys));
    });
    assert.deepEqual(sorted(sums.map((t) => t.join(' '))), ['x 1', 'x 3', 'x 6', 'y 5']);
    assert.deepEqual(sorted(maxBys.map((t) => t.join(' '))), ['x 1', 'x 2', 'x 3', 'y 5']);
    const nested = fold(fieldAggregator<{ p: [string, [number, number]] }>('sum', 'p.f1.f0'), [{ p: ['a', [2, 7]] }, { p: ['b', [1, 9]] }]);
    assert.deepEqual(nested.at(-1), { p: ['a', [3, 7]] }, 'f-names at each tuple along the path');
    assert.deepEqual(fold(fieldAggregator<{ f1: number; 1: number }>('sum', 'f1'), [{ f1: 1, 1: 10 }, { f1: 2, 1: 20 }]).at(-1), { f1: 3, 1: 10 }, 'on an object, f1 is its property');
    assert.throws(() => fieldAggregator<number>('sum', 'f0' as never)(1, 2), /got a record that is number, not an object or a tuple/, "Flink selects a basic value with '0' or '*' only");
  });

  test('a wrong field fails at the first record of a key or window (Flink refuses it at build time); a malformed expression when defined', async () => {
    const failure = (build: Parameters<typeof runJob>[0]) =>
      assert.rejects(runJob(build), (err: unknown) => {
        assert.ok(err instanceof UserCodeError, String(err));
        return true;
      });
    // One record per key: the reduce function never runs, the operator's check does.
    await failure((env) => void env.fromElements(r('a', 1, 1)).keyBy((x) => x.sensor).sum('stats.nonExistingField' as never).addSink(() => {}));
    await assert.rejects(
      runJob((env) => void env.fromElements(r('a', 1, 1)).keyBy((x) => x.sensor).sum('sensor' as never).addSink(() => {})),
      /sum\("sensor"\) needs numbers \(or bigints\) in that field, got string/,
    );
    await assert.rejects(
      runJob((env) => void env.fromElements({ v: {} }).countWindowAll(1).min('v' as never).addSink(() => {})),
      /min\("v"\) compares numbers, bigints, strings, booleans or dates, got object and object/,
    );
    await runJob((env) => {
      const keyed = env.fromElements(r('a', 1, 1)).keyBy((x) => x.sensor);
      assert.throws(() => keyed.sum('stats..count' as never), /sum\("stats\.\.count"\) is not a field expression/);
      assert.throws(() => keyed.window(GlobalWindows.create()).maxBy('temp.' as never), /maxBy\("temp\."\) is not a field expression/);
      keyed.sum('temp').addSink(() => {});
    });
  });

  test('per window: one reduce per window firing, keyed and windowAll', async () => {
    const sums: Array<[number, number]> = [];
    const maxByLast: Array<[number, number, number]> = [];
    const mins: Pojo3[] = [];
    await runJob((env) => {
      // Flink's (i % 3, i) in count windows of 2 per key: keys 0,1,2 get (0,3) (6) / (1,4) (7) / (2,5) (8).
      env.fromData(tuples2).keyBy((t) => t[0]).countWindow(2).sum(1).addSink(collectInto(sums));
      // (0, i % 3, i) in tumbling windows of 3 records: the last of the largest f1 in each.
      env.fromData(tuples3).countWindowAll(3).maxBy(1, false).addSink(collectInto(maxByLast));
      env
        .fromData(tuples3.map(([f0, f1, f2]): Pojo3 => ({ f0, f1, f2 })))
        .windowAll(GlobalWindows.create())
        .trigger(CountTrigger.of(4)) // no purge: the second firing sees all 8 records so far
        .min('f1')
        .addSink(collectInto(mins));
    });
    assert.deepEqual(sorted(sums.map(String)), ['0,3', '1,5', '2,7']);
    assert.deepEqual(maxByLast, [[0, 2, 2], [0, 2, 5], [0, 2, 8]]);
    assert.deepEqual(mins, [{ f0: 0, f1: 0, f2: 0 }, { f0: 0, f1: 0, f2: 0 }]);
  });
});
