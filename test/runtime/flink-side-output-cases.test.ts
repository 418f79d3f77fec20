/*
 * Flink's SideOutputITCase as jobs run here: its inputs (1, 2, 5, 3, 4 at parallelism 3, or 1
 * for windowAll) and its expected outputs, per function kind that can emit to a side output;
 * several readers of one tag, a tag nobody emits to (its reader gets no records but every
 * watermark), unions of side outputs, the late-data side output of keyed and all-windows with and
 * without allowed lateness, and the one case that differs here: a tag id reused with another type.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CoProcessFunction,
  type Collector,
  type DataStream,
  Duration,
  KeyedCoProcessFunction,
  type KeyedProcessContext,
  KeyedProcessFunction,
  OutputTag,
  ProcessAllWindowFunction,
  type ProcessAllWindowContext,
  ProcessFunction,
  type ProcessContext,
  ProcessWindowFunction,
  type ProcessWindowContext,
  type SingleOutputStreamOperator,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  Watermark,
  WatermarkStrategy,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { MIN_TIMESTAMP } from '../../src/util/time.js';
import { collectInto, runJob, sorted } from '../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../helpers/scripted-source.js';

const ELEMENTS = [1, 2, 5, 3, 4];
const SIDEOUT = ['sideout-1', 'sideout-2', 'sideout-3', 'sideout-4', 'sideout-5'];

/** Each element to the main output and, as `sideout-<v>`, to `tag`. */
class PassThrough extends ProcessFunction<number, number> {
  constructor(private readonly tag: OutputTag<string>) {
    super();
  }
  processElement(v: number, ctx: ProcessContext, out: Collector<number>): void {
    out.collect(v);
    ctx.output(this.tag, `sideout-${v}`);
  }
}

/** Flink's TestWatermarkAssigner: the element is its timestamp, and a watermark follows each element. */
const punctuated = WatermarkStrategy.forGenerator<number>(() => ({
  onEvent: (_v, ts, out) => out.emitWatermark(new Watermark(ts)),
  onPeriodicEmit: () => {},
})).withTimestampAssigner((v) => v);

/** Flink's windows of the window cases: 1 ms long, every 1 ms, over the elements at their own times. */
const timestamped = (env: StreamExecutionEnvironment) => env.fromCollection(ELEMENTS).assignTimestampsAndWatermarks(punctuated);
const MS_WINDOWS = SlidingEventTimeWindows.of(Duration.ofMillis(1), Duration.ofMillis(1));
const keyedWindows = (env: StreamExecutionEnvironment) => timestamped(env).keyBy((v) => v).window(MS_WINDOWS);
const allWindows = (env: StreamExecutionEnvironment) => timestamped(env).windowAll(MS_WINDOWS);

/** Runs `build` at `parallelism` and returns what each named sink gathered, sorted (Flink's getSortedResult). */
async function run(
  parallelism: number,
  build: (env: StreamExecutionEnvironment, sink: (name: string) => (v: unknown) => void) => void,
): Promise<Record<string, unknown[]>> {
  const sinks: Record<string, unknown[]> = {};
  await runJob((env) => build(env, (name) => collectInto((sinks[name] ??= []))), { parallelism });
  return Object.fromEntries(Object.entries(sinks).map(([k, v]) => [k, sorted(v)]));
}

