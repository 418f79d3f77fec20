/*
 * KeyedProcessFunction / ProcessFunction and their timers against Flink's own tests and sources:
 * KeyedProcessOperatorTest, ProcessOperatorTest and InternalTimerServiceImplTest (in
 * flink-streaming-java/src/test/java/org/apache/flink/streaming/api/operators/), and
 * KeyedProcessOperator / ProcessOperator / InternalTimerServiceImpl for what they do not spell out.
 * The operator runs in a harness like Flink's KeyedOneInputStreamOperatorTestHarness: records with
 * their timestamps, watermarks, a manual processing-time clock, snapshot and restore.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  OutputTag,
  ProcessFunction,
  type ProcessContext,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../../src/index.js';
import { KeyedCoProcessFunction, type TwoInputOperatorSpec } from '../../../src/graph/index.js';
import { KeyedProcessOperator } from '../../../src/runtime/operators/keyed-process-operator.js';
import { ProcessOperator } from '../../../src/runtime/operators/process-operator.js';
import { ManualClock } from '../../../src/util/clock.js';
import { MIN_TIMESTAMP } from '../../../src/util/time.js';
import { collectInto, runJob, sorted } from '../../helpers/run-job.js';
import { TwoInputHarness } from '../two-input/two-input-harness.js';
import { type HarnessOptions, KeyedOperatorHarness, type OutputElement, record, watermark } from '../operators/keyed-operator-harness.js';

/** `null` for the harness's "no timestamp". */
const NONE = MIN_TIMESTAMP;

class KeyedProcessHarness extends KeyedOperatorHarness {
  readonly operator: KeyedProcessOperator;

  constructor(
    fn: KeyedProcessFunction<never, never, unknown>,
    private readonly keySelector: (value: never) => unknown = (v) => v,
    options: HarnessOptions = {},
  ) {
    super('keyed-process', options);
    this.operator = new KeyedProcessOperator(this.context, fn as unknown as KeyedProcessFunction<unknown, unknown, unknown>);
    this.attach(this.operator);
  }

  /** One element; `timestamp` undefined: none. */
  processElement(value: unknown, timestamp?: number): void {
    this.enter(this.keySelector(value as never), timestamp);
    this.operator.collect(value);
    this.slot.timestamp = NONE;
  }

  processWatermark(time: number): void {
    this.slot.timestamp = NONE;
    this.operator.processWatermark(time);
  }

  setProcessingTime(time: number): void {
    this.clock.set(time);
    this.slot.timestamp = NONE;
    this.operator.advanceProcessingTime(time);
  }
}

class ProcessHarness extends KeyedOperatorHarness {
  readonly operator: ProcessOperator;
  constructor(fn: ProcessFunction<never, unknown>, options: HarnessOptions = {}) {
    super('process', options);
    this.operator = new ProcessOperator(this.context, fn as unknown as ProcessFunction<unknown, unknown>);
    this.attach(this.operator);
  }
  processElement(value: unknown, timestamp?: number): void {
    this.slot.timestamp = timestamp ?? NONE;
    this.operator.collect(value);
    this.slot.timestamp = NONE;
  }
  processWatermark(time: number): void {
    this.operator.processWatermark(time);
  }
}

const noTs = (value: unknown): OutputElement => record(value, NONE);

