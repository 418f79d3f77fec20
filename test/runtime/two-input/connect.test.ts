/*
 * connect and its operators, run as jobs: CoMap and CoFlatMap, CoProcessFunction without timers,
 * KeyedCoProcessFunction with keyed state and timers shared by both inputs per key, and keyed and
 * non-keyed broadcast state (read-only on the element side, applyToKeyedState on the broadcast side).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BroadcastProcessFunction,
  type BroadcastContext,
  type BroadcastReadOnlyContext,
  type Collector,
  CoProcessFunction,
  KeyedBroadcastProcessFunction,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
  KeyedCoProcessFunction,
  type KeyedProcessContext,
  MapStateDescriptor,
  type OnTimerContext,
  type ProcessContext,
  RichCoFlatMapFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../../src/index.js';
import { collectInto, runJob, sorted } from '../../helpers/run-job.js';
import { ScriptedSource } from '../../helpers/scripted-source.js';

type Ev = { k: string; v: number };
const stamped = <T>() => WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner(() => 1);

describe('connect: CoMap, CoFlatMap, CoProcess', () => {
  test('map applies map1 to the first input and map2 to the second, in parallel', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        const nums = env.fromElements(1, 2, 3);
        const words = env.fromElements('a', 'b');
        nums
          .connect(words)
          .map({ map1: (n) => `n${n}`, map2: (s) => `s${s}` })
          .addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    assert.deepEqual(sorted(out), ['n1', 'n2', 'n3', 'sa', 'sb']);
  });

  test('flatMap emits through the collector or a returned iterable', async () => {
    const out: string[] = [];
    await runJob((env) => {
      env
        .fromElements(2)
        .connect(env.fromElements('xy'))
        .flatMap({
          flatMap1: (n: number, c: Collector<string>) => {
            for (let i = 0; i < n; i++) c.collect(`n${i}`);
          },
          flatMap2: (s: string) => [...s],
        })
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), ['n0', 'n1', 'x', 'y']);
  });

  test('a CoProcessFunction sees timestamps and side outputs; timers are keyed-only (Flink\'s message)', async () => {
    class Fn extends CoProcessFunction<number, number, string> {
      processElement1(v: number, ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`1:${v}@${ctx.timestamp()}`);
      }
      processElement2(v: number, ctx: ProcessContext, out: Collector<string>): void {
        try {
          ctx.timerService().registerEventTimeTimer(5);
        } catch (err) {
          out.collect((err as Error).message);
          return;
        }
        out.collect(`2:${v}`);
      }
    }
    const out: string[] = [];
    await runJob((env) => {
      env
        .fromElements(7)
        .assignTimestampsAndWatermarks(stamped<number>())
        .connect(env.fromElements(8))
        .process(new Fn())
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), ['1:7@1', 'Setting timers is only supported on a keyed stream: use keyBy() before process().']);
  });

  test('broadcast() without descriptors: every subtask of the next operator gets every record', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        env
          .fromElements(1, 2, 3, 4)
          .rebalance()
          .connect(env.fromElements('x').broadcast())
          .process(
            new (class extends CoProcessFunction<number, string, string> {
              processElement1(): void {}
              processElement2(s: string, _ctx: ProcessContext, o: Collector<string>): void {
                o.collect(`${s}@${this.getRuntimeContext().getIndexOfThisSubtask()}`);
              }
            })(),
          )
          .setParallelism(3)
          .addSink(collectInto(out));
      },
      { parallelism: 3 },
    );
    assert.deepEqual(sorted(out), ['x@0', 'x@1', 'x@2']);
  });

  test('a KeyedCoProcessFunction on non-keyed inputs is refused when the job is defined', async () => {
    class Fn extends KeyedCoProcessFunction<string, number, number, string> {
      processElement1(): void {}
      processElement2(): void {}
    }
    await assert.rejects(
      runJob((env) => {
        env.fromElements(1).connect(env.fromElements(2)).process(new Fn()).addSink(() => {});
      }),
      /KeyedCoProcessFunction can only be used when both input streams are keyed/,
    );
  });
});

/** Counts each key's records of both inputs in one state; reports at an event-time timer (fires at the end). */
class CountBoth extends KeyedCoProcessFunction<string, Ev, Ev, string> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement1(e: Ev, ctx: KeyedProcessContext<string>): void {
    this.add(e, ctx);
  }
  processElement2(e: Ev, ctx: KeyedProcessContext<string>): void {
    this.add(e, ctx);
  }
  private add(e: Ev, ctx: KeyedProcessContext<string>): void {
    assert.equal(ctx.getCurrentKey(), e.k);
    this.count.update(this.count.value()! + e.v);
    ctx.timerService().registerEventTimeTimer(1000);
  }
  override onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    out.collect(`${ctx.getCurrentKey()}=${this.count.value()}@${t}/${ctx.timeDomain()}`);
  }
}

