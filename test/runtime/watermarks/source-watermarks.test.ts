/*
 * The watermarks a source subtask emits into its chain, checked at the source (the task's valve
 * downstream would mend a missing final watermark, so the guarantees are tested here, where they
 * live): forwarding is monotonic and idleness is sent only when it changes (Flink's
 * WatermarkEmitter); a source ends with the maximum watermark, whatever its strategy, and emits
 * nothing after it. Driven by hand: no clock moves unless a test moves it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IndexRangeReader } from '../../../src/connectors/index-range-reader.js';
import { type ReaderOutput, Watermark, WatermarkStrategy } from '../../../src/graph/index.js';
import type { Output } from '../../../src/runtime/output.js';
import { RecordContext } from '../../../src/runtime/record-context.js';
import { createSourceWatermarks } from '../../../src/runtime/sources/source-watermarks.js';
import { WatermarkEmitter } from '../../../src/runtime/watermarks/watermark-emitter.js';
import { PartialWatermark, WatermarkOutputMultiplexer } from '../../../src/runtime/watermarks/watermark-output-multiplexer.js';
import { ManualClock } from '../../../src/util/clock.js';
import { Duration, MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../../src/util/time.js';

/** An operator output that records watermarks and idleness in order (records as `record <v>`). */
class ChainRecorder implements Output<unknown> {
  readonly events: string[] = [];
  collect(value: unknown): void {
    this.events.push(`record ${String(value)}`);
  }
  emitWatermark(timestamp: number): void {
    this.events.push(timestamp === MAX_TIMESTAMP ? 'wm MAX' : `wm ${timestamp}`);
  }
  emitWatermarkStatus(idle: boolean): void {
    this.events.push(idle ? 'idle' : 'active');
  }
}

describe('WatermarkEmitter', () => {
  test('forwards only watermarks above the last one: a generator going back is not passed on', () => {
    const chain = new ChainRecorder();
    const emitter = new WatermarkEmitter(chain);
    for (const t of [10, 5, 10, 12, 11]) emitter.emitWatermark(new Watermark(t));
    assert.deepEqual(chain.events, ['wm 10', 'wm 12']);
    assert.equal(emitter.currentWatermark, 12);
  });

  test('idleness only when it changes; a new watermark makes an idle output active first', () => {
    const chain = new ChainRecorder();
    const emitter = new WatermarkEmitter(chain);
    emitter.markActive();
    emitter.markIdle();
    emitter.markIdle();
    emitter.emitWatermark(new Watermark(3));
    emitter.markIdle();
    emitter.emitWatermark(new Watermark(2));
    assert.deepEqual(chain.events, ['idle', 'active', 'wm 3', 'idle'], 'a watermark that does not advance leaves the output idle');
  });
});

describe('a source ends with the maximum watermark', () => {
  const strategies: Array<[string, WatermarkStrategy<unknown>]> = [
    ['noWatermarks (records keep the reader’s timestamps)', WatermarkStrategy.noWatermarks()],
    ['bounded out-of-orderness', WatermarkStrategy.forBoundedOutOfOrderness(Duration.ofMillis(5)).withTimestampAssigner((v) => v as number)],
    ['monotonous timestamps with idleness', WatermarkStrategy.forMonotonousTimestamps().withTimestampAssigner((v) => v as number).withIdleness(Duration.ofSeconds(1))],
  ];
  for (const [name, strategy] of strategies) {
    test(`${name}: after its records, once, and nothing after it`, () => {
      const chain = new ChainRecorder();
      const sw = createSourceWatermarks({ strategy, chain, recordContext: new RecordContext(), clock: new ManualClock(0) });
      sw.output.collect(100, 100);
      sw.output.createOutputForSplit('s1').collect(40, 40);
      sw.emitPeriodic();
      sw.endOfInput();
      sw.endOfInput();
      sw.output.emitWatermark(new Watermark(200));
      sw.emitPeriodic();
      const i = chain.events.indexOf('wm MAX');
      assert.ok(i >= 0, `no maximum watermark at the end: ${chain.events.join(', ')}`);
      assert.equal(i, chain.events.length - 1, `something after the maximum watermark: ${chain.events.join(', ')}`);
      assert.equal(chain.events.filter((e) => e === 'wm MAX').length, 1);
    });
  }

  test('per split: the watermark before the end is the minimum over the splits', () => {
    const chain = new ChainRecorder();
    const strategy = WatermarkStrategy.forMonotonousTimestamps<unknown>().withTimestampAssigner((v) => v as number);
    const sw = createSourceWatermarks({ strategy, chain, recordContext: new RecordContext(), clock: new ManualClock(0) });
    sw.output.createOutputForSplit('a').collect(100, 100);
    sw.output.createOutputForSplit('b').collect(40, 40);
    sw.emitPeriodic();
    sw.endOfInput();
    assert.deepEqual(
      chain.events.filter((e) => e.startsWith('wm')),
      ['wm 39', 'wm MAX'],
    );
  });
});

