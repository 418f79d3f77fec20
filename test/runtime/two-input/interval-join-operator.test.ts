/*
 * Flink's IntervalJoinOperatorTest, ported: which elements join at inclusive and exclusive,
 * positive and negative bounds (each with the left input faster than the right and the other way
 * round), the buffers cleaned as the common watermark passes, restore from a snapshot, the
 * context's timestamps, late elements dropped or sent to the side outputs, and elements without
 * timestamps refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, type IntervalJoinSpec, OutputTag, ProcessJoinFunction, type ProcessJoinContext } from '../../../src/graph/index.js';
import { MapStateDescriptor, type MapState } from '../../../src/state/index.js';
import { BACKENDS, type BackendType } from '../../state/backends.js';
import { TwoInputHarness } from './two-input-harness.js';

interface TestElem {
  readonly key: string;
  readonly ts: number;
  readonly source: 'lhs' | 'rhs';
}
const elem = (ts: number, source: 'lhs' | 'rhs'): TestElem => ({ key: 'key', ts, source });
const key = (e: TestElem) => e.key;

class Passthrough extends ProcessJoinFunction<TestElem, TestElem, [TestElem, TestElem]> {
  processElement(left: TestElem, right: TestElem, _ctx: ProcessJoinContext, out: Collector<[TestElem, TestElem]>): void {
    out.collect([left, right]);
  }
}

/** Flink's constructor: bounds with their inclusiveness, made inclusive as the operator takes them. */
function spec(lower: number, lowerInclusive: boolean, upper: number, upperInclusive: boolean, fn: ProcessJoinFunction<TestElem, TestElem, unknown> = new Passthrough(), tags: [OutputTag<TestElem>?, OutputTag<TestElem>?] = []): { kind: 'intervalJoin' } & IntervalJoinSpec {
  assert.ok(lower <= upper, 'lowerBound <= upperBound must be fulfilled');
  return {
    kind: 'intervalJoin',
    fn: fn as ProcessJoinFunction<unknown, unknown, unknown>,
    lowerBound: lowerInclusive ? lower : lower + 1,
    upperBound: upperInclusive ? upper : upper - 1,
    leftLateTag: tags[0] as OutputTag<unknown> | undefined,
    rightLateTag: tags[1] as OutputTag<unknown> | undefined,
  };
}

/** `lhs,rhs@timestamp` of a pair (Flink's streamRecordOf: the timestamp is the larger one). */
const pair = (l: number, r: number) => `${l},${r}@${Math.max(l, r)}`;

class Builder {
  constructor(
    readonly h: TwoInputHarness,
    private readonly lhsFaster: boolean,
  ) {}
  e1(...tss: number[]): this {
    for (const ts of tss) this.h.processElement1(elem(ts, 'lhs'), ts);
    return this;
  }
  e2(...tss: number[]): this {
    for (const ts of tss) this.h.processElement2(elem(ts, 'rhs'), ts);
    return this;
  }
  wm1(t: number): this {
    this.h.processWatermark1(t);
    return this;
  }
  wm2(t: number): this {
    this.h.processWatermark2(t);
    return this;
  }
  /** Flink's processElementsAndWatermarks: each input's elements each followed by its watermark, the faster input first. */
  elementsAndWatermarks(from: number, to: number): this {
    const left = () => {
      for (let i = from; i <= to; i++) this.e1(i).wm1(i);
    };
    const right = () => {
      for (let i = from; i <= to; i++) this.e2(i).wm2(i);
    };
    if (this.lhsFaster) {
      left();
      right();
    } else {
      right();
      left();
    }
    return this;
  }
  expect(...pairs: string[]): this {
    const got = this.h.records().map((r) => {
      const [l, rr] = r.value as [TestElem, TestElem];
      assert.equal(l.source, 'lhs');
      assert.equal(rr.source, 'rhs');
      return `${l.ts},${rr.ts}@${r.timestamp}`;
    });
    assert.deepEqual([...got].sort(), [...pairs].sort());
    return this;
  }
  /** Flink's assertNoLateRecords: every record is later than the last watermark before it. */
  noLateRecords(): this {
    let watermark = Number.MIN_SAFE_INTEGER;
    for (const e of this.h.output) {
      if ('watermark' in e) watermark = e.watermark;
      else assert.ok(watermark < e.timestamp, `late data was emitted after the join: ${e.timestamp} after watermark ${watermark}`);
    }
    return this;
  }
  private buffer(side: 'Left' | 'Right'): number[] {
    const backend = this.h.backend;
    backend.setCurrentKey('key');
    const state = backend.getOrCreateState<MapState<number, unknown[]>>(new MapStateDescriptor<number, unknown[]>(`_intervalJoin${side}`));
    return [...state.keys()].sort((a, b) => a - b);
  }
  leftBuffer(...tss: number[]): this {
    assert.deepEqual(this.buffer('Left'), tss, 'left buffer');
    return this;
  }
  rightBuffer(...tss: number[]): this {
    assert.deepEqual(this.buffer('Right'), tss, 'right buffer');
    return this;
  }
}

