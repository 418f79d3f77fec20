/*
 * The two-input operators against Flink's own operator tests
 * (flink-streaming-java/src/test/java/org/apache/flink/streaming/api/operators/co/):
 * KeyedCoProcessOperatorTest, CoBroadcastWithKeyedOperatorTest, CoBroadcastWithNonKeyedOperatorTest
 * and IntervalJoinOperatorTest's edges: their inputs, and the outputs Flink expects.
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
  OutputTag,
  type ProcessContext,
  type KeyedProcessContext,
  type OnTimerContext,
  type TwoInputOperatorSpec,
} from '../../../src/graph/index.js';
import { ListStateDescriptor, MapStateDescriptor, type ValueState, ValueStateDescriptor } from '../../../src/state/index.js';
import { MIN_TIMESTAMP } from '../../../src/util/time.js';
import type { HarnessOptions } from '../operators/keyed-operator-harness.js';
import { BroadcastHarness, TwoInputHarness } from './two-input-harness.js';

/** `value@ts` of a record (`value` alone when it has no timestamp), `WM:t` of a watermark, in output order. */
function rendered(h: TwoInputHarness): string[] {
  return h.output.map((e) => ('watermark' in e ? `WM:${e.watermark}` : e.timestamp === MIN_TIMESTAMP ? String(e.value) : `${String(e.value)}@${e.timestamp}`));
}

const intToString = (v: number) => `${v}`;
const identity = (v: string) => v;

async function keyedCoProcess(fn: KeyedCoProcessFunction<string, number, string, string>, options: HarnessOptions = {}): Promise<TwoInputHarness> {
  const spec: TwoInputOperatorSpec = { kind: 'keyedCoProcess', fn: fn as KeyedCoProcessFunction<unknown, unknown, unknown, unknown> };
  return new TwoInputHarness(spec, intToString as (v: never) => unknown, identity as (v: never) => unknown, options).open();
}

function setProcessingTime(h: TwoInputHarness, t: number): void {
  h.clock.set(t);
  h.operator.advanceProcessingTime(t);
}

type Ctx = KeyedProcessContext<string>;
type Out = Collector<string>;

