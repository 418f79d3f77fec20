/**
 * Keyed state in rich map, flatMap and filter functions right after keyBy, as in Flink, where
 * every operator of a KeyedStream gets the keyed backend. The case is Flink's own documentation
 * example, CountWindowAverage (a RichFlatMapFunction keeping a ValueState per key), with its
 * input and output; state survives in snapshots like a process function's.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  RichFilterFunction,
  RichFlatMapFunction,
  RichMapFunction,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { collectInto, runJob, sorted } from '../helpers/run-job.js';

type Pair = [number, number];

/** Flink's CountWindowAverage: the average of every two values of a key, then the count starts over. */
class CountWindowAverage extends RichFlatMapFunction<Pair, Pair> {
  private sum!: ValueState<Pair>;
  override open(): void {
    this.sum = this.getRuntimeContext().getState(new ValueStateDescriptor<Pair>('average', [0, 0]));
  }
  flatMap(input: Pair, out: Collector<Pair>): void {
    const current = this.sum.value()!;
    const next: Pair = [current[0] + 1, current[1] + input[1]];
    this.sum.update(next);
    if (next[0] >= 2) {
      out.collect([input[0], Math.trunc(next[1] / next[0])]);
      this.sum.clear();
    }
  }
}

class FirstPerKey extends RichFilterFunction<Pair> {
  private seen!: ValueState<boolean>;
  override open(): void {
    this.seen = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('seen'));
  }
  filter(): boolean {
    if (this.seen.value()) return false;
    this.seen.update(true);
    return true;
  }
}

class RunningCount extends RichMapFunction<Pair, string> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n', 0));
  }
  map([k]: Pair): string {
    this.n.update(this.n.value()! + 1);
    return `${k}:${this.n.value()}`;
  }
}

describe('keyed state in rich map, flatMap and filter after keyBy (Flink: every KeyedStream operator is keyed)', () => {
  test("Flink's CountWindowAverage: (1,3) (1,5) (1,7) (1,4) (1,2) give (1,4) and (1,5)", async () => {
    const out: Pair[] = [];
    await runJob((env) => {
      env.fromData<Pair>([1, 3], [1, 5], [1, 7], [1, 4], [1, 2]).keyBy((p) => p[0]).flatMap(new CountWindowAverage()).addSink(collectInto(out));
    });
    assert.deepEqual(out, [[1, 4], [1, 5]]);
  });

  test('per key at parallelism 3: a rich filter keeps the first record of each key, a rich map counts per key', async () => {
    const firsts: Pair[] = [];
    const counts: string[] = [];
    await runJob(
      (env) => {
        const pairs = env.fromData<Pair>(Array.from({ length: 30 }, (_, i): Pair => [i % 5, i]));
        pairs.keyBy((p) => p[0]).filter(new FirstPerKey()).addSink(collectInto(firsts));
        pairs.keyBy((p) => p[0]).map(new RunningCount()).addSink(collectInto(counts));
      },
      { parallelism: 3 },
    );
    assert.deepEqual(sorted(firsts.map(([k]) => k)), [0, 1, 2, 3, 4]);
    assert.deepEqual(sorted(counts), sorted(Array.from({ length: 30 }, (_, i) => `${i % 5}:${Math.floor(i / 5) + 1}`)));
  });

  test('without keyBy, keyed state in a rich map is refused in one line, as in Flink', async () => {
    await assert.rejects(
      runJob((env) => void env.fromData<Pair>([1, 1]).map(new RunningCount()).addSink(() => {})),
      (err: unknown) => err instanceof Error && /Keyed state 'n' can only be used on a keyed stream, i\.e\. after keyBy\(\)/.test(err.message),
    );
  });
});
