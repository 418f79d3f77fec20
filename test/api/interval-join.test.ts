/*
 * The interval join as a job: keyed inputs at parallelism 2, results at the larger timestamp,
 * an exclusive bound, and the checks `between` makes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, type DataStream, Duration, ProcessJoinFunction, type ProcessJoinContext, ProcessFunction, type ProcessContext, WatermarkStrategy } from '../../src/index.js';
import { capturePipeline, collectInto, runJob, sorted } from '../helpers/run-job.js';

type Ev = { k: string; t: number };
const ts = WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.t);

class Pair extends ProcessJoinFunction<Ev, Ev, string> {
  processElement(l: Ev, r: Ev, ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`${l.k}:${l.t}-${r.t}@${ctx.getTimestamp()}`);
  }
}

/** `left` joined with `right` on `k`, each left element with the right ones 2 ms either side of it. */
function joinWithin2ms(left: DataStream<Ev>, right: DataStream<Ev>) {
  return left
    .keyBy((e) => e.k)
    .intervalJoin(right.keyBy((e) => e.k))
    .between(Duration.ofMillis(-2), Duration.ofMillis(2));
}

class Stamp extends ProcessFunction<string, string> {
  processElement(v: string, ctx: ProcessContext, out: Collector<string>): void {
    out.collect(`${v}#${ctx.timestamp()}`);
  }
}

describe('intervalJoin', () => {
  test('joins equal keys within [t + lower, t + upper] at parallelism 2; results carry the larger timestamp', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        const left = env.fromCollection<Ev>([{ k: 'a', t: 10 }, { k: 'b', t: 10 }, { k: 'a', t: 20 }]).assignTimestampsAndWatermarks(ts);
        const right = env.fromCollection<Ev>([{ k: 'a', t: 8 }, { k: 'a', t: 12 }, { k: 'b', t: 15 }, { k: 'a', t: 21 }, { k: 'c', t: 10 }]).assignTimestampsAndWatermarks(ts);
        joinWithin2ms(left, right)
          .upperBoundExclusive()
          .process(new Pair())
          .process(new Stamp())
          .addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    // a@10 joins 8 (= 10-2, inclusive) but not 12 (= 10+2, exclusive); a@20 joins 21; b@10 is 5 from 15.
    assert.deepEqual(sorted(out), ['a:10-8@10#10', 'a:20-21@21#21']);
  });

  test('lowerBoundExclusive leaves out the pair exactly at the lower bound, and keeps the one just inside', async () => {
    const out: string[] = [];
    await runJob((env) => {
      const left = env.fromCollection<Ev>([{ k: 'a', t: 10 }]).assignTimestampsAndWatermarks(ts);
      const right = env.fromCollection<Ev>([{ k: 'a', t: 8 }, { k: 'a', t: 9 }, { k: 'a', t: 12 }]).assignTimestampsAndWatermarks(ts);
      joinWithin2ms(left, right)
        .lowerBoundExclusive()
        .process(new Pair())
        .addSink(collectInto(out));
    });
    // 8 = 10 - 2 is the excluded lower bound; 9 is inside; 12 = 10 + 2 is the inclusive upper one.
    assert.deepEqual(sorted(out), ['a:10-12@12', 'a:10-9@10']);
  });

  test('between refuses a lower bound above the upper one, and bare numbers', () => {
    capturePipeline((env) => {
      const a = env.fromElements<Ev>({ k: 'a', t: 1 }).keyBy((e) => e.k);
      assert.throws(() => a.intervalJoin(a).between(Duration.ofMillis(2), Duration.ofMillis(1)), /lowerBound <= upperBound must be fulfilled/);
      assert.throws(() => a.intervalJoin(a).between(1 as never, Duration.ofMillis(1)), /must be a Duration or a Time/);
      a.print();
    });
  });
});
