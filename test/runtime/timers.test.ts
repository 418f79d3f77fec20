import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { collectInto, runJob } from '../helpers/run-job.js';


describe('processing-time timers', () => {
  test('fire in time order with the key and state of their registration; one per key and time', async () => {
    const clock = new ManualClock(1_000_000);
    const out: string[] = [];
    // Each record advances the manual clock by 1 s before registering a timer 2.5 s ahead.
    class Remind extends KeyedProcessFunction<string, number, string> {
      private last!: ValueState<number>;
      override open(): void {
        this.last = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('last'));
      }
      processElement(v: number, ctx: KeyedProcessContext<string>): void {
        clock.advance(1000);
        this.last.update(v);
        const t = ctx.timerService().currentProcessingTime() + 2500;
        ctx.timerService().registerProcessingTimeTimer(t);
        ctx.timerService().registerProcessingTimeTimer(t); // a duplicate is a no-op
      }
      override onTimer(ts: number, ctx: OnTimerContext<string>, o: Collector<string>): void {
        o.collect(`${ctx.getCurrentKey()}@${ts - 1_000_000} last=${this.last.value()} ${ctx.timeDomain()}`);
      }
    }
    await runJob(
      (env) => {
        env
          .fromSequence(1, 10)
          .keyBy((v) => (v % 2 === 0 ? 'even' : 'odd'))
          .process(new Remind())
          .addSink(collectInto(out));
      },
      { clock },
    );
    // The input is one batch, so timers are first checked at +10 s: those due by then fire in
    // time order, each with its own key's state; the three due later are dropped at end of input.
    assert.deepEqual(out, [
      'odd@3500 last=9 PROCESSING_TIME',
      'even@4500 last=10 PROCESSING_TIME',
      'odd@5500 last=9 PROCESSING_TIME',
      'even@6500 last=10 PROCESSING_TIME',
      'odd@7500 last=9 PROCESSING_TIME',
      'even@8500 last=10 PROCESSING_TIME',
      'odd@9500 last=9 PROCESSING_TIME',
    ]);
  });

  test('deleted timers do not fire; timers not yet due at end of input are dropped', async () => {
    const clock = new ManualClock(1000);
    const out: string[] = [];
    // Every 100+v timer is already due when registered; the 1_000_000 one never is.
    class DeleteSome extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>): void {
        ctx.timerService().registerProcessingTimeTimer(100 + v);
        ctx.timerService().registerProcessingTimeTimer(1_000_000); // never due
        if (v % 2 === 0) ctx.timerService().deleteProcessingTimeTimer(100 + v);
      }
      override onTimer(ts: number, ctx: OnTimerContext<number>, o: Collector<string>): void {
        o.collect(`${ctx.getCurrentKey()}:${ts}`);
      }
    }
    await runJob(
      (env) => {
        env.fromSequence(1, 6).keyBy((v) => v).process(new DeleteSome()).addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(out.sort(), ['1:101', '3:103', '5:105']);
  });

  test('timers of a running job fire while it runs, between batches', async () => {
    const out: string[] = [];
    class Every extends KeyedProcessFunction<string, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<string>): void {
        if (v === 0) ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 30);
      }
      override onTimer(_ts: number, ctx: OnTimerContext<string>, o: Collector<string>): void {
        o.collect(`fired ${ctx.getCurrentKey()}`);
      }
    }
    const { DataGeneratorSource, WatermarkStrategy } = await import('../../src/index.js');
    await runJob((env) => {
      env
        .fromSource(new DataGeneratorSource((i) => i, 20, { recordsPerSecond: 200 }), WatermarkStrategy.noWatermarks(), 'slow')
        .keyBy(() => 'k')
        .process(new Every())
        .addSink(collectInto(out));
    });
    // 20 records at 200/s take ~100 ms, so the 30 ms timer is due before the input ends.
    assert.deepEqual(out, ['fired k']);
  });
});
