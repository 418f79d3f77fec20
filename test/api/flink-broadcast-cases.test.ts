/*
 * The broadcast state pattern against Flink's sources and tests (flink-streaming-java:
 * BroadcastStream, BroadcastConnectedStream, CoBroadcastWithKeyedOperator(Test),
 * CoBroadcastWithNonKeyedOperator(Test); flink-runtime: DefaultOperatorStateBackend,
 * HeapBroadcastState, RoundRobinOperatorStateRepartitioner), run as jobs: the cases the
 * operator-level ports in test/runtime/two-input/flink-co-operator-tests.test.ts leave open.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BroadcastProcessFunction,
  type BroadcastContext,
  type BroadcastReadOnlyContext,
  type Collector,
  KeyedBroadcastProcessFunction,
  type KeyedBroadcastContext,
  type KeyedBroadcastOnTimerContext,
  type KeyedBroadcastReadOnlyContext,
  ListStateDescriptor,
  MapStateDescriptor,
  OutputTag,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.js';
import type { TwoInputOperatorSpec } from '../../src/graph/index.js';
import { FlinkError } from '../../src/util/errors.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';
import { collectInto, runJob, sorted } from '../helpers/run-job.js';
import { ScriptedSource } from '../helpers/scripted-source.js';
import { TwoInputHarness } from '../runtime/two-input/two-input-harness.js';

const rules = new MapStateDescriptor<string, number>('rules');
const byValue = WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v);

/** A bounded broadcast source that sends `values` once `ready()` holds (so the other side went first). */
function broadcastAfter(ready: () => boolean, values: number[]) {
  return new ScriptedSource<number>([{ waitFor: ready, records: values.map((value) => ({ value })) }]);
}

describe('broadcast(...) and connect, as Flink defines them', () => {
  test("keyed.broadcast(desc) is refused: Flink's KeyedStream cannot change its partitioning", async () => {
    // DataStream.broadcast(descriptors) calls setConnectionType, which KeyedStream overrides to
    // throw UnsupportedOperationException("Cannot override partitioning for KeyedStream.").
    await assert.rejects(
      runJob((env) => {
        env.fromElements(1).keyBy((x) => x).broadcast(rules);
      }),
      (err: Error) => err instanceof FlinkError && /^Cannot override partitioning for KeyedStream\b[^\n]*$/.test(err.message),
    );
    await assert.rejects(
      runJob((env) => {
        env.fromElements(1).keyBy((x) => x).rebalance();
      }),
      /Cannot override partitioning for KeyedStream/,
    );
  });

  test("a state not given to broadcast(...) is Flink's IllegalArgumentException, on every side and in onTimer, as one typed line", async () => {
    const other = new MapStateDescriptor<string, number>('other');
    let seen = 0;
    const messages: string[] = [];
    const note = (where: string, f: () => unknown) => {
      try {
        f();
        messages.push(`${where}: no error`);
      } catch (err) {
        messages.push(`${where}: ${err instanceof FlinkError ? err.code : 'untyped'} ${(err as Error).message}`);
      }
    };
    class Fn extends KeyedBroadcastProcessFunction<number, number, number, string> {
      processElement(_v: number, ctx: KeyedBroadcastReadOnlyContext<number>) {
        note('element', () => ctx.getBroadcastState(other));
        ctx.timerService().registerEventTimeTimer(5);
        seen++;
      }
      processBroadcastElement(_v: number, ctx: KeyedBroadcastContext<number>) {
        note('broadcast', () => ctx.getBroadcastState(other));
      }
      override onTimer(_t: number, ctx: KeyedBroadcastOnTimerContext<number>) {
        note('timer', () => ctx.getBroadcastState(other));
      }
    }
    await runJob((env) => {
      const events = env.fromElements(1).assignTimestampsAndWatermarks(byValue);
      const b = env.fromSource(broadcastAfter(() => seen === 1, [7]), WatermarkStrategy.noWatermarks(), 'rules');
      events.keyBy((x) => x).connect(b.broadcast(rules)).process(new Fn()).setParallelism(1).addSink(() => {});
    });
    const line =
      'state.broadcastNotDeclared The requested state does not exist. Check for typos in your state descriptor, or specify the state descriptor in the datastream.broadcast(...) call if you forgot to register it.';
    assert.deepEqual(messages, [`element: ${line}`, `broadcast: ${line}`, `timer: ${line}`]);
  });

  test("testNoKeyedStateOnBroadcastSide / testNoKeyedStateOnNonBroadcastSide (non-keyed): keyed state without keyBy fails on either side, naming the state", async () => {
    const valueState = new ValueStateDescriptor<string>('any');
    for (const side of ['broadcast', 'non-broadcast'] as const) {
      class Fn extends BroadcastProcessFunction<number, number, string> {
        processElement() {
          if (side === 'non-broadcast') this.getRuntimeContext().getState(valueState).value();
        }
        processBroadcastElement() {
          if (side === 'broadcast') this.getRuntimeContext().getState(valueState).value();
        }
      }
      await assert.rejects(
        runJob((env) => {
          env.fromElements(5).connect(env.fromElements(12).broadcast(rules)).process(new Fn()).addSink(() => {});
        }),
        /Keyed state 'any' can only be used on a keyed stream, i\.e\. after keyBy\(\)/,
        side,
      );
    }
  });
});

