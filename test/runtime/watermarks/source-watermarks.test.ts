/*
 * The watermarks a source subtask emits into its chain, checked at the source (the task's valve
 * downstream would mend a missing final watermark, so the guarantees are tested here, where they
 * live): forwarding is monotonic and idleness is sent only when it changes (Flink's
 * WatermarkEmitter); a source ends with the maximum watermark, whatever its strategy, and emits
 * nothing after it. Driven by hand: no clock moves unless a test moves it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Watermark, WatermarkStrategy } from '../../../src/graph/index.js';
import type { Output } from '../../../src/runtime/output.js';
import { RecordContext } from '../../../src/runtime/record-context.js';
import { createSourceWatermarks } from '../../../src/runtime/sources/source-watermarks.js';
import { WatermarkEmitter } from '../../../src/runtime/watermarks/watermark-emitter.js';
import { ManualClock } from '../../../src/util/clock.js';
import { Duration, MAX_TIMESTAMP } from '../../../src/util/time.js';

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