describe("Flink's SideOutputITCase", () => {
  test('testSideOutputWithMultipleConsumers: two readers of one tag both get every record', async () => {
    const side = new OutputTag<string>('side');
    const r = await run(3, (env, sink) => {
      const s = env.fromCollection(ELEMENTS).process(new PassThrough(side));
      s.getSideOutput(side).addSink(sink('side1'));
      s.getSideOutput(side).addSink(sink('side2'));
      // Not in Flink's case: a reader at another parallelism, across a rebalance.
      s.getSideOutput(side).map((v) => v).setParallelism(1).addSink(sink('side at parallelism 1'));
      s.addSink(sink('main'));
    });
    assert.deepEqual(r, { side1: SIDEOUT, side2: SIDEOUT, 'side at parallelism 1': SIDEOUT, main: [1, 2, 3, 4, 5] });
  });

  /** Flink's function of the typed cases: each element to the main output, `sideout-<v>` to a string tag and 13 to a number tag. */
  const typedSideOutputs = (stringTag: OutputTag<string>, numberTag: OutputTag<number>) =>
    run(3, (env, sink) => {
      const s = env.fromCollection(ELEMENTS).process(
        new (class extends ProcessFunction<number, number> {
          processElement(v: number, ctx: ProcessContext, out: Collector<number>): void {
            out.collect(v);
            ctx.output(stringTag, `sideout-${v}`);
            ctx.output(numberTag, 13);
          }
        })(),
      );
      s.getSideOutput(stringTag).addSink(sink('strings'));
      s.getSideOutput(numberTag).addSink(sink('numbers'));
      s.addSink(sink('main'));
    });

  test('testDifferentSideOutputTypes: two tags of different types on one operator', async () => {
    const r = await typedSideOutputs(new OutputTag<string>('string'), new OutputTag<number>('int'));
    assert.deepEqual(r, { strings: SIDEOUT, numbers: [13, 13, 13, 13, 13], main: [1, 2, 3, 4, 5] });
  });

  test('testSideOutputNameClash: Flink refuses a tag of one id and another type; here (no types at run time) both are one output', async () => {
    const r = await typedSideOutputs(new OutputTag<string>('side'), new OutputTag<number>('side'));
    const both = sorted([...SIDEOUT, 13, 13, 13, 13, 13]);
    assert.deepEqual(r, { strings: both, numbers: both, main: [1, 2, 3, 4, 5] });
  });

  test('testKeyedProcessFunctionSideOutput', async () => {
    const side = new OutputTag<string>('side');
    const r = await run(3, (env, sink) => {
      const s = env
        .fromCollection(ELEMENTS)
        .keyBy((v) => v)
        .process(
          new (class extends KeyedProcessFunction<number, number, number> {
            processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
              out.collect(v);
              ctx.output(side, `sideout-${v}`);
            }
          })(),
        );
      s.getSideOutput(side).addSink(sink('side'));
      s.addSink(sink('main'));
    });
    assert.deepEqual(r, { side: SIDEOUT, main: [1, 2, 3, 4, 5] });
  });

  /** Flink's CoProcessFunction of the co-process cases: input 1 passes values below `split`, input 2 the others. */
  class Split extends CoProcessFunction<number, number, number> {
    constructor(
      private readonly split: number,
      private readonly tag1: OutputTag<string>,
      private readonly tag2: OutputTag<string>,
    ) {
      super();
    }
    processElement1(v: number, ctx: ProcessContext, out: Collector<number>): void {
      if (v >= this.split) return;
      out.collect(v);
      ctx.output(this.tag1, `sideout1-${v}`);
    }
    processElement2(v: number, ctx: ProcessContext, out: Collector<number>): void {
      if (v < this.split) return;
      out.collect(v);
      ctx.output(this.tag2, `sideout2-${v}`);
    }
  }

  /** The same, keyed: it also writes the current key. */
  class KeyedSplit extends KeyedCoProcessFunction<number, number, number, number> {
    constructor(
      private readonly split: number,
      private readonly tag1: OutputTag<string>,
      private readonly tag2: OutputTag<string>,
    ) {
      super();
    }
    processElement1(v: number, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
      if (v >= this.split) return;
      out.collect(v);
      ctx.output(this.tag1, `sideout1-${ctx.getCurrentKey()}-${v}`);
    }
    processElement2(v: number, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
      if (v < this.split) return;
      out.collect(v);
      ctx.output(this.tag2, `sideout2-${ctx.getCurrentKey()}-${v}`);
    }
  }

  // Flink's three co-process cases: CoProcessFunction on two streams, the same on two keyed
  // streams (the "legacy" keyed one), KeyedCoProcessFunction (which also writes the key).
  const coProcessCases = [
    { name: 'testCoProcessFunction', keyed: false, fn: Split, key: () => '' },
    { name: 'testLegacyKeyedCoProcessFunction', keyed: true, fn: Split, key: () => '' },
    { name: 'testKeyedCoProcessFunction', keyed: true, fn: KeyedSplit, key: (v: number) => `${v}-` },
  ];
  for (const { name, keyed, fn, key } of coProcessCases) {
    /** The case's function over the elements twice, `split` dividing what each input passes; what its main output and both tags got. */
    const coProcess = (split: number, tag1: OutputTag<string>, tag2: OutputTag<string>) =>
      run(3, (env, sink) => {
        const a = env.fromCollection(ELEMENTS);
        const b = env.fromCollection(ELEMENTS);
        const s = keyed
          ? a.keyBy((v) => v).connect(b.keyBy((v) => v)).process(new fn(split, tag1, tag2))
          : a.connect(b).process(new Split(split, tag1, tag2));
        s.getSideOutput(tag1).addSink(sink('side1'));
        if (tag2 !== tag1) s.getSideOutput(tag2).addSink(sink('side2'));
        s.addSink(sink('main'));
      });
    test(`${name}SideOutput: one tag from both inputs`, async () => {
      const side = new OutputTag<string>('side');
      assert.deepEqual(await coProcess(3, side, side), {
        side1: [`sideout1-${key(1)}1`, `sideout1-${key(2)}2`, `sideout2-${key(3)}3`, `sideout2-${key(4)}4`, `sideout2-${key(5)}5`],
        main: [1, 2, 3, 4, 5],
      });
    });
    test(`${name}SideOutputWithMultipleConsumers: a tag per input`, async () => {
      assert.deepEqual(await coProcess(4, new OutputTag<string>('side1'), new OutputTag<string>('side2')), {
        side1: [`sideout1-${key(1)}1`, `sideout1-${key(2)}2`, `sideout1-${key(3)}3`],
        side2: [`sideout2-${key(4)}4`, `sideout2-${key(5)}5`],
        main: [1, 2, 3, 4, 5],
      });
    });
  }

  test('testProcessFunctionSideOutputWithWrongTag: reading a tag the function never emits to gives an empty stream', async () => {
    const side = new OutputTag<string>('side');
    const other = new OutputTag<string>('other-side');
    const r = await run(3, (env, sink) => {
      const s = env.fromCollection(ELEMENTS).process(new PassThrough(other));
      s.getSideOutput(side).addSink(sink('side'));
      // A stream that never emits to side outputs at all (a map) has them empty too.
      s.map((v) => v).getSideOutput(side).addSink(sink('side of map'));
    });
    assert.deepEqual(r, { side: [], 'side of map': [] });
  });

  test('testAllWindowLateArrivingEvents: windowAll without lateness sends 3 and 4 (behind the watermark 5) to the side output', async () => {
    const late = new OutputTag<number>('late');
    const r = await run(1, (env, sink) => {
      const w = allWindows(env)
        .sideOutputLateData(late)
        .apply((_w: TimeWindow, values: Iterable<number>, out: Collector<number>) => {
          for (const v of values) out.collect(v);
        });
      w.getSideOutput(late).flatMap((v: number, out: Collector<string>) => out.collect(`late-${v}`)).addSink(sink('late'));
    });
    assert.deepEqual(r, { late: ['late-3', 'late-4'] });
  });

  test('testKeyedWindowLateArrivingEvents: with 2 ms of lateness only 3 is late; 4 fires its window at once', async () => {
    const late = new OutputTag<number>('late');
    const r = await run(3, (env, sink) => {
      const w = keyedWindows(env)
        .allowedLateness(Duration.ofMillis(2))
        .sideOutputLateData(late)
        .apply((key: number, _w: TimeWindow, input: Iterable<number>, out: Collector<string>) => {
          for (const v of input) out.collect(`${key}-${v}`);
        });
      w.addSink(sink('main'));
      w.getSideOutput(late).addSink(sink('late'));
    });
    assert.deepEqual(r, { main: ['1-1', '2-2', '4-4', '5-5'], late: [3] });
  });

  test('testProcessWindowFunctionSideOutput: the late 3 and 4 never reach the function', async () => {
    const side = new OutputTag<string>('side');
    const r = await run(3, (env, sink) => {
      const w = keyedWindows(env)
        .process(
          new (class extends ProcessWindowFunction<number, number, number, TimeWindow> {
            process(key: number, ctx: ProcessWindowContext<TimeWindow>, _elements: Iterable<number>, out: Collector<number>): void {
              out.collect(key);
              ctx.output(side, `sideout-${key}`);
            }
          })(),
        );
      w.getSideOutput(side).addSink(sink('side'));
      w.addSink(sink('main'));
    });
    assert.deepEqual(r, { side: ['sideout-1', 'sideout-2', 'sideout-5'], main: [1, 2, 5] });
  });

  test('testProcessAllWindowFunctionSideOutput', async () => {
    const side = new OutputTag<string>('side');
    const r = await run(1, (env, sink) => {
      const w = allWindows(env)
        .process(
          new (class extends ProcessAllWindowFunction<number, number, TimeWindow> {
            process(ctx: ProcessAllWindowContext<TimeWindow>, elements: Iterable<number>, out: Collector<number>): void {
              for (const e of elements) {
                out.collect(e);
                ctx.output(side, `sideout-${e}`);
              }
            }
          })(),
        );
      w.getSideOutput(side).addSink(sink('side'));
      w.addSink(sink('main'));
    });
    assert.deepEqual(r, { side: ['sideout-1', 'sideout-2', 'sideout-5'], main: [1, 2, 5] });
  });

  /**
   * What the reader of `main ∪ side` sees of the watermark at each record, `side` being what
   * `pick` takes from Flink's watermark source (1@0, watermark 0, 2@1, 5@2, watermark 2, 3@3,
   * 4@4) — its watermark is the minimum over both. Each record waits until the one before it went
   * through, so what each sees is fixed.
   */
  async function watermarksSeenBeside(pick: (source: SingleOutputStreamOperator<number>) => { main: DataStream<number>; side: DataStream<string> }): Promise<string[]> {
    const input: [value: number, timestamp: number, watermark?: number][] = [[1, 0, 0], [2, 1], [5, 2, 2], [3, 3], [4, 4]];
    const seen: string[] = [];
    const steps: ScriptStep<number>[] = input.map(([value, timestamp], i) => ({ records: [{ value, timestamp }], waitFor: () => seen.length >= i }));
    const watermarks = new Map(input.flatMap(([v, , wm]) => (wm === undefined ? [] : [[v, wm] as const])));
    const strategy = WatermarkStrategy.forGenerator<number>(() => ({
      onEvent: (v, _ts, out) => {
        const wm = watermarks.get(v);
        if (wm !== undefined) out.emitWatermark(new Watermark(wm));
      },
      onPeriodicEmit: () => {},
    }));
    await runJob(
      (env) => {
        const { main, side } = pick(env.fromSource(new ScriptedSource(steps, new ManualClock(0)), strategy, 'source'));
        main
          .map((v) => `E:${v}`)
          .union(side)
          .keyBy(() => 'k')
          .process(
            new (class extends KeyedProcessFunction<string, string, string> {
              processElement(v: string, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
                const wm = ctx.timerService().currentWatermark();
                out.collect(`${v} WM:${wm === MIN_TIMESTAMP ? 'MIN' : wm}`);
              }
            })(),
          )
          .addSink(collectInto(seen));
      },
      { parallelism: 1 },
    );
    return seen;
  }
  const FORWARDED = ['E:1 WM:MIN', 'E:2 WM:0', 'E:5 WM:0', 'E:3 WM:2', 'E:4 WM:2'];

  test('testWatermarkForwarding: the watermarks reach the reader of a tag the function never emits to', async () => {
    const seen = await watermarksSeenBeside((source) => {
      const s = source.process(new PassThrough(new OutputTag<string>('side')));
      return { main: s, side: s.getSideOutput(new OutputTag<string>('other-side')) };
    });
    assert.deepEqual(seen, FORWARDED);
  });

  test("a source's side output (DataStreamTest reads one) carries the source's watermarks", async () => {
    const seen = await watermarksSeenBeside((source) => ({ main: source, side: source.getSideOutput(new OutputTag<string>('side')) }));
    assert.deepEqual(seen, FORWARDED);
  });

  test('testUnionOfTwoSideOutputs: side outputs unioned with each other, with themselves and with another stream', async () => {
    const odds = new OutputTag<number>('odds');
    const evens = new OutputTag<number>('even');
    const r = await run(3, (env, sink) => {
      const s = env.fromElements(1, 2, 3, 4).process(
        new (class extends ProcessFunction<number, number> {
          processElement(v: number, ctx: ProcessContext, out: Collector<number>): void {
            ctx.output(v % 2 !== 0 ? odds : evens, v);
            out.collect(v);
          }
        })(),
      );
      const e = s.getSideOutput(evens);
      const o = s.getSideOutput(odds);
      e.addSink(sink('evens'));
      o.addSink(sink('odds'));
      s.addSink(sink('main'));
      o.union(e).addSink(sink('odds ∪ evens'));
      e.union(o).addSink(sink('evens ∪ odds'));
      o.union(o).addSink(sink('odds ∪ odds'));
      e.union(e).addSink(sink('evens ∪ evens'));
      o.union(env.fromElements(2, 4)).addSink(sink('odds ∪ external evens'));
    });
    assert.deepEqual(r, {
      evens: [2, 4],
      odds: [1, 3],
      main: [1, 2, 3, 4],
      'odds ∪ evens': [1, 2, 3, 4],
      'evens ∪ odds': [1, 2, 3, 4],
      'odds ∪ odds': [1, 1, 3, 3],
      'evens ∪ evens': [2, 2, 4, 4],
      'odds ∪ external evens': [1, 2, 3, 4],
    });
  });
});
