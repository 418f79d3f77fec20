/*
 * The interval join as a job: keyed inputs at parallelism 2, results (and side outputs) at the
 * larger timestamp, exclusive bounds (Flink's IntervalJoinITCase), late elements of each side on
 * their side outputs, and the checks `between` makes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  type DataStream,
  Duration,
  OutputTag,
  ProcessJoinFunction,
  type ProcessJoinContext,
  ProcessFunction,
  type ProcessContext,
  Watermark,
  type WatermarkOutput,
  WatermarkStrategy,
} from '../../src/index.js';
import { capturePipeline, collectInto, runJob, sorted } from '../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../helpers/scripted-source.js';

type Ev = { k: string; t: number };
const ts = WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.t);

/** Where {@link Pair} also sends each pair (dropped where nobody reads it). */
const PAIRS = new OutputTag<string>('pairs');

class Pair extends ProcessJoinFunction<Ev, Ev, string> {
  processElement(l: Ev, r: Ev, ctx: ProcessJoinContext, out: Collector<string>): void {
    out.collect(`${l.k}:${l.t}-${r.t}@${ctx.getTimestamp()}`);
    ctx.output(PAIRS, `side ${l.k}:${l.t}-${r.t}`);
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
        const joined = joinWithin2ms(left, right).upperBoundExclusive().process(new Pair());
        joined.process(new Stamp()).addSink(collectInto(out));
        joined.getSideOutput(PAIRS).process(new Stamp()).addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    // a@10 joins 8 (= 10-2, inclusive) but not 12 (= 10+2, exclusive); a@20 joins 21; b@10 is 5 from 15.
    // A side output of the join function carries the pair's timestamp too (Flink's ContextImpl.output).
    assert.deepEqual(sorted(out), ['a:10-8@10#10', 'a:20-21@21#21', 'side a:10-8#10', 'side a:20-21#21']);
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

  test("testBoundsCanBeExclusive (Flink's IntervalJoinITCase): between(0, 2) exclusive at both ends joins only the pair 1 apart", async () => {
    const out: string[] = [];
    await runJob((env) => {
      const side = () => env.fromCollection<Ev>([0, 1, 2].map((t) => ({ k: 'key', t }))).assignTimestampsAndWatermarks(ts);
      side()
        .keyBy((e) => e.k)
        .intervalJoin(side().keyBy((e) => e.k))
        .between(Duration.ofMillis(0), Duration.ofMillis(2))
        .upperBoundExclusive()
        .lowerBoundExclusive()
        .process(new Pair())
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), ['key:0-1@1', 'key:1-2@2']);
  });

  test("late elements of each side reach that side's output of the joined stream, with their own timestamps", async () => {
    const out: string[] = [];
    const late = { left: [] as string[], right: [] as string[] };
    // A watermark at every element's own timestamp; each late element waits for a pair that
    // proves the other side's watermark reached the join (it travels before that pair's element).
    const everyElement = WatermarkStrategy.forGenerator<number>(() => ({
      onEvent: (_e: number, t: number, o: WatermarkOutput) => o.emitWatermark(new Watermark(t)),
      onPeriodicEmit() {},
    })).withTimestampAssigner((e) => e);
    const left: ScriptStep<number>[] = [{ records: [{ value: 3 }] }, { records: [{ value: 1 }, { value: 4 }], waitFor: () => out.includes('3-4') }];
    const right: ScriptStep<number>[] = [{ records: [{ value: 3 }] }, { records: [{ value: 4 }] }, { records: [{ value: 2 }], waitFor: () => out.includes('4-4') }];
    const leftLate = new OutputTag<number>('left-late');
    const rightLate = new OutputTag<number>('right-late');
    await runJob((env) => {
      const joined = env
        .fromSource(new ScriptedSource(left), everyElement, 'left')
        .keyBy(() => 'k')
        .intervalJoin(env.fromSource(new ScriptedSource(right), everyElement, 'right').keyBy(() => 'k'))
        .between(Duration.ofMillis(-1), Duration.ofMillis(1))
        .sideOutputLeftLateData(leftLate)
        .sideOutputRightLateData(rightLate)
        .process(
          new (class extends ProcessJoinFunction<number, number, string> {
            processElement(l: number, r: number, _ctx: ProcessJoinContext, o: Collector<string>): void {
              o.collect(`${l}-${r}`);
            }
          })(),
        );
      joined.addSink(collectInto(out));
      const stamped = (into: string[]) => (s: DataStream<number>) => s.map(String).process(new Stamp()).addSink(collectInto(into));
      stamped(late.left)(joined.getSideOutput(leftLate));
      stamped(late.right)(joined.getSideOutput(rightLate));
    });
    assert.deepEqual(sorted(out), ['3-3', '3-4', '4-3', '4-4']);
    assert.deepEqual(late, { left: ['1#1'], right: ['2#2'] });
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