describe('several broadcast streams', () => {
  test("two broadcast operators in one job: each keeps its own states, a state of the same name apart, and sees only the descriptors of its own broadcast(...)", async () => {
    // Flink keys broadcast state by operator (each operator's own operator state backend) and
    // hands an operator only the descriptors its BroadcastStream carries.
    const limits = new MapStateDescriptor<string, number>('limits');
    const rulesAgain = new MapStateDescriptor<string, number>('rules');
    let broadcastsIn = 0;
    const note = (f: () => unknown): string => {
      try {
        return String(f());
      } catch (err) {
        return (err as FlinkError).code;
      }
    };
    class First extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        ctx.getBroadcastState(rules).put('r', v);
        ctx.getBroadcastState(limits).put('l', v * 2);
        broadcastsIn++;
      }
      processElement(e: string, ctx: BroadcastReadOnlyContext, out: Collector<string>) {
        out.collect(`${e} first: rules=${ctx.getBroadcastState(rules).get('r')} limits=${ctx.getBroadcastState(limits).get('l')}`);
      }
    }
    class Second extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        ctx.getBroadcastState(rulesAgain).put('r', v);
        broadcastsIn++;
      }
      processElement(e: string, ctx: BroadcastReadOnlyContext, out: Collector<string>) {
        out.collect(`${e} | second: rules=${ctx.getBroadcastState(rules).get('r')} limits=${note(() => ctx.getBroadcastState(limits))}`);
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        const events = env.fromSource(new ScriptedSource<string>([{ waitFor: () => broadcastsIn === 2, records: [{ value: 'e' }] }]), WatermarkStrategy.noWatermarks(), 'events');
        const a = env.fromElements(1).broadcast(rules, limits);
        const b = env.fromElements(7).broadcast(rulesAgain);
        events.connect(a).process(new First()).connect(b).process(new Second()).addSink(collectInto(out));
      },
      { parallelism: 1 },
    );
    assert.deepEqual(out, ['e first: rules=1 limits=2 | second: rules=7 limits=state.broadcastNotDeclared']);
  });
});

