/*
 * The broadcast operators' processing semantics against Flink's sources (CoBroadcastWithKeyedOperator,
 * CoBroadcastWithNonKeyedOperator, HeapBroadcastState, AbstractKeyedStateBackend.applyToAllKeys)
 * and the cases of their tests that flink-co-operator-tests.test.ts leaves open: the read-only
 * view's refusals, the clocks of both sides, the watermark of two inputs, what applyToKeyedState's
 * function may do, and a checkpoint and restore of broadcast state, keyed state and timers
 * (testScaleUp/Down's snapshot half, at the same parallelism).
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
  type TwoInputOperatorSpec,
} from '../../../src/graph/index.js';
import { MapStateDescriptor, type ReadOnlyBroadcastState, type ValueState, ValueStateDescriptor } from '../../../src/state/index.js';
import { FlinkError } from '../../../src/util/errors.js';
import { MIN_TIMESTAMP } from '../../../src/util/time.js';
import type { HarnessOptions, HarnessSnapshot } from '../operators/keyed-operator-harness.js';
import { BACKENDS, type BackendType } from '../../state/backends.js';
import { BroadcastHarness } from './two-input-harness.js';

const RULES = new MapStateDescriptor<string, number>('broadcast-state');
const OTHER = new MapStateDescriptor<number, string>('broadcast-state-A');
const COUNT = new ValueStateDescriptor<number>('count', 0);

type KRo = KeyedBroadcastReadOnlyContext<string>;
type KRw = KeyedBroadcastContext<string>;
type KT = KeyedBroadcastOnTimerContext<string>;
type Out = Collector<string>;

function keyed(fn: KeyedBroadcastProcessFunction<string, string, number, string>, options: HarnessOptions = {}): Promise<BroadcastHarness> {
  const spec: TwoInputOperatorSpec = {
    kind: 'keyedBroadcastProcess',
    fn: fn as KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>,
    descriptors: [RULES, OTHER] as MapStateDescriptor<unknown, unknown>[],
  };
  const noKey = () => {
    throw new Error('a broadcast element has no key');
  };
  return new BroadcastHarness(spec, (v: never) => v, noKey, options).open();
}

function nonKeyed(fn: BroadcastProcessFunction<string, number, string>, options: HarnessOptions = {}): Promise<BroadcastHarness> {
  const spec: TwoInputOperatorSpec = {
    kind: 'broadcastProcess',
    fn: fn as BroadcastProcessFunction<unknown, unknown, unknown>,
    descriptors: [RULES, OTHER] as MapStateDescriptor<unknown, unknown>[],
  };
  return new BroadcastHarness(spec, () => 0, () => 0, options).open();
}

/** `k=v` of every entry, sorted (Flink's tests compare sets: HashMap order). */
function show(state: ReadOnlyBroadcastState<string, number>): string {
  return [...state.immutableEntries()].map(([k, v]) => `${k}=${v}`).sort().join(',');
}

/** `k:v` of every entry of {@link OTHER}, sorted. */
function showOther(state: ReadOnlyBroadcastState<number, string>): string {
  return [...state.immutableEntries()].map(([k, v]) => `${k}:${v}`).sort().join(',');
}

/** `value@ts` of each record, `WM:t` of each watermark, in output order. */
function rendered(h: BroadcastHarness): string[] {
  return h.output.map((e) => ('watermark' in e ? `WM:${e.watermark}` : `${String(e.value)}@${e.timestamp}`));
}

function setProcessingTime(h: BroadcastHarness, t: number): void {
  h.clock.set(t);
  h.operator.advanceProcessingTime(t);
}

/**
 * Every write through the read-only view, each as `<method>: <code>` (or `took it`). Flink's
 * ReadOnlyBroadcastState has no put/putAll/remove; clear() it inherits from State and lets
 * through — refused here too (README: where flink-ts differs).
 */
function tryWrites(state: ReadOnlyBroadcastState<string, number>): string[] {
  const writable = state as unknown as { put(k: string, v: number): void; putAll(e: Iterable<[string, number]>): void; remove(k: string): void; clear(): void };
  const attempts: Array<[string, () => void]> = [
    ['put', () => writable.put('x', 1)],
    ['putAll', () => writable.putAll([['y', 2]])],
    ['remove', () => writable.remove('r1')],
    ['clear', () => writable.clear()],
  ];
  return attempts.map(([name, write]) => {
    try {
      write();
      return `${name}: took it`;
    } catch (err) {
      return `${name}: ${err instanceof FlinkError ? err.code : String(err)}`;
    }
  });
}

const REFUSED = ['put: state.broadcastReadOnly', 'putAll: state.broadcastReadOnly', 'remove: state.broadcastReadOnly', 'clear: state.broadcastReadOnly'];