/*
 * Flink's WatermarkOutputMultiplexerTest, on our multiplexer over a WatermarkEmitter: what
 * reaches the chain is the combined watermark when it advances and idleness when it changes.
 * Only the cases of Flink's merged code (FLINK-38454 included: all idle flushes the largest).
 */
describe("WatermarkOutputMultiplexer (Flink's WatermarkOutputMultiplexerTest)", () => {
  function mux() {
    const chain = new ChainRecorder();
    const emitter = new WatermarkEmitter(chain);
    const m = new WatermarkOutputMultiplexer(emitter);
    const register = () => {
      const p = new PartialWatermark();
      m.register(p);
      return p;
    };
    const immediate = () => m.immediate(register());
    const deferred = () => m.deferred(register());
    const last = () => (emitter.currentWatermark === MIN_TIMESTAMP ? null : emitter.currentWatermark);
    return { chain, emitter, m, register, immediate, deferred, last };
  }
  const wm = (t: number) => new Watermark(t);

  test('singleImmediateWatermark / singleImmediateIdleness / singleImmediateWatermarkAfterIdleness', () => {
    const a = mux();
    a.immediate().emitWatermark(wm(0));
    assert.deepEqual(a.chain.events, ['wm 0']);
    const b = mux();
    const out = b.immediate();
    out.markIdle();
    assert.deepEqual(b.chain.events, ['idle']);
    out.emitWatermark(wm(0));
    assert.deepEqual(b.chain.events, ['idle', 'active', 'wm 0']);
  });

  test('multipleImmediateWatermark: an idle output is left out of the minimum', () => {
    const { immediate, chain } = mux();
    const [o1, o2, o3] = [immediate(), immediate(), immediate()];
    o1.emitWatermark(wm(2));
    o2.emitWatermark(wm(5));
    o3.markIdle();
    assert.deepEqual(chain.events, ['wm 2']);
  });

  test('whenImmediateOutputBecomesIdleWatermarkAdvances', () => {
    const { immediate, chain } = mux();
    const [o1, o2] = [immediate(), immediate()];
    o1.emitWatermark(wm(2));
    o2.emitWatermark(wm(5));
    assert.deepEqual(chain.events, ['wm 2']);
    o1.markIdle();
    assert.deepEqual(chain.events, ['wm 2', 'wm 5']);
  });

  test('whenAllImmediateOutputsBecomeIdleWatermarkAdvances: the largest, whichever went idle first', () => {
    for (const order of [[0, 1], [1, 0]]) {
      const { immediate, chain } = mux();
      const outs = [immediate(), immediate()];
      outs[0]!.emitWatermark(wm(5));
      outs[1]!.emitWatermark(wm(2));
      for (const i of order) outs[i]!.markIdle();
      assert.deepEqual(chain.events, ['wm 2', 'wm 5', 'idle'], `idle in order ${order.join(', ')}`);
    }
  });

  test('whenAllDeferredOutputsEmitAndIdleWatermarkAdvances: nothing before the periodic emit, then the largest and idle', () => {
    const { deferred, chain, m } = mux();
    const [o1, o2] = [deferred(), deferred()];
    o1.emitWatermark(wm(5));
    o1.markIdle();
    o2.emitWatermark(wm(2));
    o2.markIdle();
    assert.deepEqual(chain.events, []);
    m.onPeriodicEmit();
    assert.deepEqual(chain.events, ['wm 5', 'idle']);
  });

  test('combinedWatermarkDoesNotRegressWhenIdleOutputRegresses', () => {
    const { immediate, last } = mux();
    const [o1, o2] = [immediate(), immediate()];
    o1.emitWatermark(wm(2));
    o2.emitWatermark(wm(5));
    o1.markIdle();
    assert.equal(last(), 5);
    o1.emitWatermark(wm(3));
    assert.equal(last(), 5);
  });

  test('noCombinedDeferredUpdateWhenWeHaveZeroOutputs / whenRegisteredOutputReportsNothing: nothing at all', () => {
    const a = mux();
    a.m.onPeriodicEmit();
    assert.deepEqual(a.chain.events, []);
    const b = mux();
    b.register();
    b.m.onPeriodicEmit();
    assert.deepEqual(b.chain.events, []);
  });

  test('deferred outputs: nothing until the periodic emit (deferredOutputDoesNotImmediatelyAdvanceWatermark, singleDeferred…, multipleDeferredWatermark)', () => {
    const a = mux();
    const [o1, o2] = [a.deferred(), a.deferred()];
    o1.emitWatermark(wm(0));
    o2.emitWatermark(wm(1));
    assert.equal(a.last(), null);
    a.m.onPeriodicEmit();
    assert.deepEqual(a.chain.events, ['wm 0']);

    const b = mux();
    const out = b.deferred();
    out.markIdle();
    b.m.onPeriodicEmit();
    assert.deepEqual(b.chain.events, ['idle']);
    out.emitWatermark(wm(0));
    b.m.onPeriodicEmit();
    assert.deepEqual(b.chain.events, ['idle', 'active', 'wm 0']);

    const c = mux();
    const [d1, d2, d3] = [c.deferred(), c.deferred(), c.deferred()];
    d1.emitWatermark(wm(2));
    d2.emitWatermark(wm(5));
    d3.markIdle();
    c.m.onPeriodicEmit();
    assert.deepEqual(c.chain.events, ['wm 2']);
  });

  test('immediateUpdatesTakeDeferredUpdatesIntoAccount', () => {
    const { immediate, deferred, chain } = mux();
    const i = immediate();
    deferred().emitWatermark(wm(5));
    assert.deepEqual(chain.events, []);
    i.emitWatermark(wm(2));
    assert.deepEqual(chain.events, ['wm 2']);
  });

  test('one output, immediate and deferred: a lower immediate update neither regresses nor emits', () => {
    const a = mux();
    const p = a.register();
    a.m.deferred(p).emitWatermark(wm(5));
    a.m.onPeriodicEmit();
    a.m.immediate(p).emitWatermark(wm(2));
    a.m.onPeriodicEmit();
    assert.deepEqual(a.chain.events, ['wm 5']);

    const b = mux();
    const q = b.register();
    b.m.deferred(q).emitWatermark(wm(5));
    b.m.immediate(q).emitWatermark(wm(2));
    assert.deepEqual(b.chain.events, []);
  });

  test('unregistering: the lowest no longer holds back the next update, but does not advance by itself; the highest does not retract', () => {
    const a = mux();
    const lower = a.register();
    const higher = a.register();
    a.m.immediate(lower).emitWatermark(wm(156765));
    a.m.unregister(lower);
    a.m.immediate(higher).emitWatermark(wm(156775));
    assert.equal(a.last(), 156775, 'testRemoveUnblocksWatermarks');

    const b = mux();
    const lo = b.register();
    const hi = b.register();
    b.m.immediate(lo).emitWatermark(wm(-4343));
    b.m.immediate(hi).emitWatermark(wm(-4333));
    b.m.unregister(lo);
    assert.equal(b.last(), -4343, 'testRemoveOfLowestDoesNotImmediatelyAdvanceWatermark');

    const c = mux();
    const h = c.register();
    c.m.immediate(h).emitWatermark(wm(2));
    c.m.unregister(h);
    c.m.immediate(c.register()).emitWatermark(wm(1));
    assert.equal(c.last(), 2, 'testRemoveOfHighestDoesNotRetractWatermark');
  });

  // Ours (README, Where this differs): Flink's merged multiplexer stays idle here until a watermark advances.
  test('ours: an output back from idleness without a new watermark makes the combined output active at once', () => {
    const { immediate, chain } = mux();
    const [o1, o2] = [immediate(), immediate()];
    o1.emitWatermark(wm(5));
    o2.emitWatermark(wm(2));
    o1.markIdle();
    o2.markIdle();
    o1.markActive();
    assert.deepEqual(chain.events, ['wm 2', 'wm 5', 'idle', 'active']);
  });
});