for (const backend of BACKENDS) {
  for (const lhsFaster of [true, false]) {
    const setup = async (lower: number, li: boolean, upper: number, ui: boolean, tags: [OutputTag<TestElem>?, OutputTag<TestElem>?] = [], b: BackendType = backend) => {
      const h = await new TwoInputHarness(spec(lower, li, upper, ui, undefined, tags), key, key, { backend: b, sideOutputs: tags.filter((t): t is OutputTag<TestElem> => t !== undefined) as OutputTag<unknown>[] }).open();
      return new Builder(h, lhsFaster);
    };

    describe(`interval join: Flink's IntervalJoinOperatorTest [${backend}, lhs faster than rhs: ${lhsFaster}]`, () => {
      test('testImplementationMirrorsCorrectly', async () => {
        (await setup(1, true, 3, false)).elementsAndWatermarks(1, 4).expect(pair(1, 2), pair(1, 3), pair(2, 3), pair(2, 4), pair(3, 4)).noLateRecords();
        (await setup(-3, false, -1, true)).elementsAndWatermarks(1, 4).expect(pair(2, 1), pair(3, 1), pair(3, 2), pair(4, 2), pair(4, 3)).noLateRecords();
      });

      test('testNegativeInclusiveAndNegativeInclusive', async () => {
        (await setup(-2, true, -1, true)).elementsAndWatermarks(1, 4).expect(pair(2, 1), pair(3, 1), pair(3, 2), pair(4, 2), pair(4, 3)).noLateRecords();
      });

      test('testNegativeInclusiveAndPositiveInclusive', async () => {
        (await setup(-1, true, 1, true))
          .elementsAndWatermarks(1, 4)
          .expect(pair(1, 1), pair(1, 2), pair(2, 1), pair(2, 2), pair(2, 3), pair(3, 2), pair(3, 3), pair(3, 4), pair(4, 3), pair(4, 4))
          .noLateRecords();
      });

      test('testPositiveInclusiveAndPositiveInclusive', async () => {
        (await setup(1, true, 2, true)).elementsAndWatermarks(1, 4).expect(pair(1, 2), pair(1, 3), pair(2, 3), pair(2, 4), pair(3, 4)).noLateRecords();
      });

      test('testNegativeExclusiveAndNegativeExlusive', async () => {
        (await setup(-3, false, -1, false)).elementsAndWatermarks(1, 4).expect(pair(3, 1), pair(4, 2)).noLateRecords();
      });

      test('testNegativeExclusiveAndPositiveExlusive', async () => {
        (await setup(-1, false, 1, false)).elementsAndWatermarks(1, 4).expect(pair(1, 1), pair(2, 2), pair(3, 3), pair(4, 4)).noLateRecords();
      });

      test('testPositiveExclusiveAndPositiveExlusive', async () => {
        (await setup(1, false, 3, false)).elementsAndWatermarks(1, 4).expect(pair(1, 3), pair(2, 4)).noLateRecords();
      });

      const cleanup = async (lower: number, li: boolean, upper: number, ui: boolean, after1: [number[], number[]], after4: [number[], number[]]) => {
        const b = (await setup(lower, li, upper, ui)).e1(1, 2, 3, 4, 5).e2(1, 2, 3, 4, 5);
        b.wm1(1).wm2(1).leftBuffer(...after1[0]).rightBuffer(...after1[1]);
        b.wm1(4).wm2(4).leftBuffer(...after4[0]).rightBuffer(...after4[1]);
        b.wm1(6).wm2(6).leftBuffer().rightBuffer();
      };

      test('testStateCleanupNegativeInclusiveNegativeInclusive', async () => {
        await cleanup(-1, true, 0, true, [[2, 3, 4, 5], [1, 2, 3, 4, 5]], [[5], [4, 5]]);
      });

      test('testStateCleanupNegativePositiveNegativeExlusive', async () => {
        await cleanup(-2, false, 1, false, [[2, 3, 4, 5], [1, 2, 3, 4, 5]], [[5], [4, 5]]);
      });

      test('testStateCleanupPositiveInclusivePositiveInclusive', async () => {
        await cleanup(0, true, 1, true, [[1, 2, 3, 4, 5], [2, 3, 4, 5]], [[4, 5], [5]]);
      });

      test('testStateCleanupPositiveExlusivePositiveExclusive', async () => {
        await cleanup(-1, false, 2, false, [[1, 2, 3, 4, 5], [2, 3, 4, 5]], [[4, 5], [5]]);
      });

      test('testRestoreFromSnapshot', async () => {
        const first = await setup(-1, true, 1, true);
        first.e1(1).wm1(1).e2(1).wm2(1).e1(2).wm1(2).e2(2).wm2(2).e1(3).wm1(3).e2(3).wm2(3);
        const snapshot = first.h.snapshot();
        await first.h.close();
        first.noLateRecords().expect(pair(1, 1), pair(1, 2), pair(2, 1), pair(2, 2), pair(2, 3), pair(3, 2), pair(3, 3));

        const h = await new TwoInputHarness(spec(-1, true, 1, true), key, key, { backend, restore: snapshot }).open();
        const second = new Builder(h, lhsFaster);
        // The restored operator's watermark starts again from the beginning, as a restored Flink operator's.
        second.e1(4).wm1(4).e2(4).wm2(4).noLateRecords().expect(pair(3, 4), pair(4, 3), pair(4, 4));
      });

      test('testContextCorrectLeftTimestamp, testContextCorrectRightTimestamp, testReturnsCorrectTimestamp', async () => {
        let calls = 0;
        class Check extends ProcessJoinFunction<TestElem, TestElem, never> {
          processElement(left: TestElem, right: TestElem, ctx: ProcessJoinContext): void {
            calls++;
            assert.equal(ctx.getLeftTimestamp(), left.ts);
            assert.equal(ctx.getRightTimestamp(), right.ts);
            assert.equal(ctx.getTimestamp(), Math.max(left.ts, right.ts));
          }
        }
        const h = await new TwoInputHarness(spec(-1, true, 1, true, new Check()), key, key, { backend }).open();
        new Builder(h, lhsFaster).elementsAndWatermarks(1, 4);
        assert.equal(calls, 10);
      });

      test('testFailsWithNoTimestampsLeft / Right', async () => {
        const h = await new TwoInputHarness(spec(0, true, 0, true), key, key, { backend }).open();
        assert.throws(() => h.processElement1(elem(0, 'lhs')), /interval stream joins need to have meaningful timestamps/);
        assert.throws(() => h.processElement2(elem(0, 'rhs')), /interval stream joins need to have meaningful timestamps/);
      });

      test('testDiscardsLateData', async () => {
        (await setup(-1, true, 1, true))
          .e1(1)
          .e2(1)
          .e1(2)
          .e2(2)
          .e1(3)
          .e2(3)
          .wm1(3)
          .wm2(3)
          .e1(1) // late: not joined again
          .e1(4)
          .e2(4)
          .e1(5)
          .e2(5)
          .expect(pair(1, 1), pair(1, 2), pair(2, 1), pair(2, 2), pair(2, 3), pair(3, 2), pair(3, 3), pair(3, 4), pair(4, 3), pair(4, 4), pair(4, 5), pair(5, 4), pair(5, 5))
          .noLateRecords();
      });

      test('testLateData', async () => {
        const leftLate = new OutputTag<TestElem>('left_late');
        const rightLate = new OutputTag<TestElem>('right_late');
        const b = (await setup(-1, true, 1, true, [leftLate, rightLate])).e1(3).e2(3).wm1(3).wm2(3).e1(4).e2(4).e1(1).e2(2).e1(5).e2(5);
        b.expect(pair(3, 3), pair(3, 4), pair(4, 3), pair(4, 4), pair(4, 5), pair(5, 4), pair(5, 5));
        assert.deepEqual(b.h.sideOutput(leftLate as OutputTag<unknown>), [{ value: elem(1, 'lhs'), timestamp: 1 }]);
        assert.deepEqual(b.h.sideOutput(rightLate as OutputTag<unknown>), [{ value: elem(2, 'rhs'), timestamp: 2 }]);
      });

      test('an element at exactly the watermark is not late (late is a timestamp below it, as in Flink)', async () => {
        const leftLate = new OutputTag<TestElem>('left_late');
        const rightLate = new OutputTag<TestElem>('right_late');
        const b = (await setup(-1, true, 1, true, [leftLate, rightLate])).wm1(3).wm2(3).e1(3).e2(3);
        b.expect(pair(3, 3));
        assert.deepEqual(b.h.sideOutput(leftLate as OutputTag<unknown>), []);
        assert.deepEqual(b.h.sideOutput(rightLate as OutputTag<unknown>), []);
      });
    });
  }
}