describe('the read-only broadcast state of the non-broadcast side', () => {
  test('keyed: processElement and onTimer read (get, contains, immutableEntries) but every write is refused and changes nothing', async () => {
    const log: string[] = [];
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement(v: number, ctx: KRw) {
        ctx.getBroadcastState(RULES).put(`r${v}`, v);
      }
      processElement(_v: string, ctx: KRo, out: Out) {
        const state = ctx.getBroadcastState(RULES);
        log.push(...tryWrites(state));
        out.collect(`${show(state)} get(r1)=${state.get('r1')} contains(x)=${state.contains('x')}`);
        ctx.timerService().registerEventTimeTimer(20);
      }
      override onTimer(_t: number, ctx: KT, out: Out) {
        const state = ctx.getBroadcastState(RULES);
        log.push(...tryWrites(state));
        out.collect(`timer ${show(state)}`);
      }
    }
    const h = await keyed(new Fn());
    h.processBroadcast(1, 1);
    h.processBroadcast(2, 2);
    h.processElement1('a', 3);
    h.processWatermark1(20);
    h.processWatermark2(20);
    assert.deepEqual(rendered(h), ['r1=1,r2=2 get(r1)=1 contains(x)=false@3', 'timer r1=1,r2=2@20', 'WM:20']);
    assert.deepEqual(log, [...REFUSED, ...REFUSED]);
  });

  test('non-keyed: the same refusals; the broadcast side may put, remove and clear', async () => {
    const log: string[] = [];
    class Fn extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        const state = ctx.getBroadcastState(RULES);
        if (v > 0) state.put(`r${v}`, v);
        else if (v === 0) state.clear();
        else state.remove(`r${-v}`);
      }
      processElement(v: string, ctx: BroadcastReadOnlyContext, out: Out) {
        log.push(...tryWrites(ctx.getBroadcastState(RULES)));
        out.collect(`${v}: ${show(ctx.getBroadcastState(RULES))}`);
      }
    }
    const h = await nonKeyed(new Fn());
    h.processBroadcast(1);
    h.processBroadcast(2);
    h.processBroadcast(3);
    h.processElement1('a');
    h.processBroadcast(-2);
    h.processElement1('b');
    h.processBroadcast(0);
    h.processBroadcast(4);
    h.processElement1('c');
    assert.deepEqual(
      h.records().map((r) => r.value),
      ['a: r1=1,r2=2,r3=3', 'b: r1=1,r3=3', 'c: r4=4'],
    );
    assert.deepEqual(log, [...REFUSED, ...REFUSED, ...REFUSED]);
  });

  test("a descriptor is found by its name: one made anew (as BroadcastStateITCase makes it in open()) reaches the same state", async () => {
    class Fn extends BroadcastProcessFunction<string, number, string> {
      private rules!: MapStateDescriptor<string, number>;
      override open() {
        this.rules = new MapStateDescriptor<string, number>('broadcast-state');
      }
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        ctx.getBroadcastState(this.rules).put(`r${v}`, v);
      }
      processElement(v: string, ctx: BroadcastReadOnlyContext, out: Out) {
        out.collect(`${v}: ${show(ctx.getBroadcastState(RULES))} / ${show(ctx.getBroadcastState(this.rules))}`);
      }
    }
    const h = await nonKeyed(new Fn());
    h.processBroadcast(7);
    h.processElement1('a');
    assert.deepEqual(h.records().map((r) => r.value), ['a: r7=7 / r7=7']);
  });
});

