/**
 * Bootstrapping windows with the SavepointWriter against Flink's own cases
 * (flink-state-processing-api: SavepointWriterWindowITCase, WindowedStateTransformation): a
 * savepoint written in this process by `bootstrapWith(stream).keyBy(k).window(assigner)` with
 * reduce, aggregate, apply or process, with and without an evictor, restored into a real job with
 * the same window (assignState + JobExecution, as `flink run -s` does) at several parallelisms.
 * Then what Flink's case leaves unchecked: the restored windows fire when the job's watermark
 * (or clock) passes their end, with the records the job adds, and at the same watermarks and
 * with the same results as a job that had read the bootstrap records itself.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { DataStream, KeyedStream, SingleOutputStreamOperator } from '../../src/api/index.js';
import {
  type AggregateFunction,
  type Collector,
  CountEvictor,
  CountTrigger,
  Duration,
  EventTimeSessionWindows,
  GlobalWindows,
  OperatorTransformation,
  OutputTag,
  type ProcessWindowContext,
  ProcessWindowFunction,
  SavepointWriter,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  type GlobalWindow,
  type KeyedOperatorTransformation,
  type StateBootstrapTransformation,
  type WindowedStateTransformation,
  type WindowedStream,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { restoreAndRun } from './restore-and-run.js';
import { punctuatedWatermarks } from './snapshot-of.js';

const tempRoot = (): string => tempRootIn('sp-window-writer-');

type Word = [string, number];
const UID = 'uid';
const WORDS = ['hello', 'world', 'hello', 'everyone'];

/** Flink's Reducer: sums the counts. */
const reducer = (a: Word, b: Word): Word => [a[0], a[1] + b[1]];
/** Flink's Aggregator: its accumulator starts as null, the first word itself. */
const aggregator: AggregateFunction<Word, Word | null, Word> = {
  createAccumulator: () => null,
  add: (v, acc) => (acc === null ? [v[0], v[1]] : [acc[0], acc[1] + v[1]]),
  getResult: (acc) => acc!,
  merge: (a, b) => (a === null ? b : b === null ? a : [a[0], a[1] + b[1]]),
};
const sumWords = (elements: Iterable<Word>): Word => [...elements].reduce(reducer);
/** Flink's CustomWindowFunction. */
const customWindowFunction = (_key: string, _w: TimeWindow, input: Iterable<Word>, out: Collector<Word>): void => out.collect(sumWords(input));
/** Flink's CustomProcessWindowFunction. */
class CustomProcessWindowFunction extends ProcessWindowFunction<Word, Word, string, TimeWindow> {
  process(_key: string, _ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<Word>, out: Collector<Word>): void {
    out.collect(sumWords(elements));
  }
}

type Windowed = WindowedStateTransformation<Word, string, TimeWindow>;
/** Flink's SETUP_FUNCTIONS: each way of keeping a window, in the bootstrap and in the job. */
const SETUPS: ReadonlyArray<readonly [string, (t: Windowed) => StateBootstrapTransformation<string, Word>, (s: WindowedStream<Word, string, TimeWindow>) => SingleOutputStreamOperator<Word>]> = [
  ['reduce', (t) => t.reduce(reducer), (s) => s.reduce(reducer)],
  ['aggregate', (t) => t.aggregate(aggregator), (s) => s.aggregate(aggregator)],
  ['apply', (t) => t.apply(customWindowFunction), (s) => s.apply(customWindowFunction)],
  ['process', (t) => t.process(new CustomProcessWindowFunction()), (s) => s.process(new CustomProcessWindowFunction())],
];

const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(5));
const sliding = () => SlidingEventTimeWindows.of(Duration.ofMillis(5), Duration.ofMillis(1));

/** Flink's cases: the assigner, with or without CountEvictor.of(1), and what the restored job emits (each window once). */
const CASES = [
  { name: 'testTumbleWindow', assigner: tumbling, evictor: false, windows: 1 },
  { name: 'testTumbleWindowWithEvictor', assigner: tumbling, evictor: true, windows: 1 },
  // The word's time 2 lies in five 5 ms windows sliding by 1 ms: [-2, 3) … [2, 7).
  { name: 'testSlideWindow', assigner: sliding, evictor: false, windows: 5 },
  { name: 'testSlideWindowWithEvictor', assigner: sliding, evictor: true, windows: 5 },
] as const;
const STANDARD: Word[] = [['hello', 2], ['world', 1], ['everyone', 1]];
const EVICTOR: Word[] = [['hello', 1], ['world', 1], ['everyone', 1]];

