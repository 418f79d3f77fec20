/*
 * The two-input operators against Flink, run as jobs: connect with one keyed input,
 * window join edges.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, Duration, ProcessJoinFunction, type ProcessJoinContext, RichCoFlatMapFunction, type ValueState, ValueStateDescriptor, WatermarkStrategy } from '../../../src/index.js';
import { capturePipeline, collectInto, runJob, sorted } from '../../helpers/run-job.js';

describe('connect with only the first input keyed', () => {
  test('keyed state on the keyed input of a RichCoFlatMapFunction (Flink gives the operator a keyed backend for input 1)', async () => {
    const out: string[] = [];
    class Fn extends RichCoFlatMapFunction<string, string, string> {
      private count!: ValueState<number>;
      override open() {
        this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      }
      flatMap1(v: string, o: Collector<string>) {
        this.count.update(this.count.value()! + 1);
        o.collect(`${v}:${this.count.value()}`);
      }
      flatMap2() {}
    }
    await runJob((env) => {
      env
        .fromElements('a', 'b', 'a')
        .keyBy((x) => x)
        .connect(env.fromElements('ctl'))
        .flatMap(new Fn())
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), ['a:1', 'a:2', 'b:1']);
  });
});

describe('connect with only the second input keyed', () => {
  test('keyed state on input 2; input 1 before any keyed record has no key (Flink: "No key set")', async () => {
    const out: string[] = [];
    class Fn extends RichCoFlatMapFunction<string, string, string> {
      private count!: ValueState<number>;
      override open() {
        this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
      }
      flatMap1(v: string, o: Collector<string>) {
        try {
          this.count.value();
          o.collect(`${v}: a key`);
        } catch (err) {
          o.collect(`${v}: ${(err as Error).message}`);
        }
      }
      flatMap2(v: string, o: Collector<string>) {
        this.count.update(this.count.value()! + 1);
        o.collect(`${v}:${this.count.value()}`);
      }
    }
    await runJob((env) => {
      env
        .fromElements('ctl')
        .connect(env.fromElements('a', 'b', 'a').keyBy((x) => x))
        .flatMap(new Fn())
        .addSink(collectInto(out));
    }, { parallelism: 1 });
    // Input 1's one record may come before or after input 2's: either it has no key, or the last one.
    const ctl = out.filter((l) => l.startsWith('ctl'));
    assert.equal(ctl.length, 1);
    assert.match(ctl[0]!, /^ctl: (a key|No key is set)/);
    assert.deepEqual(sorted(out.filter((l) => !l.startsWith('ctl'))), ['a:1', 'a:2', 'b:1']);
  });
});

describe("interval join: Flink's KeyedStream.IntervalJoin time behaviour", () => {
  type Ev = { k: string; t: number };
  const ts = WatermarkStrategy.forMonotonousTimestamps<Ev>().withTimestampAssigner((e) => e.t);

  test('inEventTime() is accepted (the default) and joins as without it', async () => {
    const out: string[] = [];
    class Pair extends ProcessJoinFunction<Ev, Ev, string> {
      processElement(l: Ev, r: Ev, ctx: ProcessJoinContext, o: Collector<string>) {
        o.collect(`${l.t}-${r.t}@${ctx.getTimestamp()}`);
      }
    }
    await runJob((env) => {
      const left = env.fromCollection<Ev>([{ k: 'a', t: 10 }]).assignTimestampsAndWatermarks(ts).keyBy((e) => e.k);
      const right = env.fromCollection<Ev>([{ k: 'a', t: 11 }, { k: 'a', t: 13 }]).assignTimestampsAndWatermarks(ts).keyBy((e) => e.k);
      left.intervalJoin(right).inEventTime().between(Duration.ofMillis(0), Duration.ofMillis(2)).process(new Pair()).addSink(collectInto(out));
    });
    assert.deepEqual(out, ['10-11@11']);
  });

  test("inProcessingTime() makes between() fail with Flink's message", () => {
    capturePipeline((env) => {
      const a = env.fromElements<Ev>({ k: 'a', t: 1 }).keyBy((e) => e.k);
      assert.throws(() => a.intervalJoin(a).inProcessingTime().between(Duration.ofMillis(0), Duration.ofMillis(1)), /Time-bounded stream joins are only supported in event time/);
      a.print();
    });
  });
});
