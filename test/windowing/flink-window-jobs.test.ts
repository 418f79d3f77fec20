/*
 * Windows against Flink, through the DataStream API in a running job: windowAll with
 * allowed lateness, the late-data side output and a ProcessAllWindowFunction's window and global
 * state; keyed reduce + ProcessWindowFunction over sessions; a keyed window with an evictor.
 * Watermarks are punctuated (emitted after the record that carries them), so the run is
 * deterministic.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  CountEvictor,
  Duration,
  EventTimeSessionWindows,
  OutputTag,
  ProcessAllWindowFunction,
  type ProcessAllWindowContext,
  ProcessWindowFunction,
  type ProcessWindowContext,
  type TimeWindow,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  Watermark,
  type WatermarkOutput,
  WatermarkStrategy,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { collectInto, runJob } from '../helpers/run-job.js';
import { type ScriptStep, ScriptedSource } from '../helpers/scripted-source.js';

interface Ev {
  k: string;
  t: number;
  v: number;
  /** A watermark to emit after this record. */
  wm?: number;
}

const punctuated = WatermarkStrategy.forGenerator<Ev>(() => ({
  onEvent(e: Ev, _ts: number, output: WatermarkOutput) {
    if (e.wm !== undefined) output.emitWatermark(new Watermark(e.wm));
  },
  onPeriodicEmit() {},
})).withTimestampAssigner((e) => e.t);

const firingsOfWindow = new ValueStateDescriptor<number>('firings-of-window');
const allFirings = new ValueStateDescriptor<number>('all-firings');

/** [window start, sum, firings of this window, firings of any window, watermark]; clear() drops the window's count. */
class SumAll extends ProcessAllWindowFunction<Ev, unknown, TimeWindow> {
  process(ctx: ProcessAllWindowContext<TimeWindow>, events: Iterable<Ev>, out: Collector<unknown>): void {
    const mine = ctx.windowState().getState(firingsOfWindow);
    const all = ctx.globalState().getState(allFirings);
    mine.update((mine.value() ?? 0) + 1);
    all.update((all.value() ?? 0) + 1);
    let sum = 0;
    for (const e of events) sum += e.v;
    out.collect([ctx.window().start, sum, mine.value(), all.value(), ctx.currentWatermark()]);
  }
  override clear(ctx: ProcessAllWindowContext<TimeWindow>): void {
    ctx.windowState().getState(firingsOfWindow).clear();
  }
}

async function run<T>(events: Ev[], build: (s: ReturnType<typeof sourceOf>) => { main: { addSink(f: (v: T) => void): unknown }; late?: { addSink(f: (v: Ev) => void): unknown } }): Promise<{ main: T[]; late: Ev[] }> {
  const main: T[] = [];
  const late: Ev[] = [];
  const clock = new ManualClock(0);
  await runJob(
    (env) => {
      env.getConfig().setAutoWatermarkInterval(0);
      const r = build(sourceOf(env, events, clock));
      r.main.addSink(collectInto(main));
      r.late?.addSink(collectInto(late));
    },
    { clock, parallelism: 1 },
  );
  return { main, late };
}

function sourceOf(env: Parameters<Parameters<typeof runJob>[0]>[0], events: Ev[], clock: ManualClock) {
  const steps: ScriptStep<Ev>[] = [{ records: events.map((value) => ({ value })) }];
  return env.fromSource(new ScriptedSource(steps, clock), punctuated, 'events');
}

describe('windows in a running job', () => {
  test('windowAll: late firings within the allowed lateness, late data to the side output, window and global state', async () => {
    const late = new OutputTag<Ev>('late');
    const { main, late: lateOut } = await run<unknown>(
      [
        { k: 'a', t: 1, v: 1 },
        { k: 'b', t: 2, v: 2, wm: 9 }, // fires [0,10): 3
        { k: 'a', t: 3, v: 3 }, // late within the lateness: fires [0,10) again: 6
        { k: 'b', t: 12, v: 4, wm: 14 }, // [0,10) cleaned up at 14
        { k: 'a', t: 4, v: 5 }, // late: side output
        { k: 'a', t: 15, v: 6 },
      ],
      (s) => {
        const w = s.windowAll(TumblingEventTimeWindows.of(Duration.ofMillis(10))).allowedLateness(Duration.ofMillis(5)).sideOutputLateData(late).process(new SumAll());
        return { main: w, late: w.getSideOutput(late) };
      },
    );
    // At the end of input the final watermark fires [10,20): 4 + 6.
    assert.deepEqual(main, [
      [0, 3, 1, 1, 9],
      [0, 6, 2, 2, 9],
      [10, 10, 1, 3, Number.MAX_SAFE_INTEGER],
    ]);
    assert.deepEqual(lateOut, [{ k: 'a', t: 4, v: 5 }]);
  });

  test('keyed sessions: reduce + ProcessWindowFunction sees the merged session and its sum', async () => {
    class Session extends ProcessWindowFunction<Ev, unknown, string, TimeWindow> {
      process(key: string, ctx: ProcessWindowContext<TimeWindow>, sums: Iterable<Ev>, out: Collector<unknown>): void {
        const [s] = [...sums];
        out.collect([key, ctx.window().start, ctx.window().end, s!.v]);
      }
    }
    const { main } = await run<unknown>(
      [
        { k: 'a', t: 0, v: 1 },
        { k: 'b', t: 1, v: 10 },
        { k: 'a', t: 8, v: 2 }, // [8,13) separate from [0,5)
        { k: 'a', t: 4, v: 3 }, // [4,9) bridges both: [0,13)
        { k: 'a', t: 30, v: 4, wm: 20 },
      ],
      (s) => ({
        main: s
          .keyBy((e) => e.k)
          .window(EventTimeSessionWindows.withGap(Duration.ofMillis(5)))
          .reduce((x, y) => ({ ...x, v: x.v + y.v }), new Session()),
      }),
    );
    assert.deepEqual(
      [...main].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
      [
        ['a', 0, 13, 6],
        ['a', 30, 35, 4],
        ['b', 1, 6, 10],
      ],
    );
  });

  test('keyed tumbling window with CountEvictor and reduce: the fold covers the last n', async () => {
    const { main } = await run<Ev>(
      [
        { k: 'a', t: 1, v: 1 },
        { k: 'a', t: 2, v: 2 },
        { k: 'a', t: 3, v: 4 },
        { k: 'a', t: 11, v: 8, wm: 10 },
      ],
      (s) => ({
        main: s
          .keyBy((e) => e.k)
          .window(TumblingEventTimeWindows.of(Duration.ofMillis(10)))
          .evictor(CountEvictor.of(2))
          .reduce((x, y) => ({ ...x, v: x.v + y.v })),
      }),
    );
    assert.deepEqual(
      main.map((e) => e.v),
      [6, 8],
    );
  });
});
