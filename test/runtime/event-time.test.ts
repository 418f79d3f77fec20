/*
 * Event time through whole jobs, as Flink documents it: watermarks from sources (periodic,
 * bounded out-of-orderness = max − d − 1, per split), the minimum over a task's inputs with idle
 * inputs left out, the maximum watermark at end of input, event-time timers and the timestamps
 * of what functions emit. Jobs run in this process on a manual clock; a scripted source decides
 * which records come in which poll and how much processing time passes between polls.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  ContinuousEventTimeTrigger,
  DataGeneratorSource,
  Duration,
  KeyedProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  ProcessFunction,
  type ProcessContext,
  TumblingEventTimeWindows,
  Watermark,
  type WatermarkOutput,
  WatermarkStrategy,
} from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { JobExecution } from '../../src/runtime/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../src/util/time.js';
import { capturePipeline, collectInto, runJob } from '../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../helpers/scripted-source.js';

const MIN = MIN_TIMESTAMP;
const MAX = MAX_TIMESTAMP;

/** Records each element as `value ts=<timestamp> wm=<watermark at arrival>` and each timer as `timer …`. */
class Observe<T> extends KeyedProcessFunction<unknown, T, string> {
  constructor(private readonly timersAtRecordTime = false) {
    super();
  }
  processElement(value: T, ctx: KeyedProcessContext<unknown>, out: Collector<string>): void {
    out.collect(`${String(value)} ts=${show(ctx.timestamp())} wm=${show(ctx.timerService().currentWatermark())}`);
    if (this.timersAtRecordTime) ctx.timerService().registerEventTimeTimer(ctx.timestamp()!);
  }
  override onTimer(t: number, ctx: OnTimerContext<unknown>, out: Collector<string>): void {
    out.collect(`timer ${t} wm=${show(ctx.timerService().currentWatermark())}`);
  }
}

function show(t: number | null): string {
  return t === null ? 'none' : t === MIN ? 'MIN' : t === MAX ? 'MAX' : String(t);
}

describe('watermarks from sources', () => {
  test('bounded out-of-orderness: the watermark is the highest timestamp − d − 1, emitted every auto-watermark interval', async () => {
    const clock = new ManualClock(0);
    const steps: ScriptStep<number>[] = [
      { records: [10, 30, 20].map((t) => ({ value: t, timestamp: t })), advance: 100 },
      { records: [25, 50].map((t) => ({ value: t, timestamp: t })), advance: 100 },
      { records: [{ value: 40, timestamp: 40 }], advance: 100 },
      { records: [{ value: 60, timestamp: 60 }] },
    ];
    const out: string[] = [];
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        env
          .fromSource(new ScriptedSource(steps, clock), WatermarkStrategy.forBoundedOutOfOrderness<number>(Duration.ofMillis(5)), 'scripted')
          .keyBy(() => 'k')
          .process(new Observe())
          .addSink(collectInto(out));
      },
      { clock },
    );
    // The source's own timestamps are used (no assigner); the watermark reaches the keyed
    // operator after the records before it: 30 − 5 − 1 = 24, then 50 − 5 − 1 = 44.
    assert.deepEqual(out, ['10 ts=10 wm=MIN', '30 ts=30 wm=MIN', '20 ts=20 wm=MIN', '25 ts=25 wm=24', '50 ts=50 wm=24', '40 ts=40 wm=44', '60 ts=60 wm=44']);
  });

  test('per split: the source watermark is the minimum over its splits, so a split that is behind is never late', async () => {
    const clock = new ManualClock(0);
    // Split A runs ten times ahead of split B; A finishes (its output released) at step 3.
    const steps: ScriptStep<string>[] = [
      { records: [{ value: 'A100', split: 'A', timestamp: 100 }, { value: 'B10', split: 'B', timestamp: 10 }], advance: 100 },
      { records: [{ value: 'A200', split: 'A', timestamp: 200 }, { value: 'B20', split: 'B', timestamp: 20 }], advance: 100 },
      { records: [{ value: 'A300', split: 'A', timestamp: 300, last: true }, { value: 'B30', split: 'B', timestamp: 30 }], advance: 100 },
      { records: [{ value: 'B40', split: 'B', timestamp: 40 }] },
    ];
    const out: string[] = [];
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        env
          .fromSource(new ScriptedSource(steps, clock), WatermarkStrategy.forMonotonousTimestamps<string>(), 'splits')
          .keyBy(() => 'k')
          .process(new Observe())
          .addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(out, [
      'A100 ts=100 wm=MIN',
      'B10 ts=10 wm=MIN',
      'A200 ts=200 wm=9',
      'B20 ts=20 wm=9',
      'A300 ts=300 wm=19',
      'B30 ts=30 wm=19',
      // A is finished: B alone decides.
      'B40 ts=40 wm=29',
    ]);
  });

  test('a timestamp assigner sees the source timestamp and replaces it; a punctuated generator emits from onEvent', async () => {
    const clock = new ManualClock(0);
    const steps: ScriptStep<{ t: number; mark?: boolean }>[] = [
      { records: [{ value: { t: 5 }, timestamp: 1 }, { value: { t: 7, mark: true } }, { value: { t: 6 } }, { value: { t: 9, mark: true } }, { value: { t: 8 } }] },
    ];
    const seen: number[] = [];
    const punctuated = WatermarkStrategy.forGenerator<{ t: number; mark?: boolean }>(() => ({
      onEvent(e, ts, output: WatermarkOutput) {
        if (e.mark) output.emitWatermark(new Watermark(ts));
      },
      onPeriodicEmit() {},
    })).withTimestampAssigner((e, recordTs) => {
      seen.push(recordTs);
      return e.t;
    });
    const out: string[] = [];
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(0);
        env
          .fromSource(new ScriptedSource(steps, clock), punctuated, 'marks')
          .map((e) => e.t)
          .keyBy(() => 'k')
          .process(new Observe())
          .addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(seen, [1, MIN, MIN, MIN, MIN]);
    assert.deepEqual(out, ['5 ts=5 wm=MIN', '7 ts=7 wm=MIN', '6 ts=6 wm=7', '9 ts=9 wm=7', '8 ts=8 wm=9']);
  });
});