/** Runs the bootstrap job `build` defines at `parallelism`, writing the savepoint `sp`. */
async function write<K, T>(sp: string, bootstrap: (env: StreamExecutionEnvironment) => StateBootstrapTransformation<K, T>, parallelism = 2, clock = new ManualClock(1000)): Promise<void> {
  await runJob((env) => SavepointWriter.newSavepoint(env, 128).withOperator(UID, bootstrap(env)).write(sp), { parallelism, clock });
}

/** Flink's bootstrap data: each word counted 1, at time 2, with no watermarks. */
function words(env: StreamExecutionEnvironment): DataStream<Word> {
  return env
    .fromData(...WORDS)
    .map((w): Word => [w, 1])
    .assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<Word>().withTimestampAssigner(() => 2));
}

describe("SavepointWriterWindowITCase: the bootstrapped windows fire in the restored job at its end (Flink's MaxWatermarkSource)", () => {
  for (const c of CASES) {
    for (const [setup, bootstrap, job] of SETUPS) {
      test(`${c.name} with ${setup}`, async () => {
        const sp = join(tempRoot(), 'sp');
        await write(sp, (env) => {
          const t = OperatorTransformation.bootstrapWith(words(env)).keyBy((w) => w[0]).window(c.assigner());
          return bootstrap(c.evictor ? t.evictor(CountEvictor.of(1)) : t);
        });
        const expected = (c.evictor ? EVICTOR : STANDARD).flatMap((w) => Array.from({ length: c.windows }, () => JSON.stringify(w))).sort();
        for (const p of [1, 3]) {
          const out = await restoreAndRun(sp, p, (env, collect) => {
            const s = env.fromData<Word>().keyBy((w) => w[0]).window(c.assigner());
            job(c.evictor ? s.evictor(CountEvictor.of(1)) : s).uid(UID).addSink((w) => collect(JSON.stringify(w)));
          });
          assert.deepEqual(out, expected, `restored at parallelism ${p}`);
        }
      });
    }
  }
});

/** A record of the restored job's input: key, value, event time; `wm`: the watermark emitted right after it. */
interface Rec {
  readonly k: string;
  readonly v: number;
  readonly ts: number;
  readonly wm?: number;
}

/** `key [start,end) values @watermark`: what fired, and when. */
class Fired extends ProcessWindowFunction<Rec, string, string, TimeWindow> {
  process(key: string, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<Rec>, out: Collector<string>): void {
    const w = ctx.window();
    out.collect(`${key} [${w.start},${w.end}) ${JSON.stringify([...elements].map((r) => r.v))} @${ctx.currentWatermark()}`);
  }
}
const late = new OutputTag<Rec>('late');
const END = Number.MAX_SAFE_INTEGER;
const sum = (a: number, b: number): number => a + b;
const sumAgg = { createAccumulator: () => 0, add: (r: Rec, acc: number) => acc + r.v, getResult: (acc: number) => acc, merge: sum };
/** Reduces records to one with the summed value. */
const sumRecs = (a: Rec, b: Rec): Rec => ({ k: a.k, v: a.v + b.v, ts: a.ts });

/**
 * The bootstrap records and the job's window: written into a savepoint and restored into the job,
 * which reads `more` after them, must give `expected` — and so must the job reading the bootstrap
 * records (with no watermark) and then `more`, in one run.
 */