/*
 * Flink's SourceOperatorEventTimeTest and SourceOutputWithWatermarksTest: a reader's polls, one
 * periodic emission after each (Flink's test advances processing time past the interval between
 * polls), then the end of input.
 */
describe("per-split source watermarks (Flink's SourceOperatorEventTimeTest)", () => {
  type Action = (output: ReaderOutput<unknown>) => void;
  /** Flink's OnEventTestWatermarkGenerator: a watermark at each event's timestamp. */
  const onEvent = WatermarkStrategy.forGenerator<unknown>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(new Watermark(ts)),
    onPeriodicEmit: () => {},
  }));
  /** Flink's OnPeriodicTestWatermarkGenerator: the last event's timestamp, at each periodic emit once there was one. */
  const onPeriodic = WatermarkStrategy.forGenerator<unknown>(() => {
    let last: number | undefined;
    return {
      onEvent: (_e, ts) => void (last = ts),
      onPeriodicEmit: (out) => last !== undefined && out.emitWatermark(new Watermark(last)),
    };
  });
  function watermarksOf(strategy: WatermarkStrategy<unknown>, actions: Action[]): string[] {
    const chain = new ChainRecorder();
    const sw = createSourceWatermarks({ strategy, chain, recordContext: new RecordContext(), clock: new ManualClock(0) });
    for (const act of actions) {
      act(sw.output);
      sw.emitPeriodic();
    }
    sw.endOfInput();
    return chain.events.filter((e) => e.startsWith('wm'));
  }
  const main: Action[] = [(o) => o.collect(0, 100), (o) => o.collect(0, 120), (o) => o.collect(0, 110)];
  const perSplit: Action[] = [
    (o) => void (o.createOutputForSplit('A'), o.createOutputForSplit('B')),
    (o) => o.createOutputForSplit('A').collect(0, 100),
    (o) => o.createOutputForSplit('B').collect(0, 200),
    (o) => o.createOutputForSplit('A').collect(0, 150),
    (o) => o.releaseOutputForSplit('A'),
    (o) => o.createOutputForSplit('B').collect(0, 200),
  ];
  const cases: Array<[string, WatermarkStrategy<unknown>, Action[], string[]]> = [
    ['testMainOutputPeriodicWatermarks', onPeriodic, main, ['wm 100', 'wm 120', 'wm MAX']],
    ['testMainOutputEventWatermarks', onEvent, main, ['wm 100', 'wm 120', 'wm MAX']],
    ['testPerSplitOutputPeriodicWatermarks: the minimum over the splits; a released split no longer counts', onPeriodic, perSplit, ['wm 100', 'wm 150', 'wm 200', 'wm MAX']],
    ['testPerSplitOutputEventWatermarks', onEvent, perSplit, ['wm 100', 'wm 150', 'wm 200', 'wm MAX']],
  ];
  for (const [name, strategy, actions, expected] of cases) {
    test(name, () => assert.deepEqual(watermarksOf(strategy, actions), expected));
  }

  test('every split idle (withIdleness): the largest split watermark, then idle; a record makes it active again', () => {
    const chain = new ChainRecorder();
    const clock = new ManualClock(0);
    const strategy = WatermarkStrategy.forMonotonousTimestamps<unknown>().withIdleness(Duration.ofMillis(10));
    const sw = createSourceWatermarks({ strategy, chain, recordContext: new RecordContext(), clock });
    sw.output.createOutputForSplit('A').collect(0, 50);
    sw.output.createOutputForSplit('B').collect(0, 20);
    sw.emitPeriodic();
    sw.emitPeriodic(); // starts both idleness countdowns
    clock.advance(11);
    sw.emitPeriodic();
    assert.deepEqual(chain.events.filter((e) => e !== 'record 0'), ['wm 19', 'wm 49', 'idle']);
    sw.output.createOutputForSplit('B').collect(0, 30);
    sw.emitPeriodic();
    assert.deepEqual(chain.events.filter((e) => e !== 'record 0').slice(3), ['active'], 'B at 29 is behind the 49 already emitted');
  });

  test("SourceOutputWithWatermarksTest: a record without a timestamp has none (MIN); a punctuated watermark follows its record", () => {
    const chain = new ChainRecorder();
    const rc = new RecordContext();
    const stamps: number[] = [];
    const recording: Output<unknown> = {
      collect: (v) => void (stamps.push(rc.timestamp), chain.collect(v)),
      emitWatermark: (t) => chain.emitWatermark(t),
      emitWatermarkStatus: (idle) => chain.emitWatermarkStatus(idle),
    };
    const sw = createSourceWatermarks({ strategy: onEvent, chain: recording, recordContext: rc, clock: new ManualClock(0) });
    sw.output.collect(17);
    sw.output.collect(42, 12345);
    assert.deepEqual(stamps, [MIN_TIMESTAMP, 12345]);
    // The generator's watermark at MIN for the first record is no advance, so it is not passed on.
    assert.deepEqual(chain.events, ['record 17', 'record 42', 'wm 12345']);
  });
});

// Flink's FLINK-26018 (SourceOperatorEventTimeTest.testCreatingPerSplitOutputOnSplitAddition):
// every split assigned counts before any is read, so a split read first cannot push the
// watermark past the others' records.
test('a reader with several splits: no watermark passes a split that has not been read yet', () => {
  const chain = new ChainRecorder();
  const punctuated = WatermarkStrategy.forGenerator<number>(() => ({
    onEvent: (_e, ts, out) => out.emitWatermark(new Watermark(ts)),
    onPeriodicEmit: () => {},
  }));
  const sw = createSourceWatermarks({ strategy: punctuated as WatermarkStrategy<unknown>, chain, recordContext: new RecordContext(), clock: new ManualClock(0) });
  const reader = new IndexRangeReader((i) => i, new ManualClock(0), undefined, (i) => i);
  reader.addSplits([{ next: 10, end: 20, stride: 1 }, { next: 0, end: 10, stride: 1 }]);
  reader.pollNext(sw.output as ReaderOutput<number>, 4);
  assert.deepEqual(chain.events, ['record 10', 'record 11', 'record 0', 'wm 0', 'record 1', 'wm 1']);
});