describe("KeyedProcessOperator as Flink's KeyedProcessOperatorTest", () => {
  test('testKeyQuerying: ctx.getCurrentKey() in processElement is the record key; output keeps the record timestamp', async () => {
    class KeyQuerying extends KeyedProcessFunction<number, [number, string], string> {
      processElement(v: [number, string], ctx: KeyedProcessContext<number>, out: Collector<string>): void {
        assert.equal(ctx.getCurrentKey(), v[0]);
        out.collect(v[1]);
      }
    }
    const h = await new KeyedProcessHarness(new KeyQuerying() as never, (v: [number, string]) => v[0]).open();
    h.processElement([5, '5'], 12);
    h.processElement([42, '42'], 13);
    assert.deepEqual(h.output, [record('5', 12), record('42', 13)]);
  });

  test('testTimestampAndWatermarkQuerying: currentWatermark() and timestamp() in processElement', async () => {
    class Querying extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
        out.collect(`${v}TIME:${ctx.timerService().currentWatermark()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await new KeyedProcessHarness(new Querying() as never).open();
    h.processWatermark(17);
    h.processElement(5, 12);
    h.processWatermark(42);
    h.processElement(6, 13);
    assert.deepEqual(h.output, [watermark(17), record('5TIME:17 TS:12', 12), watermark(42), record('6TIME:42 TS:13', 13)]);
  });

  test('testTimestampAndProcessingTimeQuerying: currentProcessingTime(); timestamp() null for a record without one', async () => {
    class Querying extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
        out.collect(`${v}TIME:${ctx.timerService().currentProcessingTime()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await new KeyedProcessHarness(new Querying() as never).open();
    h.setProcessingTime(17);
    h.processElement(5);
    h.setProcessingTime(42);
    h.processElement(6);
    assert.deepEqual(h.output, [noTs('5TIME:17 TS:null'), noTs('6TIME:42 TS:null')]);
  });

  class Triggering extends KeyedProcessFunction<number, number, number> {
    readonly seen: string[] = [];
    constructor(private readonly domain: 'EVENT_TIME' | 'PROCESSING_TIME') {
      super();
    }
    processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<number>): void {
      out.collect(v);
      const ts = ctx.timerService();
      if (this.domain === 'EVENT_TIME') ts.registerEventTimeTimer(ts.currentWatermark() + 5);
      else ts.registerProcessingTimeTimer(ts.currentProcessingTime() + 5);
    }
    override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<number>): void {
      this.seen.push(`${ctx.timeDomain()} key=${ctx.getCurrentKey()} ts=${ctx.timestamp()} t=${t}`);
      out.collect(1777);
    }
  }

  test('testEventTimeTimers: the timer fires before its watermark is forwarded, its output at the timer time', async () => {
    const fn = new Triggering('EVENT_TIME');
    const h = await new KeyedProcessHarness(fn as never).open();
    h.processWatermark(0);
    h.processElement(17, 42);
    h.processWatermark(5);
    assert.deepEqual(h.output, [watermark(0), record(17, 42), record(1777, 5), watermark(5)]);
    assert.deepEqual(fn.seen, ['EVENT_TIME key=17 ts=5 t=5']);
  });

  test('testProcessingTimeTimers: output of a processing-time timer carries no timestamp; ctx.timestamp() is the timer time', async () => {
    const fn = new Triggering('PROCESSING_TIME');
    const h = await new KeyedProcessHarness(fn as never).open();
    h.processElement(17);
    h.setProcessingTime(5);
    assert.deepEqual(h.output, [noTs(17), noTs(1777)]);
    assert.deepEqual(fn.seen, ['PROCESSING_TIME key=17 ts=5 t=5']);
  });

  test('a processing-time timer erases the timestamp even while a record with one is current (Flink: collector.eraseTimestamp())', async () => {
    const fn = new Triggering('PROCESSING_TIME');
    const h = await new KeyedProcessHarness(fn as never).open();
    h.processElement(17, 100);
    h.setProcessingTime(5);
    assert.deepEqual(h.output, [record(17, 100), noTs(1777)]);
  });

  class Stateful extends KeyedProcessFunction<number, number, string> {
    private readonly desc = new ValueStateDescriptor<number>('seen-element');
    constructor(private readonly domain: 'EVENT_TIME' | 'PROCESSING_TIME') {
      super();
    }
    processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
      const ts = ctx.timerService();
      if (v === 13) {
        // Flink's test: the second element of key 13 deletes the timer the first registered.
        const state = this.getRuntimeContext().getState(this.desc);
        if (state.value() !== undefined && state.value() !== null) {
          if (this.domain === 'EVENT_TIME') ts.deleteEventTimeTimer(6);
          else ts.deleteProcessingTimeTimer(6);
          return;
        }
      }
      out.collect(`INPUT:${v}`);
      this.getRuntimeContext().getState(this.desc).update(v);
      if (this.domain === 'EVENT_TIME') ts.registerEventTimeTimer(ts.currentWatermark() + 5);
      else ts.registerProcessingTimeTimer(ts.currentProcessingTime() + 5);
    }
    override onTimer(_t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
      assert.equal(ctx.timeDomain(), this.domain);
      out.collect(`STATE:${this.getRuntimeContext().getState(this.desc).value()}`);
    }
  }

  test('testEventTimeTimerWithState: each timer sees its own key state; a deleted timer does not fire', async () => {
    const h = await new KeyedProcessHarness(new Stateful('EVENT_TIME') as never).open();
    h.processWatermark(1);
    h.processElement(17, 0); // timer at 6
    h.processElement(13, 0); // timer at 6
    h.processWatermark(2);
    h.processElement(42, 1); // timer at 7
    h.processElement(13, 1); // deletes 13's timer
    h.processWatermark(6);
    h.processWatermark(7);
    assert.deepEqual(h.output, [
      watermark(1),
      record('INPUT:17', 0),
      record('INPUT:13', 0),
      watermark(2),
      record('INPUT:42', 1),
      record('STATE:17', 6),
      watermark(6),
      record('STATE:42', 7),
      watermark(7),
    ]);
  });

  test('testProcessingTimeTimerWithState', async () => {
    const h = await new KeyedProcessHarness(new Stateful('PROCESSING_TIME') as never).open();
    h.setProcessingTime(1);
    h.processElement(17);
    h.processElement(13);
    h.setProcessingTime(2);
    h.processElement(13);
    h.processElement(42);
    h.setProcessingTime(6);
    h.setProcessingTime(7);
    assert.deepEqual(h.output, [noTs('INPUT:17'), noTs('INPUT:13'), noTs('INPUT:42'), noTs('STATE:17'), noTs('STATE:42')]);
  });

  class BothTriggering extends KeyedProcessFunction<number, number, string> {
    processElement(_v: number, ctx: KeyedProcessContext<number>): void {
      // Flink's BothTriggeringFlatMapFunction: the two timers deleted again must not be in the snapshot.
      const ts = ctx.timerService();
      ts.registerProcessingTimeTimer(3);
      ts.registerEventTimeTimer(4);
      ts.registerProcessingTimeTimer(5);
      ts.registerEventTimeTimer(6);
      ts.deleteProcessingTimeTimer(3);
      ts.deleteEventTimeTimer(4);
    }
    override onTimer(_t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
      assert.equal(ctx.getCurrentKey(), 5);
      out.collect(ctx.timeDomain() === 'EVENT_TIME' ? 'EVENT:1777' : 'PROC:1777');
    }
  }

  test('testSnapshotAndRestore: both kinds of timer survive a snapshot and fire after restore', async () => {
    const h = await new KeyedProcessHarness(new BothTriggering() as never).open();
    h.processElement(5, 12);
    const snap = h.snapshot();
    await h.close();
    const r = await new KeyedProcessHarness(new BothTriggering() as never, (v) => v, { restore: snap }).open();
    assert.equal(r.timers.currentWatermark(), MIN_TIMESTAMP, 'the watermark is not part of a snapshot');
    assert.deepEqual([r.timers.eventTimeTimerCount, r.timers.processingTimeTimerCount], [1, 1], 'the deleted timers are not restored');
    r.setProcessingTime(5);
    r.processWatermark(6);
    assert.deepEqual(r.output, [noTs('PROC:1777'), record('EVENT:1777', 6), watermark(6)]);
  });

  test('testSideOutput: side outputs of processElement carry the record timestamp', async () => {
    const ints = new OutputTag<number>('int-out');
    const longs = new OutputTag<number>('long-out');
    class Side extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
        out.collect(`IN:${v}`);
        ctx.output(ints, v);
        ctx.output(longs, v);
      }
    }
    const h = await new KeyedProcessHarness(new Side() as never, (v) => v, { sideOutputs: [ints, longs] as OutputTag<unknown>[] }).open();
    h.processElement(42, 17);
    assert.deepEqual(h.output, [record('IN:42', 17)]);
    assert.deepEqual(h.sideOutput(ints as OutputTag<unknown>), [record(42, 17)]);
    assert.deepEqual(h.sideOutput(longs as OutputTag<unknown>), [record(42, 17)]);
  });

  test('testNullOutputTagRefusal: ctx.output(null, v) is refused', async () => {
    class NullTag extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>): void {
        ctx.output(null as unknown as OutputTag<number>, v);
      }
    }
    const h = await new KeyedProcessHarness(new NullTag() as never).open();
    assert.throws(() => h.processElement(5), /OutputTag/);
  });
});