async function firesAsTheJob(
  bootstrapRecords: readonly Rec[],
  bootstrap: (keyed: KeyedOperatorTransformation<string, Rec>) => StateBootstrapTransformation<string, Rec>,
  window: (keyed: KeyedStream<Rec, string>) => SingleOutputStreamOperator<string>,
  more: readonly Rec[],
  expected: readonly string[],
): Promise<void> {
  const sp = join(tempRoot(), 'sp');
  await write(sp, (env) => {
    const input = env.fromData<Rec>(...bootstrapRecords).assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<Rec>().withTimestampAssigner((r) => r.ts));
    return bootstrap(OperatorTransformation.bootstrapWith(input).keyBy((r) => r.k));
  });
  const job = (records: readonly Rec[]) => (env: StreamExecutionEnvironment, out: (l: string) => void) => {
    // The timestamp assigner with the source (parallelism 1): the windows see its watermarks where the
    // records put them, not the least of two rebalanced subtasks.
    const input = env.fromData<Rec>(...records).setParallelism(1).assignTimestampsAndWatermarks(punctuatedWatermarks<Rec>()).setParallelism(1);
    const windowed = window(input.keyBy((r) => r.k)).uid(UID);
    windowed.addSink(out);
    windowed.getSideOutput(late).addSink((r) => out(`late ${r.k} ${r.v} ${r.ts}`));
  };
  for (const p of [1, 2]) assert.deepEqual(await restoreAndRun(sp, p, job(more)), [...expected].sort(), `restored at parallelism ${p}`);
  const straight: string[] = [];
  await runJob((env) => job([...bootstrapRecords, ...more])(env, (l) => void straight.push(l)), { parallelism: 2 });
  assert.deepEqual(straight.sort(), [...expected].sort(), 'the job reading the bootstrap records itself');
}

describe('the restored windows fire when the watermark passes their end, with the records the job adds, as in a job that read the bootstrap records', () => {
  const tumbling10 = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
  const lateness = Duration.ofMillis(5);

  test('tumbling, allowed lateness 5: on time at 9, again for a late record, cleaned up at 14 (later records are late); open windows at the end', async () => {
    const boot: Rec[] = [{ k: 'a', v: 1, ts: 1 }, { k: 'b', v: 2, ts: 4 }, { k: 'a', v: 3, ts: 12 }, { k: 'c', v: 4, ts: 25 }];
    // Each `wm` is emitted after its record.
    const more: Rec[] = [
      { k: 'a', v: 10, ts: 5 },
      { k: 'b', v: 20, ts: 9, wm: 8 }, // not yet: [0, 10) ends at 9
      { k: 'a', v: 50, ts: 15, wm: 9 }, // into a's [10, 20); then a's and b's [0, 10) fire
      { k: 'a', v: 30, ts: 2, wm: 14 }, // late within the lateness: a's [0, 10) fires again; at 14 it is cleaned up
      { k: 'a', v: 40, ts: 3 }, // late: to the side output
    ];
    await firesAsTheJob(
      boot,
      (k) => k.window(tumbling10()).allowedLateness(lateness).process(new Fired()),
      (k) => k.window(tumbling10()).allowedLateness(lateness).sideOutputLateData(late).process(new Fired()),
      more,
      ['a [0,10) [1,10] @9', 'b [0,10) [2,20] @9', 'a [0,10) [1,10,30] @9', 'late a 40 3', `a [10,20) [3,50] @${END}`, `c [20,30) [4] @${END}`],
    );
  });

  test('sliding windows reduced: each window of a bootstrapped record fires as the watermark passes its end', async () => {
    const slide = () => SlidingEventTimeWindows.of(Duration.ofMillis(10), Duration.ofMillis(5));
    const boot: Rec[] = [{ k: 'a', v: 1, ts: 7 }, { k: 'a', v: 2, ts: 12 }];
    const more: Rec[] = [{ k: 'a', v: 4, ts: 8, wm: 9 }, { k: 'a', v: 8, ts: 13, wm: 14 }];
    await firesAsTheJob(
      boot,
      (k) => k.window(slide()).reduce(sumRecs),
      (k) => k.window(slide()).reduce(sumRecs, new Fired()),
      more,
      // [0, 10) at 9: 1 + 4; [5, 15) at 14: 1 + 2 + 4 + 8; [10, 20) at the end: 2 + 8.
      ['a [0,10) [5] @9', 'a [5,15) [15] @14', `a [10,20) [10] @${END}`],
    );
  });

  test('sessions: bootstrapped records merged into sessions, which merge again with the records that bridge their gaps', async () => {
    const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(10));
    // a: sessions [0, 15) and [25, 35); b: [50, 60).
    const boot: Rec[] = [{ k: 'a', v: 1, ts: 0 }, { k: 'a', v: 2, ts: 5 }, { k: 'a', v: 4, ts: 25 }, { k: 'b', v: 8, ts: 50 }];
    const more: Rec[] = [
      { k: 'a', v: 16, ts: 15, wm: 14 }, // [15, 25) touches both of a's sessions: one session [0, 35), not due at 14
      { k: 'b', v: 32, ts: 100, wm: 59 }, // a's [0, 35) and b's [50, 60) fire at 59; b's [100, 110) at the end
    ];
    const asLine = (key: string, w: TimeWindow, values: Iterable<number>, out: Collector<string>) => out.collect(`${key} [${w.start},${w.end}) ${[...values]}`);
    await firesAsTheJob(boot, (k) => k.window(sessions()).aggregate(sumAgg), (k) => k.window(sessions()).aggregate(sumAgg, asLine), more, ['a [0,35) 23', 'b [50,60) 8', 'b [100,110) 32']);
  });

  test("a trigger's state: CountTrigger.of(3) on global windows fires at the third record, two of them bootstrapped", async () => {
    const count3 = () => CountTrigger.of<GlobalWindow>(3);
    const boot: Rec[] = [{ k: 'a', v: 1, ts: 1 }, { k: 'a', v: 2, ts: 2 }, { k: 'b', v: 4, ts: 3 }];
    const more: Rec[] = [{ k: 'a', v: 8, ts: 4 }, { k: 'b', v: 16, ts: 5 }];
    const asLine = (key: string, _w: GlobalWindow, values: Iterable<number>, out: Collector<string>) => out.collect(`${key} ${[...values]}`);
    await firesAsTheJob(
      boot,
      (k) => k.window(GlobalWindows.create()).trigger(count3()).aggregate(sumAgg),
      (k) => k.window(GlobalWindows.create()).trigger(count3()).aggregate(sumAgg, asLine),
      more,
      ['a 11'],
    );
  });
});