describe("a task's watermark over its inputs", () => {
  /**
   * Source A: ten records a second apart in event time, 100 ms of processing time apart; source
   * B: nothing at all until the keyed operator has processed all of A's records, then it ends.
   * Returns the keyed operator's output: records and timers (one per record, at its time) in order.
   */
  async function unionWithQuietSource(idleness: boolean): Promise<string[]> {
    const clock = new ManualClock(0);
    const out: string[] = [];
    const processed = () => out.filter((l) => !l.startsWith('timer')).length;
    const a: ScriptStep<number>[] = Array.from({ length: 10 }, (_, i) => ({ records: [{ value: (i + 1) * 1000, timestamp: (i + 1) * 1000 }], advance: 100 }));
    const b: ScriptStep<number>[] = [{ records: [], waitFor: () => processed() === 10 }];
    const quiet = WatermarkStrategy.forMonotonousTimestamps<number>();
    await runJob(
      (env) => {
        env.getConfig().setAutoWatermarkInterval(100);
        const sa = env.fromSource(new ScriptedSource(a, clock), WatermarkStrategy.forMonotonousTimestamps<number>(), 'a');
        const sb = env.fromSource(new ScriptedSource(b, clock), idleness ? quiet.withIdleness(Duration.ofMillis(150)) : quiet, 'b');
        sa.union(sb)
          .keyBy(() => 'k')
          .process(new Observe(true))
          .addSink(collectInto(out));
      },
      { clock },
    );
    return out;
  }

  /** The timers that fired before the last of A's records was processed, i.e. while B still ran. */
  function timersBeforeEnd(out: readonly string[]): string[] {
    const last = out.findIndex((l) => l.startsWith('10000 '));
    return out.slice(0, last).filter((l) => l.startsWith('timer'));
  }

  test('the minimum over the inputs: a source without watermarks holds event time back while it runs', async () => {
    const out = await unionWithQuietSource(false);
    assert.deepEqual(timersBeforeEnd(out), []);
    assert.equal(out.filter((l) => l.startsWith('timer')).length, 10, 'all fire once B has ended');
  });

  test('an idle input does not hold it back: timers fire while the idle source is still running', async () => {
    const out = await unionWithQuietSource(true);
    const early = timersBeforeEnd(out);
    assert.ok(early.length >= 5, `timers fired while B ran: ${out.join(', ')}`);
    for (const line of early) {
      const [, t, wm] = /^timer (\d+) wm=(\d+)$/.exec(line)!.map(Number);
      // A's watermark alone: its highest timestamp so far − 1, a whole second per record.
      assert.ok(wm! >= t! && (wm! + 1) % 1000 === 0, line);
    }
    assert.equal(out.filter((l) => l.startsWith('timer')).length, 10);
  });
});

