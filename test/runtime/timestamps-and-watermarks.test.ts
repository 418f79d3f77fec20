/*
 * `assignTimestampsAndWatermarks` as Flink's TimestampsAndWatermarksOperator: timestamps from
 * the assigner (which sees the record's previous timestamp), a generator per subtask run
 * periodically or on events, and upstream watermarks dropped — all but the one that ends the
 * input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  Duration,
  KeyedProcessFunction,
  type KeyedProcessContext,
  Watermark,
  WatermarkStrategy,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../src/util/time.js';
import { collectInto, runJob } from '../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../helpers/scripted-source.js';

class Observe extends KeyedProcessFunction<string, number, string> {
  processElement(v: number, ctx: KeyedProcessContext<string>, out: Collector<string>): void {
    const wm = ctx.timerService().currentWatermark();
    out.collect(`${v} ts=${ctx.timestamp()} wm=${wm === MIN_TIMESTAMP ? 'MIN' : wm === MAX_TIMESTAMP ? 'MAX' : wm}`);
  }
}

/** Three polls, 100 ms of processing time apart; records carry source timestamps 1, 2, 3, … */
function script(values: number[][]): ScriptStep<number>[] {
  let ts = 0;
  return values.map((records, i) => ({ records: records.map((value) => ({ value, timestamp: ++ts })), advance: i < values.length - 1 ? 100 : 0 }));
}

describe('assignTimestampsAndWatermarks', () => {
  test('assigns timestamps (the assigner sees the previous one) and emits bounded out-of-orderness watermarks periodically', async () => {
    const clock = new ManualClock(0);
    const previous: number[] = [];
    const out: string[] = [];
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        env
          .fromSource(new ScriptedSource(script([[10, 30], [20, 50], [45]]), clock), WatermarkStrategy.noWatermarks(), 'scripted')
          .map((v) => v)
          .assignTimestampsAndWatermarks(
            WatermarkStrategy.forBoundedOutOfOrderness<number>(Duration.ofMillis(3)).withTimestampAssigner((v, prev) => {
              previous.push(prev);
              return v;
            }),
          )
          .keyBy(() => 'k')
          .process(new Observe())
          .addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(previous, [1, 2, 3, 4, 5]);
    assert.deepEqual(out, ['10 ts=10 wm=MIN', '30 ts=30 wm=MIN', '20 ts=20 wm=26', '50 ts=50 wm=26', '45 ts=45 wm=46']);
  });

  test('drops the watermarks from upstream except the final one; a punctuated generator emits on events', async () => {
    const clock = new ManualClock(0);
    const out: string[] = [];
    const everyTen = WatermarkStrategy.forGenerator<number>(() => ({
      onEvent(v, ts, output) {
        if (v % 10 === 0) output.emitWatermark(new Watermark(ts));
      },
      onPeriodicEmit() {},
    })).withTimestampAssigner((v) => v);
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        env
          // Upstream watermarks run far ahead (source timestamps × 1000) and are dropped.
          .fromSource(
            new ScriptedSource(script([[5, 10], [15, 20], [25]]), clock),
            WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v * 1000),
            'ahead',
          )
          .assignTimestampsAndWatermarks(everyTen)
          .keyBy(() => 'k')
          .process(new Observe())
          .addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(out, ['5 ts=5 wm=MIN', '10 ts=10 wm=MIN', '15 ts=15 wm=10', '20 ts=20 wm=10', '25 ts=25 wm=20']);
  });
});