describe("keyed co-process: Flink's KeyedCoProcessOperatorTest", () => {
  test('testTimestampAndWatermarkQuerying', async () => {
    class Fn extends KeyedCoProcessFunction<string, number, string, string> {
      processElement1(v: number, ctx: Ctx, out: Out) {
        out.collect(`${v}WM:${ctx.timerService().currentWatermark()} TS:${ctx.timestamp()}`);
      }
      processElement2(v: string, ctx: Ctx, out: Out) {
        out.collect(`${v}WM:${ctx.timerService().currentWatermark()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await keyedCoProcess(new Fn());
    h.processWatermark1(17);
    h.processWatermark2(17);
    h.processElement1(5, 12);
    h.processWatermark1(42);
    h.processWatermark2(42);
    h.processElement2('6', 13);
    assert.deepEqual(rendered(h), ['WM:17', '5WM:17 TS:12@12', 'WM:42', '6WM:42 TS:13@13']);
  });

  test('testTimestampAndProcessingTimeQuerying', async () => {
    class Fn extends KeyedCoProcessFunction<string, number, string, string> {
      processElement1(v: number, ctx: Ctx, out: Out) {
        out.collect(`${v}PT:${ctx.timerService().currentProcessingTime()} TS:${ctx.timestamp()}`);
      }
      processElement2(v: string, ctx: Ctx, out: Out) {
        out.collect(`${v}PT:${ctx.timerService().currentProcessingTime()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await keyedCoProcess(new Fn());
    setProcessingTime(h, 17);
    h.processElement1(5);
    setProcessingTime(h, 42);
    h.processElement2('6');
    assert.deepEqual(rendered(h), ['5PT:17 TS:null', '6PT:42 TS:null']);
  });

  test('testEventTimeTimers (and testGetCurrentKeyFromTimers)', async () => {
    class Fn extends KeyedCoProcessFunction<string, number, string, string> {
      processElement1(v: number, ctx: Ctx, out: Out) {
        out.collect(`INPUT1:${v}`);
        ctx.timerService().registerEventTimeTimer(5);
      }
      processElement2(v: string, ctx: Ctx, out: Out) {
        out.collect(`INPUT2:${v}`);
        ctx.timerService().registerEventTimeTimer(6);
      }
      override onTimer(_t: number, ctx: OnTimerContext<string>, out: Out) {
        assert.equal(ctx.timeDomain(), 'EVENT_TIME');
        out.collect(`${ctx.getCurrentKey()}:1777`);
      }
    }
    const h = await keyedCoProcess(new Fn());
    h.processElement1(17, 42);
    h.processElement2('18', 42);
    h.processWatermark1(5);
    h.processWatermark2(5);
    h.processWatermark1(6);
    h.processWatermark2(6);
    assert.deepEqual(rendered(h), ['INPUT1:17@42', 'INPUT2:18@42', '17:1777@5', 'WM:5', '18:1777@6', 'WM:6']);
  });

  test('testProcessingTimeTimers', async () => {
    class Fn extends KeyedCoProcessFunction<string, number, string, string> {
      processElement1(v: number, ctx: Ctx, out: Out) {
        out.collect(`INPUT1:${v}`);
        ctx.timerService().registerProcessingTimeTimer(5);
      }
      processElement2(v: string, ctx: Ctx, out: Out) {
        out.collect(`INPUT2:${v}`);
        ctx.timerService().registerProcessingTimeTimer(6);
      }
      override onTimer(_t: number, ctx: OnTimerContext<string>, out: Out) {
        assert.equal(ctx.timeDomain(), 'PROCESSING_TIME');
        out.collect('1777');
      }
    }
    const h = await keyedCoProcess(new Fn());
    h.processElement1(17);
    h.processElement2('18');
    setProcessingTime(h, 5);
    setProcessingTime(h, 6);
    assert.deepEqual(rendered(h), ['INPUT1:17', 'INPUT2:18', '1777', '1777']);
  });

  /** Flink's EventTimeTriggeringStatefulProcessFunction and its processing-time twin: no leakage between keys. */
  class Stateful extends KeyedCoProcessFunction<string, number, string, string> {
    private state!: ValueState<string>;
    constructor(private readonly domain: 'EVENT_TIME' | 'PROCESSING_TIME') {
      super();
    }
    override open() {
      this.state = this.getRuntimeContext().getState(new ValueStateDescriptor<string>('seen-element'));
    }
    private handle(v: unknown, ctx: Ctx, out: Out, channel: number) {
      const ts = ctx.timerService();
      const now = this.domain === 'EVENT_TIME' ? ts.currentWatermark() : ts.currentProcessingTime();
      if (this.state.value() == null) {
        out.collect(`INPUT${channel}:${String(v)}`);
        this.state.update(String(v));
        if (this.domain === 'EVENT_TIME') ts.registerEventTimeTimer(now + 5);
        else ts.registerProcessingTimeTimer(now + 5);
      } else {
        this.state.clear();
        if (this.domain === 'EVENT_TIME') ts.deleteEventTimeTimer(now + 4);
        else ts.deleteProcessingTimeTimer(now + 4);
      }
    }
    processElement1(v: number, ctx: Ctx, out: Out) {
      this.handle(v, ctx, out, 1);
    }
    processElement2(v: string, ctx: Ctx, out: Out) {
      this.handle(v, ctx, out, 2);
    }
    override onTimer(_t: number, ctx: OnTimerContext<string>, out: Out) {
      assert.equal(ctx.timeDomain(), this.domain);
      out.collect(`STATE:${this.state.value()}`);
    }
  }

  test('testEventTimeTimerWithState', async () => {
    const h = await keyedCoProcess(new Stateful('EVENT_TIME'));
    h.processWatermark1(1);
    h.processWatermark2(1);
    h.processElement1(17, 0);
    h.processElement1(13, 0);
    h.processWatermark1(2);
    h.processWatermark2(2);
    h.processElement1(13, 1);
    h.processElement2('42', 1);
    h.processWatermark1(6);
    h.processWatermark2(6);
    h.processWatermark1(7);
    h.processWatermark2(7);
    assert.deepEqual(rendered(h), ['WM:1', 'INPUT1:17@0', 'INPUT1:13@0', 'WM:2', 'INPUT2:42@1', 'STATE:17@6', 'WM:6', 'STATE:42@7', 'WM:7']);
  });

  test('testProcessingTimeTimerWithState', async () => {
    const h = await keyedCoProcess(new Stateful('PROCESSING_TIME'));
    setProcessingTime(h, 1);
    h.processElement1(17);
    h.processElement1(13);
    setProcessingTime(h, 2);
    h.processElement1(13);
    h.processElement2('42');
    setProcessingTime(h, 6);
    setProcessingTime(h, 7);
    assert.deepEqual(rendered(h), ['INPUT1:17', 'INPUT1:13', 'INPUT2:42', 'STATE:17', 'STATE:42']);
  });

  test('testSnapshotAndRestore', async () => {
    class Both extends KeyedCoProcessFunction<string, number, string, string> {
      processElement1(_v: number, ctx: Ctx) {
        ctx.timerService().registerProcessingTimeTimer(3);
        ctx.timerService().registerEventTimeTimer(6);
        ctx.timerService().deleteProcessingTimeTimer(3);
      }
      processElement2(_v: string, ctx: Ctx) {
        ctx.timerService().registerEventTimeTimer(4);
        ctx.timerService().registerProcessingTimeTimer(5);
        ctx.timerService().deleteEventTimeTimer(4);
      }
      override onTimer(_t: number, ctx: OnTimerContext<string>, out: Out) {
        out.collect(ctx.timeDomain() === 'EVENT_TIME' ? 'EVENT:1777' : 'PROC:1777');
      }
    }
    const first = await keyedCoProcess(new Both());
    first.processElement1(5, 12);
    first.processElement2('5', 12);
    const snapshot = first.snapshot();
    await first.close();
    const h = await keyedCoProcess(new Both(), { restore: snapshot });
    setProcessingTime(h, 5);
    h.processWatermark1(6);
    h.processWatermark2(6);
    assert.deepEqual(rendered(h), ['PROC:1777', 'EVENT:1777@6', 'WM:6']);
  });

  test('testGetCurrentKeyFromContext', async () => {
    class Fn extends KeyedCoProcessFunction<string, number, string, string> {
      processElement1(v: number, ctx: Ctx, out: Out) {
        out.collect(`${v},${ctx.getCurrentKey()}`);
      }
      processElement2(v: string, ctx: Ctx, out: Out) {
        out.collect(`${v},${ctx.getCurrentKey()}`);
      }
    }
    const h = await keyedCoProcess(new Fn());
    h.processElement1(5);
    h.processElement1(6);
    h.processElement2('hello');
    h.processElement2('world');
    assert.deepEqual(rendered(h), ['5,5', '6,6', 'hello,hello', 'world,world']);
  });
});


const STATE_DESCRIPTOR = new MapStateDescriptor<string, number>('broadcast-state');

async function keyedBroadcast<IN1>(
  fn: KeyedBroadcastProcessFunction<string, IN1, number, string>,
  key: (v: IN1) => unknown = (v) => v,
  options: HarnessOptions = {},
): Promise<BroadcastHarness> {
  const spec: TwoInputOperatorSpec = {
    kind: 'keyedBroadcastProcess',
    fn: fn as KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>,
    descriptors: [STATE_DESCRIPTOR as MapStateDescriptor<unknown, unknown>],
  };
  const noKey = () => {
    throw new Error('a broadcast element has no key');
  };
  return new BroadcastHarness(spec, key as (v: never) => unknown, noKey, options).open();
}

type KRo = KeyedBroadcastReadOnlyContext<string>;
type KRw = KeyedBroadcastContext<string>;

describe("keyed broadcast: Flink's CoBroadcastWithKeyedOperatorTest", () => {
  test('testKeyQuerying', async () => {
    class Fn extends KeyedBroadcastProcessFunction<string, [number, string], number, string> {
      processElement(v: [number, string], ctx: KRo, out: Out) {
        assert.equal(ctx.getCurrentKey(), v[0]);
        out.collect(v[1]);
      }
      processBroadcastElement() {}
    }
    const h = await keyedBroadcast(new Fn(), (v) => v[0]);
    h.processElement1([5, '5'], 12);
    h.processElement1([42, '42'], 13);
    assert.deepEqual(rendered(h), ['5@12', '42@13']);
  });

  test('testAccessToKeyedStateIt: applyToKeyedState sees every key with its list', async () => {
    const listDesc = new ListStateDescriptor<string>('listStateTest');
    const seen = new Map<string, string[]>();
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processElement(v: string) {
        this.getRuntimeContext().getListState(listDesc).add(v);
      }
      processBroadcastElement(_v: number, ctx: KRw) {
        ctx.applyToKeyedState(listDesc, (key, state) => void seen.set(key, [...state.get()]));
      }
    }
    const h = await keyedBroadcast(new Fn());
    for (const [v, ts] of [['test1', 12], ['test1', 12], ['test2', 13], ['test2', 13], ['test2', 13], ['test3', 14], ['test3', 14], ['test3', 14], ['test2', 13]] as const) h.processElement1(v, ts);
    h.processBroadcast(1, 13);
    assert.deepEqual(
      new Map([...seen].sort()),
      new Map([
        ['test1', ['test1', 'test1']],
        ['test2', ['test2', 'test2', 'test2', 'test2']],
        ['test3', ['test3', 'test3', 'test3']],
      ]),
    );
  });

  test('testFunctionWithTimer', async () => {
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement(v: number, ctx: KRw, out: Out) {
        out.collect(`BR:${v} WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
      processElement(v: string, ctx: KRo, out: Out) {
        ctx.timerService().registerEventTimeTimer(41);
        out.collect(`NON-BR:${v} WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
      override onTimer(t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Out) {
        assert.equal(ctx.getCurrentKey(), '6');
        out.collect(`TIMER:${t}`);
      }
    }
    const h = await keyedBroadcast(new Fn());
    h.processWatermark1(10);
    h.processWatermark2(10);
    h.processBroadcast(5, 12);
    h.processWatermark1(40);
    h.processWatermark2(40);
    h.processElement1('6', 13);
    h.processElement1('6', 15);
    h.processWatermark1(50);
    h.processWatermark2(50);
    assert.deepEqual(rendered(h), ['WM:10', 'BR:5 WM:10 TS:12@12', 'WM:40', 'NON-BR:6 WM:40 TS:13@13', 'NON-BR:6 WM:40 TS:15@15', 'TIMER:41@41', 'WM:50']);
  });

  test('testSideOutput', async () => {
    const BR = new OutputTag<string>('br-out');
    const NON_BR = new OutputTag<string>('non-br-out');
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement(v: number, ctx: KRw) {
        ctx.output(BR, `BR:${v} WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
      processElement(v: string, ctx: KRo) {
        ctx.output(NON_BR, `NON-BR:${v} WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await keyedBroadcast(new Fn(), undefined, { sideOutputs: [BR, NON_BR] as OutputTag<unknown>[] });
    h.processWatermark1(10);
    h.processWatermark2(10);
    h.processBroadcast(5, 12);
    h.processWatermark1(40);
    h.processWatermark2(40);
    h.processElement1('6', 13);
    h.processElement1('6', 15);
    h.processWatermark1(50);
    h.processWatermark2(50);
    assert.deepEqual(h.sideOutput(BR as OutputTag<unknown>), [{ value: 'BR:5 WM:10 TS:12', timestamp: 12 }]);
    assert.deepEqual(h.sideOutput(NON_BR as OutputTag<unknown>), [
      { value: 'NON-BR:6 WM:40 TS:13', timestamp: 13 },
      { value: 'NON-BR:6 WM:40 TS:15', timestamp: 15 },
    ]);
  });

  test('testFunctionWithBroadcastState: the keyed side and its timer read the broadcast state', async () => {
    const expected = new Map([['5.key', 5], ['34.key', 34], ['53.key', 53], ['12.key', 12], ['98.key', 98]]);
    const show = (entries: Iterable<readonly [string, number]>) => [...entries].map(([k, v]) => ` ${k}=${v}`).sort().join('');
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement(v: number, ctx: KRw) {
        ctx.getBroadcastState(STATE_DESCRIPTOR).put(`${v}.key`, v);
      }
      processElement(_v: string, ctx: KRo) {
        assert.equal(show(ctx.getBroadcastState(STATE_DESCRIPTOR).immutableEntries()), show(expected));
        ctx.timerService().registerEventTimeTimer(41);
      }
      override onTimer(t: number, ctx: KeyedBroadcastOnTimerContext<string>, out: Out) {
        assert.equal(ctx.getCurrentKey(), 'trigger');
        out.collect(`TS:${t} ${show(ctx.getBroadcastState(STATE_DESCRIPTOR).immutableEntries())}`);
      }
    }
    const h = await keyedBroadcast(new Fn());
    h.processWatermark1(10);
    h.processWatermark2(10);
    for (const [v, ts] of [[5, 10], [34, 12], [53, 15], [12, 16], [98, 19]]) h.processBroadcast(v, ts);
    h.processElement1('trigger', 13);
    h.processBroadcast(51, 21);
    h.processWatermark1(50);
    h.processWatermark2(50);
    expected.set('51.key', 51);
    assert.deepEqual(rendered(h), ['WM:10', `TS:41 ${show(expected)}@41`, 'WM:50']);
  });

  test('testNoKeyedStateOnBroadcastSide: keyed state on the broadcast side before any key is an error', async () => {
    const valueState = new ValueStateDescriptor<string>('any');
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement() {
        this.getRuntimeContext().getState(valueState).value();
      }
      processElement() {}
    }
    const h = await keyedBroadcast(new Fn());
    h.processWatermark1(10);
    h.processWatermark2(10);
    assert.throws(() => h.processBroadcast(5, 12), /No key is set/);
  });
});

describe("non-keyed broadcast: Flink's CoBroadcastWithNonKeyedOperatorTest", () => {
  const STATE_A = new MapStateDescriptor<number, string>('broadcast-state-A');
  async function nonKeyed(fn: BroadcastProcessFunction<string, number, string>, descriptors: MapStateDescriptor<never, never>[], options: HarnessOptions = {}): Promise<BroadcastHarness> {
    const spec: TwoInputOperatorSpec = { kind: 'broadcastProcess', fn: fn as BroadcastProcessFunction<unknown, unknown, unknown>, descriptors: descriptors as MapStateDescriptor<unknown, unknown>[] };
    return new BroadcastHarness(spec, () => 0, () => 0, options).open();
  }

  test('testMultiStateSupport (entries in insertion order here; Flink\'s expected order is its HashMap\'s)', async () => {
    class Fn extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        ctx.getBroadcastState(STATE_DESCRIPTOR).put(`key.${v}`, v);
        ctx.getBroadcastState(STATE_A).put(v, `value.${v}`);
      }
      processElement(v: string, ctx: BroadcastReadOnlyContext, out: Out) {
        for (const [k, x] of ctx.getBroadcastState(STATE_DESCRIPTOR).immutableEntries()) out.collect(`${v}:${k}->${x}`);
        for (const [k, x] of ctx.getBroadcastState(STATE_A).immutableEntries()) out.collect(`${v}:${k}->${x}`);
      }
    }
    const h = await nonKeyed(new Fn(), [STATE_DESCRIPTOR, STATE_A] as MapStateDescriptor<never, never>[]);
    h.processBroadcast(5, 12);
    h.processBroadcast(6, 13);
    h.processElement1('9', 15);
    assert.deepEqual(rendered(h).sort(), ['9:key.6->6@15', '9:key.5->5@15', '9:5->value.5@15', '9:6->value.6@15'].sort());
  });

  test('testBroadcastState', async () => {
    const keys = ['test1', 'test2', 'test3'];
    class Fn extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext, out: Out) {
        for (const k of keys) ctx.getBroadcastState(STATE_DESCRIPTOR).put(k, v);
        out.collect(`${v}WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
      processElement(v: string, ctx: BroadcastReadOnlyContext, out: Out) {
        assert.deepEqual(new Set([...ctx.getBroadcastState(STATE_DESCRIPTOR).immutableEntries()].map(([k]) => k)), new Set(keys));
        out.collect(`${v}WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await nonKeyed(new Fn(), [STATE_DESCRIPTOR] as MapStateDescriptor<never, never>[]);
    h.processWatermark1(10);
    h.processWatermark2(10);
    h.processBroadcast(5, 12);
    h.processWatermark1(40);
    h.processWatermark2(40);
    h.processElement1('6', 13);
    h.processElement1('6', 15);
    h.processWatermark1(50);
    h.processWatermark2(50);
    assert.deepEqual(rendered(h), ['WM:10', '5WM:10 TS:12@12', 'WM:40', '6WM:40 TS:13@13', '6WM:40 TS:15@15', 'WM:50']);
  });

  test('testSideOutput', async () => {
    const BR = new OutputTag<string>('br-out');
    const NON_BR = new OutputTag<string>('non-br-out');
    class Fn extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        ctx.output(BR, `BR:${v} WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
      processElement(v: string, ctx: BroadcastReadOnlyContext) {
        ctx.output(NON_BR, `NON-BR:${v} WM:${ctx.currentWatermark()} TS:${ctx.timestamp()}`);
      }
    }
    const h = await nonKeyed(new Fn(), [STATE_DESCRIPTOR] as MapStateDescriptor<never, never>[], { sideOutputs: [BR, NON_BR] as OutputTag<unknown>[] });
    h.processWatermark1(10);
    h.processWatermark2(10);
    h.processBroadcast(5, 12);
    h.processWatermark1(40);
    h.processWatermark2(40);
    h.processElement1('6', 13);
    h.processElement1('6', 15);
    h.processWatermark1(50);
    h.processWatermark2(50);
    assert.deepEqual(h.sideOutput(BR as OutputTag<unknown>), [{ value: 'BR:5 WM:10 TS:12', timestamp: 12 }]);
    assert.deepEqual(h.sideOutput(NON_BR as OutputTag<unknown>), [
      { value: 'NON-BR:6 WM:40 TS:13', timestamp: 13 },
      { value: 'NON-BR:6 WM:40 TS:15', timestamp: 15 },
    ]);
  });
});

describe("co-process: Flink's CoProcessOperatorTest", () => {
  class Querying extends CoProcessFunction<number, string, string> {
    constructor(private readonly what: 'WM' | 'PT') {
      super();
    }
    private show(v: unknown, ctx: ProcessContext): string {
      const ts = ctx.timerService();
      return `${String(v)}${this.what}:${this.what === 'WM' ? ts.currentWatermark() : ts.currentProcessingTime()} TS:${ctx.timestamp()}`;
    }
    processElement1(v: number, ctx: ProcessContext, out: Out) {
      out.collect(this.show(v, ctx));
    }
    processElement2(v: string, ctx: ProcessContext, out: Out) {
      out.collect(this.show(v, ctx));
    }
  }
  const coProcess = (fn: CoProcessFunction<number, string, string>) =>
    new TwoInputHarness({ kind: 'coProcess', fn: fn as CoProcessFunction<unknown, unknown, unknown> }, () => 0, () => 0).open();

  test('testTimestampAndWatermarkQuerying', async () => {
    const h = await coProcess(new Querying('WM'));
    h.processWatermark1(17);
    h.processWatermark2(17);
    h.processElement1(5, 12);
    h.processWatermark1(42);
    h.processWatermark2(42);
    h.processElement2('6', 13);
    assert.deepEqual(rendered(h), ['WM:17', '5WM:17 TS:12@12', 'WM:42', '6WM:42 TS:13@13']);
  });

  test('testTimestampAndProcessingTimeQuerying', async () => {
    const h = await coProcess(new Querying('PT'));
    setProcessingTime(h, 17);
    h.processElement1(5);
    setProcessingTime(h, 42);
    h.processElement2('6');
    assert.deepEqual(rendered(h), ['5PT:17 TS:null', '6PT:42 TS:null']);
  });

  test('the watermark is the minimum of both inputs: one input alone does not advance it', async () => {
    const h = await coProcess(new Querying('WM'));
    h.processWatermark1(17);
    h.processElement1(5, 12);
    h.processWatermark2(10);
    h.processElement2('6', 13);
    h.processWatermark2(30);
    assert.deepEqual(rendered(h), [`5WM:${MIN_TIMESTAMP} TS:12@12`, 'WM:10', '6WM:10 TS:13@13', 'WM:17']);
  });
});