const LEFT: Ev[] = ['a', 'b', 'c', 'd', 'a', 'e'].map((k, i) => ({ k, v: i + 1 }));
const RIGHT: Ev[] = ['a', 'c', 'e', 'f'].map((k, i) => ({ k, v: (i + 1) * 100 }));
const EXPECTED_COUNTS = ['a=106@1000/EVENT_TIME', 'b=2@1000/EVENT_TIME', 'c=203@1000/EVENT_TIME', 'd=4@1000/EVENT_TIME', 'e=306@1000/EVENT_TIME', 'f=400@1000/EVENT_TIME'];

describe('keyed connect: state and timers shared by both inputs per key', () => {
  test("a RichCoFlatMapFunction on keyed inputs has keyed state (Flink training's control stream)", async () => {
    let blocked = 0;
    class ControlFunction extends RichCoFlatMapFunction<string, string, string> {
      private block!: ValueState<boolean>;
      override open(): void {
        this.block = this.getRuntimeContext().getState(new ValueStateDescriptor<boolean>('blocked'));
      }
      flatMap1(_word: string): void {
        this.block.update(true);
        blocked++;
      }
      flatMap2(word: string, out: Collector<string>): void {
        if (!this.block.value()) out.collect(word);
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        const control = env.fromElements('drop', 'ignore');
        const data = env.fromSource(
          new ScriptedSource<string>([{ waitFor: () => blocked === 2, records: ['drop', 'keep', 'ignore', 'also'].map((value) => ({ value })) }]),
          WatermarkStrategy.noWatermarks(),
          'data',
        );
        control
          .keyBy((w) => w)
          .connect(data.keyBy((w) => w))
          .flatMap(new ControlFunction())
          .addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    assert.deepEqual(sorted(out), ['also', 'keep']);
  });

  for (const form of ['a.keyBy().connect(b.keyBy())', 'a.connect(b).keyBy(ka, kb)'] as const) {
    test(`${form}: one count per key over both inputs, reported by one timer per key`, async () => {
      const out: string[] = [];
      await runJob(
        (env) => {
          const left = env.fromCollection(LEFT).assignTimestampsAndWatermarks(stamped<Ev>());
          const right = env.fromCollection(RIGHT).assignTimestampsAndWatermarks(stamped<Ev>());
          const connected = form === 'a.connect(b).keyBy(ka, kb)' ? left.connect(right).keyBy((e) => e.k, (e) => e.k) : left.keyBy((e) => e.k).connect(right.keyBy((e) => e.k));
          connected.process(new CountBoth()).addSink(collectInto(out));
        },
        { parallelism: 3 },
      );
      assert.deepEqual(sorted(out), EXPECTED_COUNTS);
    });
  }
});

type Rule = { type: 'rule'; factor: number } | { type: 'bump' };
const rules = new MapStateDescriptor<string, number>('rules');

describe('broadcast state', () => {
  test('keyed: every subtask sees every rule; the keyed side reads it read-only; applyToKeyedState reaches every key of every subtask', async () => {
    let seen = 0;
    const countDesc = new ValueStateDescriptor<number>('count', 0);
    class Fn extends KeyedBroadcastProcessFunction<string, Ev, Rule, string> {
      private count!: ValueState<number>;
      override open(): void {
        this.count = this.getRuntimeContext().getState(countDesc);
      }
      processElement(e: Ev, ctx: KeyedBroadcastReadOnlyContext<string>, out: Collector<string>): void {
        seen++;
        this.count.update(this.count.value()! + e.v);
        ctx.timerService().registerEventTimeTimer(1000);
        try {
          (ctx.getBroadcastState(rules) as unknown as { put(k: string, v: number): void }).put('factor', 0);
          out.collect('the read-only state took a write');
        } catch (err) {
          if (e.k === 'a' && e.v === 1) out.collect((err as Error).message);
        }
      }
      processBroadcastElement(r: Rule, ctx: KeyedBroadcastContext<string>): void {
        if (r.type === 'rule') ctx.getBroadcastState(rules).put('factor', r.factor);
        else ctx.applyToKeyedState(countDesc, (_key, state) => state.update(state.value()! * 100));
      }
      override onTimer(_t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}:${this.count.value()}x${ctx.getBroadcastState(rules).get('factor')}`);
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        const events = env.fromCollection(LEFT).assignTimestampsAndWatermarks(stamped<Ev>());
        const ruleStream = env.fromSource(
          new ScriptedSource<Rule>([{ records: [{ value: { type: 'rule', factor: 10 } }] }, { waitFor: () => seen === LEFT.length, records: [{ value: { type: 'bump' } }] }]),
          WatermarkStrategy.noWatermarks(),
          'rules',
        );
        events
          .keyBy((e) => e.k)
          .connect(ruleStream.broadcast(rules))
          .process(new Fn())
          .addSink(collectInto(out));
      },
      { parallelism: 3 },
    );
    assert.deepEqual(sorted(out), [
      'The broadcast state is read-only on the non-broadcast side (processElement): modify it in processBroadcastElement, so every subtask keeps the same state.',
      'a:600x10',
      'b:200x10',
      'c:300x10',
      'd:400x10',
      'e:600x10',
    ]);
  });

  test('non-keyed: a BroadcastProcessFunction; a state not given to broadcast(...) is Flink\'s error', async () => {
    let rulesIn = 0;
    class Fn extends BroadcastProcessFunction<number, number, string> {
      processElement(v: number, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
        out.collect(`${v * (ctx.getBroadcastState(rules).get('factor') ?? 0)}`);
      }
      processBroadcastElement(f: number, ctx: BroadcastContext, out: Collector<string>): void {
        ctx.getBroadcastState(rules).put('factor', f);
        rulesIn++;
        try {
          ctx.getBroadcastState(new MapStateDescriptor<string, number>('other'));
        } catch (err) {
          out.collect((err as Error).message);
        }
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        const values = env.fromSource(new ScriptedSource<number>([{ waitFor: () => rulesIn === 2, records: [{ value: 1 }, { value: 2 }] }]), WatermarkStrategy.noWatermarks(), 'values');
        values.rebalance().connect(env.fromElements(3).broadcast(rules)).process(new Fn()).setParallelism(2).addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    const missing = 'The requested state does not exist. Check for typos in your state descriptor, or specify the state descriptor in the datastream.broadcast(...) call if you forgot to register it.';
    assert.deepEqual(sorted(out), sorted([missing, missing, '3', '6']));
  });

  test('a BroadcastProcessFunction on a keyed stream is refused, as in Flink', async () => {
    class Fn extends BroadcastProcessFunction<number, number, string> {
      processElement(): void {}
      processBroadcastElement(): void {}
    }
    await assert.rejects(
      runJob((env) => {
        env.fromElements(1).keyBy((x) => x).connect(env.fromElements(1).broadcast(rules)).process(new Fn()).addSink(() => {});
      }),
      /BroadcastProcessFunction can only be used on a non-keyed stream/,
    );
  });
});