describe('the end of input', () => {
  test('a bounded source ends with the maximum watermark: every event-time timer fires, through every task', async () => {
    const out: string[] = [];
    class Later extends KeyedProcessFunction<number, number, number> {
      processElement(v: number, ctx: KeyedProcessContext<number>): void {
        // Far in the future; no watermark strategy at all: only the end of input fires them.
        ctx.timerService().registerEventTimeTimer(1_000_000_000 + v);
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, o: Collector<number>): void {
        assert.equal(ctx.timerService().currentWatermark(), MAX);
        assert.equal(ctx.timestamp(), t);
        o.collect(t);
      }
    }
    await runJob(
      (env) => {
        env
          .fromSequence(1, 6)
          .keyBy((v) => v % 3)
          .process(new Later())
          // A second shuffle: the maximum watermark travels on, and the records carry the timers' times.
          .keyBy((t) => t % 2)
          .process(new Observe(true))
          .addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    // What the timers emit goes downstream ahead of the maximum watermark that fired them.
    const records = out.filter((l) => !l.startsWith('timer')).sort();
    assert.deepEqual(records, [1, 2, 3, 4, 5, 6].map((v) => `${1_000_000_000 + v} ts=${1_000_000_000 + v} wm=MIN`));
    assert.deepEqual(out.filter((l) => l.startsWith('timer')).sort(), [1, 2, 3, 4, 5, 6].map((v) => `timer ${1_000_000_000 + v} wm=MAX`));
  });

  test('the final watermark: timers it fires may register more, which fire once more, then the job ends', async () => {
    const out: string[] = [];
    class Forever extends KeyedProcessFunction<string, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<string>): void {
        ctx.timerService().registerEventTimeTimer(v);
      }
      override onTimer(t: number, ctx: OnTimerContext<string>, o: Collector<string>): void {
        o.collect(`${ctx.getCurrentKey()}@${t}`);
        ctx.timerService().registerEventTimeTimer(t + 10); // a trigger that keeps firing, as ContinuousEventTimeTrigger
      }
    }
    await runJob((env) => {
      env
        .fromElements(1, 2)
        .keyBy((v) => `k${v}`)
        .process(new Forever())
        .addSink(collectInto(out));
    });
    assert.deepEqual(out, ['k1@1', 'k2@2', 'k1@11', 'k2@12']);
  });

  test('the final watermark: a timer registered while it fires, before a timer still pending, fires in timestamp order (as in Flink)', async () => {
    const out: string[] = [];
    class Between extends KeyedProcessFunction<string, number, string> {
      processElement(_v: number, ctx: KeyedProcessContext<string>): void {
        ctx.timerService().registerEventTimeTimer(100);
        ctx.timerService().registerEventTimeTimer(200);
      }
      override onTimer(t: number, ctx: OnTimerContext<string>, o: Collector<string>): void {
        o.collect(`@${t}`);
        if (t === 100) ctx.timerService().registerEventTimeTimer(150);
      }
    }
    await runJob((env) => {
      env
        .fromElements(1)
        .keyBy(() => 'k')
        .process(new Between())
        .addSink(collectInto(out));
    });
    assert.deepEqual(out, ['@100', '@150', '@200']);
  });

  test("the final watermark: ContinuousEventTimeTrigger's firings up to its window's end all come, as in Flink, whether or not a watermark came before the end", async () => {
    /** Elements at 0, 5001 and 5002 ms of one 10 s window, fired every second; `advance`: the clock passes a periodic emission after the first two. */
    const run = async (advance: number): Promise<number[]> => {
      const clock = new ManualClock(0);
      const out: number[] = [];
      const source = new ScriptedSource<number>(
        [
          { records: [{ value: 0, timestamp: 0 }, { value: 5001, timestamp: 5001 }], advance },
          { records: [{ value: 5002, timestamp: 5002 }] },
        ],
        clock,
      );
      await runJob(
        (env) => {
          env
            .fromSource(source, WatermarkStrategy.forMonotonousTimestamps<number>(), 'script')
            .keyBy(() => 'k')
            .window(TumblingEventTimeWindows.of(Duration.ofSeconds(10)))
            .trigger(ContinuousEventTimeTrigger.of(Duration.ofSeconds(1)))
            .apply((_k: string, _w: unknown, elements: Iterable<number>, o: Collector<number>) => o.collect([...elements].length))
            .addSink(collectInto(out));
        },
        { clock },
      );
      return out;
    };
    // Every second from 1 s to 9 s, then at the window's end: ten firings either way. With no
    // watermark before the end they all come at it, each seeing the three elements; with one at
    // 5000 the first five came then, seeing the two elements that had arrived.
    assert.deepEqual(await run(0), [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], 'no watermark before the end');
    assert.deepEqual(await run(1000), [2, 2, 2, 2, 2, 3, 3, 3, 3, 3], 'a periodic watermark (5000) before the end');
  });
});