test("a job's windowAll: windows bootstrapped under the one key windowAll keys every record by (0)", async () => {
  const sp = join(tempRoot(), 'sp');
  const input = (env: StreamExecutionEnvironment, records: readonly Rec[]) => env.fromData<Rec>(...records).assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<Rec>().withTimestampAssigner((r) => r.ts));
  await write(sp, (env) => OperatorTransformation.bootstrapWith(input(env, [{ k: 'a', v: 1, ts: 1 }, { k: 'b', v: 2, ts: 12 }])).keyBy(() => 0).window(TumblingEventTimeWindows.of(Duration.ofMillis(10))).reduce(sumRecs));
  const job = (env: StreamExecutionEnvironment, out: (l: string) => void) =>
    void input(env, [{ k: 'c', v: 4, ts: 5 }])
      .windowAll(TumblingEventTimeWindows.of(Duration.ofMillis(10)))
      .reduce(sumRecs, (w: TimeWindow, values: Iterable<Rec>, o: Collector<string>) => o.collect(`[${w.start},${w.end}) ${[...values].map((r) => r.v)}`))
      .uid(UID)
      .addSink(out);
  assert.deepEqual(await restoreAndRun(sp, 2, job), ['[0,10) 5', '[10,20) 2']);
});

describe('processing-time windows', () => {
  test("windows by the writing job's clock, fired by the restored job once its clock has passed their end, not before", async () => {
    const window = () => TumblingProcessingTimeWindows.of(Duration.ofMillis(10));
    const sp = join(tempRoot(), 'sp');
    // The writing job's clock stands at 1003: every record goes into [1000, 1010).
    await write(sp, (env) => OperatorTransformation.bootstrapWith(env.fromData<Rec>({ k: 'a', v: 1, ts: 0 }, { k: 'a', v: 2, ts: 0 }, { k: 'b', v: 4, ts: 0 })).keyBy((r) => r.k).window(window()).aggregate(sumAgg), 2, new ManualClock(1003));
    const job = (env: StreamExecutionEnvironment, out: (l: string) => void) =>
      void env
        .fromData<Rec>()
        .keyBy((r) => r.k)
        .window(window())
        .aggregate(sumAgg, (key: string, w: TimeWindow, values: Iterable<number>, o: Collector<string>) => o.collect(`${key} [${w.start},${w.end}) ${[...values]}`))
        .uid(UID)
        .addSink(out);
    // Its end-of-window timer is at 1009: a job whose clock is short of it ends with the window still open.
    assert.deepEqual(await restoreAndRun(sp, 1, job, new ManualClock(1008)), []);
    assert.deepEqual(await restoreAndRun(sp, 2, job, new ManualClock(1009)), ['a [1000,1010) 3', 'b [1000,1010) 4']);
  });
});
