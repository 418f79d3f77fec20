/**
 * Bootstrapped windows read back with SavepointReader.window: what the SavepointWriter wrote of
 * some records (`bootstrapWith(…).keyBy(…).window(…)`) is, window by window, what a job with that
 * window holds in its savepoint after reading the same records with no watermark — the same
 * contents, trigger state and timers (end of window, cleanup after the allowed lateness,
 * processing time) — for tumbling, sliding and session windows, with reduce, aggregate, process
 * and an evictor. And the writer's windows read as the figures say they must.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { DataStream, KeyedStream } from '../../src/api/index.js';
import {
  type Collector,
  CountEvictor,
  CountTrigger,
  Duration,
  EventTimeSessionWindows,
  type GlobalWindow,
  GlobalWindows,
  type KeyedOperatorTransformation,
  OperatorTransformation,
  ProcessWindowFunction,
  ReducingStateDescriptor,
  SavepointReader,
  SavepointWriter,
  SlidingEventTimeWindows,
  type StateBootstrapTransformation,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  WatermarkStrategy,
  type WindowReaderContext,
  WindowReaderFunction,
} from '../../src/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { runJob } from '../helpers/run-job.js';
import { readWith, snapshotOf, tempRoot } from './snapshot-of.js';

/** A record: key, value, event time. */
interface Rec {
  readonly k: string;
  readonly v: number;
  readonly ts: number;
}

const RECORDS: readonly Rec[] = [
  { k: 'a', v: 1, ts: 1 },
  { k: 'b', v: 2, ts: 3 },
  { k: 'a', v: 3, ts: 5 },
  { k: 'a', v: 4, ts: 12 },
  { k: 'b', v: 5, ts: 14 },
  { k: 'a', v: 6, ts: 25 },
  { k: 'c', v: 7, ts: 18 },
];

const sum = (a: number, b: number): number => a + b;
const sumAgg = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (acc: number) => acc, merge: sum };
class Elements extends ProcessWindowFunction<number, number, string, TimeWindow> {
  process(): void {}
}

/** `key [start,end) contents count=… et=… pt=…` of each window read: its contents, CountTrigger's count, its timers. */
class Describe<W extends TimeWindow | GlobalWindow> extends WindowReaderFunction<number, string, string, W> {
  readWindow(key: string, ctx: WindowReaderContext<W>, elements: Iterable<number>, out: Collector<string>): void {
    const w = ctx.window() as W & Partial<TimeWindow>;
    const bounds = w.start === undefined ? 'global' : `[${w.start},${w.end})`;
    const count = ctx.triggerState(new ReducingStateDescriptor<number>('count', sum)).get();
    out.collect(`${key} ${bounds} ${JSON.stringify([...elements])}${count === undefined ? '' : ` count=${count}`} et=${ctx.registeredEventTimeTimers().join(',')} pt=${ctx.registeredProcessingTimeTimers().join(',')}`);
  }
}

type Values = KeyedStream<number, string>;
type Bootstrap = KeyedOperatorTransformation<string, number>;

/**
 * The savepoints of the job's window `job` and of the writer's `bootstrap` over `records` (no
 * watermark, the clock at 1000 in both), each window operator 'w'; the writer at parallelism 2.
 */
async function bothSavepoints(job: (values: Values) => { uid(id: string): unknown }, bootstrap: (values: Bootstrap) => StateBootstrapTransformation<string, number>, records: readonly Rec[] = RECORDS): Promise<[string, string]> {
  const keyOf = new Map(records.map((r) => [r.v, r.k]));
  const fromJob = await snapshotOf(records, (_, input) => void job(input.map((r) => r.v).keyBy((v) => keyOf.get(v)!)).uid('w'));
  const written = join(tempRoot(), 'sp');
  await runJob(
    (env: StreamExecutionEnvironment) => {
      const values = env
        .fromData<Rec>(...records)
        .assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<Rec>().withTimestampAssigner((r) => r.ts))
        .map((r) => r.v);
      SavepointWriter.newSavepoint(env).withOperator('w', bootstrap(OperatorTransformation.bootstrapWith(values).keyBy((v) => keyOf.get(v)!))).write(written);
    },
    { parallelism: 2, clock: new ManualClock(1000) },
  );
  return [fromJob, written];
}

/** Reads both savepoints (at parallelism 1 and 3): the same windows, and `expected`. */
async function readSame(sps: [string, string], read: (reader: SavepointReader) => DataStream<string>, expected: readonly string[]): Promise<void> {
  const [fromJob, written] = sps;
  for (const p of [1, 3]) {
    const w = (await readWith(p, (env) => read(SavepointReader.read(env, written)))).sort();
    const j = (await readWith(p, (env) => read(SavepointReader.read(env, fromJob)))).sort();
    assert.deepEqual(w, j, `at parallelism ${p}: the writer's windows are the job's`);
    assert.deepEqual(w, [...expected].sort(), `at parallelism ${p}`);
  }
}

const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const sliding = () => SlidingEventTimeWindows.of(Duration.ofMillis(20), Duration.ofMillis(10));
const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(10));