describe('time on both sides', () => {
  test('the watermark is the minimum of both inputs: timers and currentWatermark() on either side follow it, not one input', async () => {
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement(v: number, ctx: KRw, out: Out) {
        out.collect(`BR:${v} WM:${ctx.currentWatermark()}`);
      }
      processElement(v: string, ctx: KRo, out: Out) {
        ctx.timerService().registerEventTimeTimer(7);
        out.collect(`NON-BR:${v} WM:${ctx.currentWatermark()}`);
      }
      override onTimer(t: number, ctx: KT, out: Out) {
        out.collect(`TIMER:${t} WM:${ctx.currentWatermark()}`);
      }
    }
    const h = await keyed(new Fn());
    h.processElement1('a', 1);
    h.processWatermark1(10); // the broadcast input has none yet: nothing advances
    h.processBroadcast(1, 2);
    h.processWatermark2(5);
    h.processBroadcast(2, 6);
    h.processWatermark2(20); // min(10, 20): the timer at 7 fires
    h.processElement1('b', 11);
    const min = `${MIN_TIMESTAMP}`;
    assert.deepEqual(rendered(h), [`NON-BR:a WM:${min}@1`, `BR:1 WM:${min}@2`, 'WM:5', 'BR:2 WM:5@6', 'TIMER:7 WM:10@7', 'WM:10', 'NON-BR:b WM:10@11']);
  });

  test('currentProcessingTime() is the clock on both sides and in onTimer; a processing-time timer from processElement fires for its key, and onTimer may set another', async () => {
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processBroadcastElement(v: number, ctx: KRw, out: Out) {
        out.collect(`BR:${v} PT:${ctx.currentProcessingTime()}`);
      }
      processElement(v: string, ctx: KRo, out: Out) {
        ctx.timerService().registerProcessingTimeTimer(ctx.currentProcessingTime() + 10);
        out.collect(`NON-BR:${v} PT:${ctx.currentProcessingTime()}`);
      }
      override onTimer(t: number, ctx: KT, out: Out) {
        out.collect(`TIMER:${t} ${ctx.timeDomain()} key=${ctx.getCurrentKey()} ts=${ctx.timestamp()} PT:${ctx.currentProcessingTime()}`);
        if (t < 20) ctx.timerService().registerProcessingTimeTimer(t + 10);
      }
    }
    const h = await keyed(new Fn());
    setProcessingTime(h, 3);
    h.processElement1('a', 1);
    setProcessingTime(h, 5);
    h.processBroadcast(9, 2);
    setProcessingTime(h, 13);
    setProcessingTime(h, 30);
    assert.deepEqual(
      h.records().map((r) => r.value),
      ['NON-BR:a PT:3', 'BR:9 PT:5', 'TIMER:13 PROCESSING_TIME key=a ts=13 PT:13', 'TIMER:23 PROCESSING_TIME key=a ts=23 PT:30'],
    );
  });
});

describe('applyToKeyedState', () => {
  for (const backend of BACKENDS) {
    test(`${backend}: its function may update the visited key's state and any other keyed state of that key; the key before the call comes back`, async () => {
      const TOTAL = new ValueStateDescriptor<number>('total', 0);
      class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
        processElement(v: string, _ctx: KRo, out: Out) {
          const count = this.getRuntimeContext().getState(COUNT);
          count.update(count.value()! + 1);
          out.collect(`${v} count=${count.value()} total=${this.getRuntimeContext().getState(TOTAL).value()}`);
        }
        processBroadcastElement(bonus: number, ctx: KRw, out: Out) {
          ctx.applyToKeyedState(COUNT, (key, state) => {
            const total = this.getRuntimeContext().getState(TOTAL);
            total.update(state.value()! + bonus);
            state.update(state.value()! * 10);
            out.collect(`visit ${key}`);
          });
          // Outside it, keyed state is the last keyed record's ('b'), as before the call.
          out.collect(`after: count=${this.getRuntimeContext().getState(COUNT).value()}`);
        }
      }
      const h = await keyed(new Fn(), { backend });
      h.processElement1('a');
      h.processElement1('a');
      h.processElement1('b');
      h.processBroadcast(100);
      h.processElement1('a');
      h.processElement1('b');
      h.processElement1('c');
      const out = h.records().map((r) => r.value as string);
      assert.deepEqual(out.slice(0, 3), ['a count=1 total=0', 'a count=2 total=0', 'b count=1 total=0']);
      assert.deepEqual(out.slice(3, 5).sort(), ['visit a', 'visit b']);
      assert.equal(out[5], 'after: count=10');
      assert.deepEqual(out.slice(6), ['a count=21 total=102', 'b count=11 total=101', 'c count=1 total=0']);
    });
  }

  test("Flink's KeyedStateFunction shape: an object's process(key, state) is called per key, as a method; anything else is refused in one line", async () => {
    class Scale {
      constructor(private readonly by: number) {}
      process(key: string, state: ValueState<number>) { state.update(state.value()! * this.by); }
    }
    class Fn extends KeyedBroadcastProcessFunction<string, string, number, string> {
      processElement(v: string, _ctx: KRo, out: Out) {
        const count = this.getRuntimeContext().getState(COUNT);
        count.update(count.value()! + 1);
        out.collect(`${v}=${count.value()}`);
      }
      processBroadcastElement(by: number, ctx: KRw) {
        ctx.applyToKeyedState(COUNT, by > 0 ? new Scale(by) : ({ apply: () => {} } as never));
      }
    }
    const h = await keyed(new Fn());
    h.processElement1('a');
    h.processElement1('b');
    h.processBroadcast(10);
    h.processElement1('a');
    assert.deepEqual(h.records().map((r) => r.value), ['a=1', 'b=1', 'a=11']);
    assert.throws(() => h.processBroadcast(-1), /applyToKeyedState needs a function \(key, state\) => void or an object with process\(key, state\), got /);
  });
});

