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
import { TimestampsAndWatermarksOperator } from '../../src/runtime/operators/timestamps-and-watermarks-operator.js';
import type { OperatorContext } from '../../src/runtime/operators/stream-operator.js';
import { RecordContext } from '../../src/runtime/record-context.js';
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

/*
 * Flink's TimestampsAndWatermarksOperatorTest, on the operator alone: a manual clock stands in for
 * the processing-time service (interval 50 ms, as there) and the output records each record with
 * the timestamp it left with, each watermark and each status, in order.
 */
describe("TimestampsAndWatermarksOperator (Flink's TimestampsAndWatermarksOperatorTest)", () => {
  const INTERVAL = 50;
  function harness<T>(strategy: WatermarkStrategy<T>) {
    const clock = new ManualClock(0);
    const rc = new RecordContext();
    const ctx = { clock, recordContext: rc, node: { name: 'assigner' } } as unknown as OperatorContext;
    const op = new TimestampsAndWatermarksOperator(ctx, strategy as WatermarkStrategy<unknown>, INTERVAL);
    const out: string[] = [];
    op.output = {
      collect: (v) => void out.push(`${JSON.stringify(v)}@${rc.timestamp}`),
      emitWatermark: (t) => void out.push(t === MAX_TIMESTAMP ? 'wm MAX' : `wm ${t}`),
      emitWatermarkStatus: (idle) => void out.push(idle ? 'idle' : 'active'),
    };
    return {
      out,
      element(v: T, timestamp: number) {
        rc.timestamp = timestamp;
        op.collect(v);
      },
      /** Flink's setProcessingTime: fires the periodic emission when it is due. */
      setProcessingTime(t: number) {
        clock.advance(t - clock.now());
        op.advanceProcessingTime(t);
      },
      op,
    };
  }
  /** Flink's PeriodicWatermarkGenerator: the last event's timestamp − 1, even if that goes back. */
  const periodic = WatermarkStrategy.forGenerator<number>(() => {
    let current = MIN_TIMESTAMP;
    return {
      onEvent: (_e, ts) => void (current = ts),
      onPeriodicEmit: (o) => o.emitWatermark(new Watermark(current === MIN_TIMESTAMP ? MIN_TIMESTAMP : current - 1)),
    };
  }).withTimestampAssigner((v) => v);
  /** Flink's PunctuatedWatermarkGenerator: a watermark at the event's value when its flag is set. */
  const punctuated = WatermarkStrategy.forGenerator<[boolean, number]>(() => ({
    onEvent: (e, _ts, o) => e[0] && o.emitWatermark(new Watermark(e[1])),
    onPeriodicEmit: () => {},
  })).withTimestampAssigner((e) => e[1]);

  test('inputWatermarksAreNotForwarded / inputStatusesAreNotForwarded', () => {
    const h = harness(periodic);
    h.op.processWatermark(42);
    h.op.processWatermarkStatus(true);
    h.setProcessingTime(INTERVAL);
    assert.deepEqual(h.out, []);
  });

  test('longMaxInputWatermarkIsForwarded, and nothing after it', () => {
    const h = harness(periodic);
    h.op.processWatermark(MAX_TIMESTAMP);
    h.setProcessingTime(INTERVAL);
    h.op.endInput();
    assert.deepEqual(h.out, ['wm MAX']);
  });

  test('periodicWatermarksEmitOnPeriodicEmit: each record gets its timestamp; the watermark only at the interval', () => {
    const h = harness(periodic);
    h.element(2, 1);
    assert.deepEqual(h.out, ['2@2'], 'periodicWatermarksOnlyEmitOnPeriodicEmit');
    h.setProcessingTime(INTERVAL);
    h.element(4, 1);
    h.setProcessingTime(INTERVAL * 2);
    assert.deepEqual(h.out, ['2@2', 'wm 1', '4@4', 'wm 3']);
  });

  test('periodicWatermarksDoNotRegress', () => {
    const h = harness(periodic);
    h.element(4, 1);
    h.setProcessingTime(INTERVAL);
    h.element(2, 1);
    h.setProcessingTime(INTERVAL * 2);
    assert.deepEqual(h.out, ['4@4', 'wm 3', '2@2']);
  });

  test('punctuatedWatermarksEmitImmediately, each after its record, and do not regress', () => {
    const h = harness(punctuated);
    h.element([true, 2], 1);
    h.element([true, 4], 1);
    h.element([true, 3], 1);
    assert.deepEqual(h.out, ['[true,2]@2', 'wm 2', '[true,4]@4', 'wm 4', '[true,3]@3']);
  });

  test('testNegativeTimestamps: every timestamp is kept as assigned', () => {
    const h = harness(WatermarkStrategy.forGenerator<number>(() => ({ onEvent: () => {}, onPeriodicEmit: () => {} })).withTimestampAssigner((v) => v));
    const values = [MIN_TIMESTAMP + 1, -1, 0, 1, 2, 3, MAX_TIMESTAMP];
    for (const v of values) h.element(v, 0);
    assert.deepEqual(h.out, values.map((v) => `${v}@${v}`));
  });

  test('the end of input runs the generator once more (Flink: finish → onPeriodicEmit)', () => {
    const h = harness(periodic);
    h.element(9, 1);
    h.op.endInput();
    assert.deepEqual(h.out, ['9@9', 'wm 8']);
  });

  test('idleness: marked idle at a periodic emission; the next record goes out, then the output is active again (ours: Flink waits for the watermark)', () => {
    const h = harness(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v).withIdleness(Duration.ofMillis(60)));
    h.element(5, 0);
    h.setProcessingTime(INTERVAL); // activity seen: wm 4
    h.setProcessingTime(INTERVAL * 2); // none since: the countdown starts (wm 4 again, not passed on)
    h.setProcessingTime(INTERVAL * 4); // 100 ms > 60 ms
    h.element(7, 0);
    h.setProcessingTime(INTERVAL * 5);
    assert.deepEqual(h.out, ['5@5', 'wm 4', 'idle', '7@7', 'active', 'wm 6']);
  });
});