describe('stopping an unbounded job', () => {
  /** Runs an endless job until its keyed operator has seen 50 records, then stops it as `flink stop` does. */
  async function stop(drain: boolean): Promise<string[]> {
    const out: string[] = [];
    class Later extends KeyedProcessFunction<number, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<number>, o: Collector<string>): void {
        o.collect(`record ${v}`);
        ctx.timerService().registerEventTimeTimer(1_000_000 + (v % 3));
      }
      override onTimer(t: number, ctx: OnTimerContext<number>, o: Collector<string>): void {
        o.collect(`timer ${ctx.getCurrentKey()}@${t} wm=${show(ctx.timerService().currentWatermark())}`);
      }
    }
    const pipeline = capturePipeline((env) => {
      env
        .fromSource(new DataGeneratorSource((i) => i, Infinity), WatermarkStrategy.noWatermarks(), 'endless')
        .keyBy((v) => v % 3)
        .process(new Later())
        .addSink(collectInto(out));
    });
    const execution = new JobExecution({ jobId: 'stop', jobGraph: compilePipeline(pipeline), clock: new ManualClock(0) });
    const run = execution.run();
    while (out.length < 50) await new Promise((r) => setTimeout(r, 1));
    execution.pauseSources();
    // No checkpointing here: the drained "savepoint" only records that every task had finished when it was taken.
    let finishedAtSavepoint: boolean | undefined;
    if (drain) await execution.drain(async () => (finishedAtSavepoint = execution.allFinished));
    else execution.suspend();
    await run;
    if (drain) assert.equal(finishedAtSavepoint, true, 'a drained savepoint is taken once every task has finished');
    return out.filter((l) => l.startsWith('timer'));
  }

  test('stop --drain ends the input with the maximum watermark: every event-time timer fires', async () => {
    assert.deepEqual((await stop(true)).sort(), ['timer 0@1000000 wm=MAX', 'timer 1@1000001 wm=MAX', 'timer 2@1000002 wm=MAX']);
  });

  test('stop without --drain suspends the job: no maximum watermark, no timer fires', async () => {
    assert.deepEqual(await stop(false), []);
  });
});

describe('timestamps of what functions emit (as Flink)', () => {
  test('processElement output keeps the input timestamp; event-time timers emit at their time; processing-time timers without', async () => {
    const clock = new ManualClock(1000);
    const out: string[] = [];
    class Emit extends KeyedProcessFunction<string, number, string> {
      processElement(v: number, ctx: KeyedProcessContext<string>, o: Collector<string>): void {
        o.collect(`element ${v}`);
        o.collect(`second output of ${v}`);
        ctx.timerService().registerEventTimeTimer(v + 1);
        ctx.timerService().registerProcessingTimeTimer(500); // already due
      }
      override onTimer(t: number, ctx: OnTimerContext<string>, o: Collector<string>): void {
        o.collect(`${ctx.timeDomain()} timer ${t} (ctx.timestamp ${show(ctx.timestamp())})`);
      }
    }
    class Stamps extends ProcessFunction<string, string> {
      processElement(v: string, ctx: ProcessContext, o: Collector<string>): void {
        o.collect(`${v}: ts=${show(ctx.timestamp())}`);
      }
    }
    await runJob(
      (env) => {
        env
          .fromSource(new DataGeneratorSource((i) => i * 10 + 10, 2), WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v), 'gen')
          .keyBy(() => 'k')
          .process(new Emit())
          .rebalance()
          .process(new Stamps())
          .addSink(collectInto(out));
      },
      { clock },
    );
    assert.deepEqual(out, [
      'element 10: ts=10',
      'second output of 10: ts=10',
      'element 20: ts=20',
      'second output of 20: ts=20',
      'PROCESSING_TIME timer 500 (ctx.timestamp 500): ts=none',
      'EVENT_TIME timer 11 (ctx.timestamp 11): ts=11',
      'EVENT_TIME timer 21 (ctx.timestamp 21): ts=21',
    ]);
  });
});