describe('contexts', () => {
  test("processBroadcastElement's ctx.timestamp() of a record without one is Long.MIN_VALUE (Flink's ReadWriteContextImpl), processElement's is null", async () => {
    // Flink: ReadOnlyContextImpl.timestamp() = element.hasTimestamp() ? getTimestamp() : null;
    // ReadWriteContextImpl.timestamp() = element.getTimestamp(), Long.MIN_VALUE when there is none
    // (here MIN_TIMESTAMP, which stands for Long.MIN_VALUE as the first watermark does).
    let seen = 0;
    class NonKeyed extends BroadcastProcessFunction<number, number, string> {
      processElement(v: number, ctx: BroadcastReadOnlyContext, out: Collector<string>) {
        out.collect(`element ${v} ts=${ctx.timestamp()}`);
        seen++;
      }
      processBroadcastElement(v: number, ctx: BroadcastContext, out: Collector<string>) {
        out.collect(`broadcast ${v} ts=${ctx.timestamp()}`);
      }
    }
    class Keyed extends KeyedBroadcastProcessFunction<number, number, number, string> {
      processElement(v: number, ctx: KeyedBroadcastReadOnlyContext<number>, out: Collector<string>) {
        out.collect(`keyed element ${v} ts=${ctx.timestamp()}`);
        seen++;
      }
      processBroadcastElement(v: number, ctx: KeyedBroadcastContext<number>, out: Collector<string>) {
        out.collect(`keyed broadcast ${v} ts=${ctx.timestamp()}`);
      }
    }
    const out: string[] = [];
    await runJob((env) => {
      env
        .fromElements(1)
        .connect(env.fromSource(broadcastAfter(() => seen >= 1, [2]), WatermarkStrategy.noWatermarks(), 'a').broadcast(rules))
        .process(new NonKeyed())
        .setParallelism(1)
        .addSink(collectInto(out));
      env
        .fromElements(3)
        .keyBy((x) => x)
        .connect(env.fromSource(broadcastAfter(() => seen >= 2, [4]), WatermarkStrategy.noWatermarks(), 'b').broadcast(rules))
        .process(new Keyed())
        .setParallelism(1)
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), sorted(['element 1 ts=null', `broadcast 2 ts=${MIN_TIMESTAMP}`, 'keyed element 3 ts=null', `keyed broadcast 4 ts=${MIN_TIMESTAMP}`]));
  });

  test('onTimer reads the broadcast state, read-only (a write is refused as in processElement); side outputs from both sides and the timer', async () => {
    const SIDE_EL = new OutputTag<string>('el');
    const SIDE_BR = new OutputTag<string>('br');
    const SIDE_T = new OutputTag<string>('t');
    let seen = 0;
    class Fn extends KeyedBroadcastProcessFunction<number, number, number, string> {
      processElement(v: number, ctx: KeyedBroadcastReadOnlyContext<number>) {
        ctx.timerService().registerEventTimeTimer(v + 10);
        ctx.output(SIDE_EL, `el ${v}@${ctx.timestamp()}`);
        seen++;
      }
      processBroadcastElement(v: number, ctx: KeyedBroadcastContext<number>) {
        ctx.getBroadcastState(rules).put(`r${v}`, v);
        ctx.output(SIDE_BR, `br ${v}`);
      }
      override onTimer(t: number, ctx: KeyedBroadcastOnTimerContext<number>, out: Collector<string>) {
        const state = ctx.getBroadcastState(rules);
        out.collect(`timer ${t} key=${ctx.getCurrentKey()} ${JSON.stringify([...state.immutableEntries()].sort())}`);
        ctx.output(SIDE_T, `t ${t}@${ctx.timestamp()}`);
        try {
          (state as unknown as { put(k: string, v: number): void }).put('x', 1);
          out.collect('the timer wrote to the broadcast state');
        } catch (err) {
          out.collect(`${(err as FlinkError).code}: ${(err as Error).message}`);
        }
      }
    }
    const out: string[] = [];
    const el: string[] = [];
    const br: string[] = [];
    const tm: string[] = [];
    await runJob((env) => {
      const events = env.fromElements(1, 2).assignTimestampsAndWatermarks(byValue);
      const b = env.fromSource(broadcastAfter(() => seen === 2, [5, 6]), WatermarkStrategy.noWatermarks(), 'rules');
      const result = events.keyBy((x) => x).connect(b.broadcast(rules)).process(new Fn()).setParallelism(1);
      result.addSink(collectInto(out));
      result.getSideOutput(SIDE_EL).addSink(collectInto(el));
      result.getSideOutput(SIDE_BR).addSink(collectInto(br));
      result.getSideOutput(SIDE_T).addSink(collectInto(tm));
    });
    // The broadcast side has no watermarks: the timers wait for it to end (the operator's
    // watermark is the minimum of both inputs), so they see both rules.
    const readOnly = 'state.broadcastReadOnly: The broadcast state is read-only on the non-broadcast side (processElement): modify it in processBroadcastElement, so every subtask keeps the same state.';
    assert.deepEqual(out, ['timer 11 key=1 [["r5",5],["r6",6]]', readOnly, 'timer 12 key=2 [["r5",5],["r6",6]]', readOnly]);
    assert.deepEqual(sorted(el), ['el 1@1', 'el 2@2']);
    assert.deepEqual(br, ['br 5', 'br 6']);
    assert.deepEqual(tm, ['t 11@11', 't 12@12']);
  });
});