describe('checkpoint and restore', () => {
  class Rules extends KeyedBroadcastProcessFunction<string, string, number, string> {
    processBroadcastElement(v: number, ctx: KRw) {
      ctx.getBroadcastState(RULES).put(`r${v}`, v);
      ctx.getBroadcastState(OTHER).put(v, `v${v}`);
    }
    processElement(v: string, ctx: KRo, out: Out) {
      const count = this.getRuntimeContext().getState(COUNT);
      count.update(count.value()! + 1);
      if (count.value() === 1) {
        ctx.timerService().registerEventTimeTimer(100);
        ctx.timerService().registerProcessingTimeTimer(50);
      }
      out.collect(`${v} count=${count.value()} ${show(ctx.getBroadcastState(RULES))}`);
    }
    override onTimer(t: number, ctx: KT, out: Out) {
      const count = this.getRuntimeContext().getState(COUNT).value();
      out.collect(`${ctx.timeDomain()} ${t} key=${ctx.getCurrentKey()} count=${count} ${show(ctx.getBroadcastState(RULES))} ${showOther(ctx.getBroadcastState(OTHER))}`);
    }
  }

  async function before(backend: BackendType): Promise<HarnessSnapshot> {
    const h = await keyed(new Rules(), { backend });
    h.processBroadcast(1);
    h.processBroadcast(2);
    h.processElement1('a', 5);
    h.processElement1('b', 6);
    h.processElement1('a', 7);
    const snapshot = h.snapshot();
    await h.close();
    return snapshot;
  }

  for (const backend of BACKENDS) {
    test(`keyed, ${backend}: both broadcast states, the keyed side's state and both kinds of timers come back`, async () => {
      const h = await keyed(new Rules(), { backend, restore: await before(backend) });
      h.processElement1('a', 8);
      h.processBroadcast(3);
      setProcessingTime(h, 50);
      h.processWatermark1(100);
      h.processWatermark2(100);
      const out = h.records().map((r) => r.value as string);
      assert.equal(out[0], 'a count=3 r1=1,r2=2');
      assert.deepEqual(out.slice(1, 3).sort(), [
        'PROCESSING_TIME 50 key=a count=3 r1=1,r2=2,r3=3 1:v1,2:v2,3:v3',
        'PROCESSING_TIME 50 key=b count=1 r1=1,r2=2,r3=3 1:v1,2:v2,3:v3',
      ]);
      assert.deepEqual(out.slice(3).sort(), [
        'EVENT_TIME 100 key=a count=3 r1=1,r2=2,r3=3 1:v1,2:v2,3:v3',
        'EVENT_TIME 100 key=b count=1 r1=1,r2=2,r3=3 1:v1,2:v2,3:v3',
      ]);
    });
  }

  test('non-keyed: every broadcast state of the operator comes back (testMultiStateSupport after a restore)', async () => {
    class Fn extends BroadcastProcessFunction<string, number, string> {
      processBroadcastElement(v: number, ctx: BroadcastContext) {
        ctx.getBroadcastState(RULES).put(`key.${v}`, v);
        ctx.getBroadcastState(OTHER).put(v, `value.${v}`);
      }
      processElement(v: string, ctx: BroadcastReadOnlyContext, out: Out) {
        out.collect(`${v}: ${show(ctx.getBroadcastState(RULES))} ${showOther(ctx.getBroadcastState(OTHER))}`);
      }
    }
    const first = await nonKeyed(new Fn());
    first.processBroadcast(5, 12);
    first.processBroadcast(6, 13);
    const snapshot = first.snapshot();
    await first.close();
    const h = await nonKeyed(new Fn(), { restore: snapshot });
    h.processElement1('9', 15);
    assert.deepEqual(rendered(h), ['9: key.5=5,key.6=6 5:value.5,6:value.6@15']);
  });

  test("every subtask's snapshot holds the same broadcast state, whatever its keyed side saw (testScaleUp's premise)", async () => {
    const subtask = async (keys: string[]) => {
      const h = await keyed(new Rules());
      h.processElement1(keys[0]!, 1);
      h.processBroadcast(3);
      for (const k of keys.slice(1)) h.processElement1(k, 2);
      h.processBroadcast(4);
      const snapshot = h.snapshot();
      await h.close();
      return snapshot;
    };
    const one = await subtask(['test1', 'test2']);
    const two = await subtask(['test3', 'test3', 'test4']);
    const broadcastLists = (s: HarnessSnapshot) => [...s.lists!].filter(([, l]) => l.mode === 'broadcast');
    assert.deepEqual(broadcastLists(one), [
      ['broadcast-state', { mode: 'broadcast', values: [['r3', 3], ['r4', 4]] }],
      ['broadcast-state-A', { mode: 'broadcast', values: [[3, 'v3'], [4, 'v4']] }],
    ]);
    assert.deepEqual(broadcastLists(two), broadcastLists(one));
    assert.notDeepEqual(two.blocks, one.blocks);
  });
});