describe('KeyedProcessOperator: what KeyedProcessOperator.java does besides', () => {
  test('side outputs of onTimer carry the timer time, in both domains (OnTimerContextImpl.output: timer.getTimestamp())', async () => {
    const tag = new OutputTag<string>('timer-side');
    class Side extends KeyedProcessFunction<number, number, string> {
      processElement(_v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerProcessingTimeTimer(5);
        ctx.timerService().registerEventTimeTimer(6);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`${ctx.timeDomain()}@${t}`);
        ctx.output(tag, `${ctx.timeDomain()}@${t}`);
      }
    }
    const h = await new KeyedProcessHarness(new Side() as never, (v) => v, { sideOutputs: [tag as OutputTag<unknown>] }).open();
    h.processElement(1, 100);
    h.setProcessingTime(5);
    h.processWatermark(6);
    // Main output: a processing-time timer erases the timestamp; side output: Flink stamps it with the timer's time.
    assert.deepEqual(h.records(), [noTs('PROCESSING_TIME@5'), record('EVENT_TIME@6', 6)]);
    assert.deepEqual(h.sideOutput(tag as OutputTag<unknown>), [record('PROCESSING_TIME@5', 5), record('EVENT_TIME@6', 6)]);
  });

  test('the same for a KeyedCoProcessFunction (KeyedCoProcessOperator.OnTimerContextImpl.output: timer.getTimestamp())', async () => {
    const tag = new OutputTag<string>('timer-side') as OutputTag<unknown>;
    class Co extends KeyedCoProcessFunction<string, string, string, string> {
      processElement1(_v: string, ctx: KeyedProcessContext<string>): void {
        ctx.timerService().registerProcessingTimeTimer(5);
        ctx.timerService().registerEventTimeTimer(6);
      }
      processElement2(): void {}
      override onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.timeDomain()}@${t}`);
        ctx.output(tag as OutputTag<string>, `${ctx.timeDomain()}@${t}`);
      }
    }
    const spec: TwoInputOperatorSpec = { kind: 'keyedCoProcess', fn: new Co() as KeyedCoProcessFunction<unknown, unknown, unknown, unknown> };
    const h = await new TwoInputHarness(spec, (v) => v, (v) => v, { sideOutputs: [tag] }).open();
    h.processElement1('a', 100);
    h.clock.set(5);
    h.operator.advanceProcessingTime(5);
    h.processWatermark1(6);
    h.processWatermark2(6);
    assert.deepEqual(h.records(), [noTs('PROCESSING_TIME@5'), record('EVENT_TIME@6', 6)]);
    assert.deepEqual(h.sideOutput(tag), [record('PROCESSING_TIME@5', 5), record('EVENT_TIME@6', 6)]);
  });

  test('the same timer registered twice fires once; deleting a timer never registered is a no-op', async () => {
    class Twice extends KeyedProcessFunction<number, number, string> {
      processElement(_v: number, ctx: KeyedProcessContext<number>): void {
        const ts = ctx.timerService();
        ts.deleteEventTimeTimer(99);
        ts.deleteProcessingTimeTimer(99);
        ts.registerEventTimeTimer(10);
        ts.registerEventTimeTimer(10);
        ts.registerProcessingTimeTimer(10);
        ts.registerProcessingTimeTimer(10);
        ts.deleteEventTimeTimer(11);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()}@${t}`);
      }
    }
    const h = await new KeyedProcessHarness(new Twice() as never).open();
    h.processElement(1, 0);
    h.processElement(1, 0);
    h.processElement(2, 0);
    h.setProcessingTime(20);
    h.processWatermark(20);
    assert.equal(h.records().length, 4);
    assert.deepEqual(h.records().map((r) => r.value).sort(), ['1 EVENT_TIME@10', '1 PROCESSING_TIME@10', '2 EVENT_TIME@10', '2 PROCESSING_TIME@10']);
  });

  test('timers of many keys fire in timestamp order; all timers <= the watermark (inclusive) before it is forwarded', async () => {
    class At extends KeyedProcessFunction<string, [string, number], string> {
      processElement(v: [string, number], ctx: KeyedProcessContext<string>): void {
        ctx.timerService().registerEventTimeTimer(v[1]);
      }
      override onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}@${t} wm=${ctx.timerService().currentWatermark()}`);
      }
    }
    const h = await new KeyedProcessHarness(new At() as never, (v: [string, number]) => v[0]).open();
    for (const [k, t] of [['c', 30], ['a', 20], ['b', 10], ['a', 40], ['d', 25], ['b', 31]] as const) h.processElement([k, t], 0);
    h.processWatermark(30);
    h.processWatermark(39);
    h.processWatermark(40);
    assert.deepEqual(h.output, [
      record('b@10 wm=30', 10),
      record('a@20 wm=30', 20),
      record('d@25 wm=30', 25),
      record('c@30 wm=30', 30),
      watermark(30),
      record('b@31 wm=39', 31),
      watermark(39),
      record('a@40 wm=40', 40),
      watermark(40),
    ]);
  });

  test('a timer registered for a time already passed: from processElement it fires with the next watermark; from onTimer in the same advance', async () => {
    class Late extends KeyedProcessFunction<number, number, string> {
      processElement(_v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerEventTimeTimer(3); // the watermark is already 10
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`fired ${t} at wm ${ctx.timerService().currentWatermark()}`);
        if (t === 3) ctx.timerService().registerEventTimeTimer(2); // before the watermark too: fires in this advance (Flink's while loop peeks again)
      }
    }
    const h = await new KeyedProcessHarness(new Late() as never).open();
    h.processWatermark(10);
    h.processElement(1, 11);
    assert.deepEqual(h.records(), [], 'nothing fires until the next watermark');
    h.processWatermark(11);
    assert.deepEqual(h.output, [watermark(10), record('fired 3 at wm 11', 3), record('fired 2 at wm 11', 2), watermark(11)]);
  });

  test('a processing-time timer registered in onTimer for a time already reached fires in the same advance', async () => {
    class Chain extends KeyedProcessFunction<number, number, string> {
      processElement(_v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerProcessingTimeTimer(5);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`P@${t} now=${ctx.timerService().currentProcessingTime()}`);
        if (t < 8) ctx.timerService().registerProcessingTimeTimer(t + 1);
      }
    }
    const h = await new KeyedProcessHarness(new Chain() as never).open();
    h.processElement(1);
    h.setProcessingTime(7);
    assert.deepEqual(
      h.records().map((r) => r.value),
      ['P@5 now=7', 'P@6 now=7', 'P@7 now=7'],
    );
    h.setProcessingTime(100);
    assert.deepEqual(
      h.records().map((r) => r.value),
      ['P@5 now=7', 'P@6 now=7', 'P@7 now=7', 'P@8 now=100'],
    );
  });

  test('onTimer deleting a later timer of its key keeps it from firing, in the same advance; other keys keep theirs', async () => {
    class Del extends KeyedProcessFunction<number, number, string> {
      processElement(_v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerEventTimeTimer(5);
        ctx.timerService().registerEventTimeTimer(6);
        ctx.timerService().registerProcessingTimeTimer(5);
        ctx.timerService().registerProcessingTimeTimer(6);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()} ${ctx.timeDomain()}@${t}`);
        if (ctx.getCurrentKey() === 1 && ctx.timeDomain() === 'EVENT_TIME') ctx.timerService().deleteEventTimeTimer(6);
        if (ctx.getCurrentKey() === 1 && ctx.timeDomain() === 'PROCESSING_TIME') ctx.timerService().deleteProcessingTimeTimer(6);
      }
    }
    const h = await new KeyedProcessHarness(new Del() as never).open();
    h.processElement(1, 0);
    h.processElement(2, 0);
    h.processWatermark(10);
    h.setProcessingTime(10);
    assert.deepEqual(
      h.records().map((r) => r.value),
      ['1 EVENT_TIME@5', '2 EVENT_TIME@5', '2 EVENT_TIME@6', '1 PROCESSING_TIME@5', '2 PROCESSING_TIME@5', '2 PROCESSING_TIME@6'],
    );
  });

  test('currentWatermark() in onTimer is the watermark being processed; in processElement the last one', async () => {
    const seen: string[] = [];
    class W extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>): void {
        seen.push(`element ${v} wm=${ctx.timerService().currentWatermark()}`);
        ctx.timerService().registerEventTimeTimer(v);
        ctx.timerService().registerProcessingTimeTimer(v);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>): void {
        seen.push(`${ctx.timeDomain()} ${t} wm=${ctx.timerService().currentWatermark()}`);
      }
    }
    const h = await new KeyedProcessHarness(new W() as never).open();
    h.processElement(5, 5);
    assert.deepEqual(seen, [`element 5 wm=${MIN_TIMESTAMP}`]);
    h.processWatermark(7);
    h.setProcessingTime(9);
    h.processElement(6, 6);
    assert.deepEqual(seen, [`element 5 wm=${MIN_TIMESTAMP}`, 'EVENT_TIME 5 wm=7', 'PROCESSING_TIME 5 wm=7', 'element 6 wm=7', ]);
  });

  test('processing-time timers restored from a snapshot fire once when due, not again after a second restore of a later snapshot', async () => {
    class P extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerProcessingTimeTimer(v * 10);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}@${t}`);
      }
    }
    const h = await new KeyedProcessHarness(new P() as never).open();
    h.processElement(1);
    h.processElement(2);
    h.processElement(3);
    const snap1 = h.snapshot();
    const r = await new KeyedProcessHarness(new P() as never, (v) => v, { restore: snap1 }).open();
    r.setProcessingTime(25); // already due at restore: 10 and 20 fire
    assert.deepEqual(r.records().map((x) => x.value), ['1@10', '2@20']);
    const snap2 = r.snapshot();
    const r2 = await new KeyedProcessHarness(new P() as never, (v) => v, { restore: snap2 }).open();
    r2.setProcessingTime(100);
    assert.deepEqual(r2.records().map((x) => x.value), ['3@30']);
  });
});

describe('in a job', () => {
  test("a processing-time timer's side output reaches its reader, across a shuffle, at the timer's time; its main output without one", async () => {
    const clock = new ManualClock(1000);
    const side = new OutputTag<string>('from-timer');
    class Due extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerProcessingTimeTimer(500 + v); // already due
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
        out.collect(`main ${t}`);
        ctx.output(side, `side ${t}`);
      }
    }
    class Stamp extends ProcessFunction<string, string> {
      processElement(v: string, ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`${v}@${ctx.timestamp() ?? 'none'}`);
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        const main = env.fromElements(1, 2).keyBy((v) => v).process(new Due());
        main.rebalance().process(new Stamp()).addSink(collectInto(out));
        main.getSideOutput(side).rebalance().process(new Stamp()).addSink(collectInto(out));
      },
      { clock, parallelism: 2 },
    );
    assert.deepEqual(sorted(out), sorted(['main 501@none', 'main 502@none', 'side 501@501', 'side 502@502']));
  });
});

describe("a ProcessFunction on a keyed stream, as Flink's LegacyKeyedProcessOperatorTest", () => {
  test('testEventTimeTimers / testProcessingTimeTimers: it has timers; one without onTimer may set them too', async () => {
    const clock = new ManualClock(1000);
    const out: string[] = [];
    // Flink's TriggeringFlatMapFunction, in both domains at once; the processing-time timer is due.
    class Triggering extends ProcessFunction<number, string> {
      processElement(v: number, ctx: ProcessContext, o: Collector<string>): void {
        o.collect(`${v}`);
        ctx.timerService().registerEventTimeTimer(v + 5);
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() - 1);
      }
      onTimer(t: number, ctx: OnTimerContext<unknown>, o: Collector<string>): void {
        o.collect(`1777 ${ctx.timeDomain()}@${t}`);
      }
    }
    class NoOnTimer extends ProcessFunction<number, string> {
      processElement(v: number, ctx: ProcessContext, o: Collector<string>): void {
        ctx.timerService().registerEventTimeTimer(v);
        o.collect(`${v}`);
      }
    }
    class Stamp extends ProcessFunction<string, string> {
      processElement(v: string, ctx: ProcessContext, o: Collector<string>): void {
        o.collect(`${v} ts=${ctx.timestamp() ?? 'none'}`);
      }
    }
    await runJob(
      (env) => {
        const input = env.fromElements(17).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(() => 42));
        input.keyBy((v) => v).process(new Triggering()).process(new Stamp()).addSink(collectInto(out));
        input.keyBy((v) => v).process(new NoOnTimer()).process(new Stamp()).addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(sorted(out), sorted(['17 ts=42', '1777 PROCESSING_TIME@999 ts=none', '1777 EVENT_TIME@22 ts=22', '17 ts=42']));
  });
});

describe("ProcessOperator as Flink's ProcessOperatorTest", () => {
  test('testTimestampAndWatermarkQuerying / ProcessingTimeQuerying', async () => {
    class Q extends ProcessFunction<number, string> {
      processElement(v: number, ctx: ProcessContext, out: Collector<string>): void {
        out.collect(`${v}WM:${ctx.timerService().currentWatermark()} PT:${ctx.timerService().currentProcessingTime()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await new ProcessHarness(new Q() as never).open();
    h.clock.set(3);
    h.processWatermark(17);
    h.processElement(5, 12);
    h.processWatermark(42);
    h.processElement(6);
    assert.deepEqual(h.output, [watermark(17), record('5WM:17 PT:3 TS:12', 12), watermark(42), noTs('6WM:42 PT:3 TS:null')]);
  });

  test('testSideOutput and testNullOutputTagRefusal: side outputs at the record timestamp; a null tag refused', async () => {
    const ints = new OutputTag<number>('int-out') as OutputTag<unknown>;
    class S extends ProcessFunction<number, string> {
      processElement(v: number, ctx: ProcessContext, out: Collector<string>): void {
        if (v < 0) ctx.output(null as unknown as OutputTag<number>, v);
        out.collect(`IN:${v}`);
        ctx.output(ints as OutputTag<number>, v);
      }
    }
    const h = await new ProcessHarness(new S() as never, { sideOutputs: [ints] }).open();
    h.processElement(42, 17);
    assert.deepEqual(h.output, [record('IN:42', 17)]);
    assert.deepEqual(h.sideOutput(ints), [record(42, 17)]);
    assert.throws(() => h.processElement(-1, 3), /OutputTag/);
  });

  test('setting and deleting timers is refused, as Flink\'s "Setting timers is only supported on a keyed streams."', async () => {
    const errors: string[] = [];
    class T extends ProcessFunction<number, string> {
      processElement(_v: number, ctx: ProcessContext): void {
        const ts = ctx.timerService();
        for (const f of [
          () => ts.registerEventTimeTimer(1),
          () => ts.registerProcessingTimeTimer(1),
          () => ts.deleteEventTimeTimer(1),
          () => ts.deleteProcessingTimeTimer(1),
        ]) {
          try {
            f();
            errors.push('no error');
          } catch (err) {
            errors.push((err as Error).message);
          }
        }
      }
    }
    const h = await new ProcessHarness(new T() as never).open();
    h.processElement(1);
    assert.equal(errors.length, 4);
    assert.match(errors[0]!, /^Setting timers is only supported on a keyed stream/);
    assert.match(errors[1]!, /^Setting timers is only supported on a keyed stream/);
    assert.match(errors[2]!, /^Deleting timers is only supported on a keyed stream/);
    assert.match(errors[3]!, /^Deleting timers is only supported on a keyed stream/);
  });
});