describe('processing-time timers', () => {
  test("onTimer's side output of a processing-time timer carries the timer's time (Flink's OnTimerContextImpl.output); the main output has none", async () => {
    // Flink: onProcessingTime erases the collector's timestamp, but OnTimerContextImpl.output
    // emits new StreamRecord<>(value, timer.getTimestamp()) in both time domains.
    const SIDE = new OutputTag<string>('side');
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processElement(_v: string, ctx: KeyedBroadcastReadOnlyContext<string>) {
        ctx.timerService().registerProcessingTimeTimer(50);
      }
      processBroadcastElement() {}
      override onTimer(t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Collector<string>) {
        out.collect(`main ${t} ${ctx.timeDomain()}`);
        ctx.output(SIDE, `side ${t}`);
        out.collect(`main again ${t}`);
      }
    }
    const spec: TwoInputOperatorSpec = { kind: 'keyedBroadcastProcess', fn: new Fn() as KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>, descriptors: [rules as MapStateDescriptor<unknown, unknown>] };
    const h = await new TwoInputHarness(spec, (v: never) => v, () => null, { sideOutputs: [SIDE as OutputTag<unknown>] }).open();
    h.processElement1('k', 5);
    h.clock.set(60);
    h.operator.advanceProcessingTime(60);
    assert.deepEqual(h.output, [
      { value: 'main 50 PROCESSING_TIME', timestamp: MIN_TIMESTAMP },
      { value: 'main again 50', timestamp: MIN_TIMESTAMP },
    ]);
    assert.deepEqual(h.sideOutput(SIDE as OutputTag<unknown>), [{ value: 'side 50', timestamp: 50 }]);
  });
});

describe('applyToKeyedState', () => {
  test("visits exactly the keys that have a value in that state (not another state's), may clear them, and keys are collected first", async () => {
    const count = new ValueStateDescriptor<number>('count');
    const tags = new ListStateDescriptor<string>('tags');
    let seen = 0;
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processElement(k: string) {
        this.getRuntimeContext().getState(count).update(1);
        if (k !== 'c') this.getRuntimeContext().getListState(tags).add(k);
        seen++;
      }
      processBroadcastElement(cmd: number, ctx: KeyedBroadcastContext<string>, out: Collector<string>) {
        if (cmd === 1) ctx.applyToKeyedState(tags, (key, s) => out.collect(`tags ${key}=${[...s.get()]}`));
        if (cmd === 2) ctx.applyToKeyedState(count, (key, s) => (out.collect(`clear ${key}`), s.clear()));
        if (cmd === 3) ctx.applyToKeyedState(count, (key) => out.collect(`left ${key}`));
        if (cmd === 4) ctx.applyToKeyedState(new ValueStateDescriptor<number>('never-used'), (key) => out.collect(`never ${key}`));
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        const b = env.fromSource(broadcastAfter(() => seen === 3, [1, 2, 3, 4]), WatermarkStrategy.noWatermarks(), 'cmds');
        env.fromElements('a', 'b', 'c').keyBy((k) => k).connect(b.broadcast(rules)).process(new Fn()).setParallelism(1).addSink(collectInto(out));
      },
      { parallelism: 1 },
    );
    assert.deepEqual(sorted(out), ['clear a', 'clear b', 'clear c', 'tags a=a', 'tags b=b']);
  });
});