describe('tumbling windows (10 ms)', () => {
  const open = ['a [0,10) [4] et=9 pt=', 'a [10,20) [4] et=19 pt=', 'a [20,30) [6] et=29 pt=', 'b [0,10) [2] et=9 pt=', 'b [10,20) [5] et=19 pt=', 'c [10,20) [7] et=19 pt='];

  test('reduce: the reduced value of every window, with its end-of-window timer', async () => {
    const sps = await bothSavepoints((k) => k.window(tumbling()).reduce(sum), (k) => k.window(tumbling()).reduce(sum));
    await readSame(sps, (r) => r.window(tumbling()).reduce('w', sum, new Describe<TimeWindow>()), open);
  });

  test('allowed lateness 10: each window has its end and its cleanup timer', async () => {
    const lateness = Duration.ofMillis(10);
    const sps = await bothSavepoints((k) => k.window(tumbling()).allowedLateness(lateness).aggregate(sumAgg), (k) => k.window(tumbling()).allowedLateness(lateness).aggregate(sumAgg));
    const withCleanup = open.map((l) => l.replace(/et=(\d+)/, (_, end: string) => `et=${end},${Number(end) + 10}`));
    await readSame(sps, (r) => r.window(tumbling()).aggregate('w', sumAgg, new Describe<TimeWindow>()), withCleanup);
  });

  test('process with an evictor: every element, in the order it came', async () => {
    const evictor = () => CountEvictor.of<TimeWindow>(1);
    const sps = await bothSavepoints((k) => k.window(tumbling()).evictor(evictor()).process(new Elements()), (k) => k.window(tumbling()).evictor(evictor()).process(new Elements()));
    const elements = open.map((l) => l.replace('a [0,10) [4]', 'a [0,10) [1,3]'));
    await readSame(sps, (r) => r.window(tumbling()).evictor().process('w', new Describe<TimeWindow>()), elements);
  });
});

test('sliding windows (20 ms every 10 ms), aggregate: each record in two windows', async () => {
  const sps = await bothSavepoints((k) => k.window(sliding()).aggregate(sumAgg), (k) => k.window(sliding()).aggregate(sumAgg));
  const expected = [
    'a [-10,10) [4] et=9 pt=',
    'a [0,20) [8] et=19 pt=',
    'a [10,30) [10] et=29 pt=',
    'a [20,40) [6] et=39 pt=',
    'b [-10,10) [2] et=9 pt=',
    'b [0,20) [7] et=19 pt=',
    'b [10,30) [5] et=29 pt=',
    'c [0,20) [7] et=19 pt=',
    'c [10,30) [7] et=29 pt=',
  ];
  await readSame(sps, (r) => r.window(sliding()).aggregate('w', sumAgg, new Describe<TimeWindow>()), expected);
});

describe('session windows (gap 10 ms)', () => {
  test('process: sessions merged as the records came, each with the timer of its end', async () => {
    const sps = await bothSavepoints((k) => k.window(sessions()).process(new Elements()), (k) => k.window(sessions()).process(new Elements()));
    // a: 1, 5, 12 make [1, 22), and 25 one of its own; b's 3 and 14 are a gap apart.
    const expected = ['a [1,22) [1,3,4] et=21 pt=', 'a [25,35) [6] et=34 pt=', 'b [3,13) [2] et=12 pt=', 'b [14,24) [5] et=23 pt=', 'c [18,28) [7] et=27 pt='];
    await readSame(sps, (r) => r.window(sessions()).process('w', new Describe<TimeWindow>()), expected);
  });

  test("reduce under CountTrigger: the trigger's count of each merged session", async () => {
    const sps = await bothSavepoints((k) => k.window(sessions()).trigger(CountTrigger.of(100)).reduce(sum), (k) => k.window(sessions()).trigger(CountTrigger.of(100)).reduce(sum));
    const expected = ['a [1,22) [8] count=3 et=21 pt=', 'a [25,35) [6] count=1 et=34 pt=', 'b [3,13) [2] count=1 et=12 pt=', 'b [14,24) [5] count=1 et=23 pt=', 'c [18,28) [7] count=1 et=27 pt='];
    await readSame(sps, (r) => r.window(sessions()).reduce('w', sum, new Describe<TimeWindow>()), expected);
  });
});

describe('count and processing-time windows', () => {
  test("GlobalWindows with CountTrigger.of(3): each key's window and its count (no timer: a global window never ends)", async () => {
    const sps = await bothSavepoints((k) => k.window(GlobalWindows.create()).trigger(CountTrigger.of(3)).reduce(sum), (k) => k.window(GlobalWindows.create()).trigger(CountTrigger.of(3)).reduce(sum));
    // a's fourth record came after its window fired (not purged) at the third.
    await readSame(sps, (r) => r.window(GlobalWindows.create()).reduce('w', sum, new Describe<GlobalWindow>()), ['a global [14] count=1 et= pt=', 'b global [7] count=2 et= pt=', 'c global [7] count=1 et= pt=']);
  });

  test("processing-time windows: each key's window at the clock (1000), with its processing-time timer", async () => {
    const window = () => TumblingProcessingTimeWindows.of(Duration.ofMillis(10));
    const sps = await bothSavepoints((k) => k.window(window()).reduce(sum), (k) => k.window(window()).reduce(sum));
    await readSame(sps, (r) => r.window(window()).reduce('w', sum, new Describe<TimeWindow>()), ['a [1000,1010) [14] et= pt=1009', 'b [1000,1010) [7] et= pt=1009', 'c [1000,1010) [7] et= pt=1009']);
  });
});
