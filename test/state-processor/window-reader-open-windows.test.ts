/**
 * SavepointReader.window mid-stream: a job whose watermark has fired some windows and left others
 * open is savepointed, and the reader gives exactly the windows a restore would find — the open
 * ones with their contents, per key and window, with their pending timers; the fired ones only
 * while their allowed lateness keeps them (then with their cleanup timer alone). Tumbling,
 * sliding, session, count and processing-time windows; reduce (whose accumulators are buffered
 * in memory until the savepoint's cut writes them back), aggregate, process and evictors;
 * written at parallelism 2, read at 1 and 3.
 */
import assert from 'node:assert/strict';
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
  ProcessWindowFunction,
  ReducingStateDescriptor,
  SavepointReader,
  SlidingEventTimeWindows,
  type TimeWindow,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
  type WindowReaderContext,
  WindowReaderFunction,
} from '../../src/index.js';
import { punctuatedWatermarks, readWith, snapshotOf } from './snapshot-of.js';

/** A record: key, value, event time; `wm`: the watermark emitted after it. */
interface Rec {
  readonly k: string;
  readonly v: number;
  readonly ts: number;
  readonly wm?: number;
}

const punctuated = punctuatedWatermarks<Rec>();

/**
 * Keys a, b, c; the watermark reaches 9 (ending the windows [0, 10)) after the fifth record, and
 * 16 at the end: windows ending at 19 and later are open when the savepoint is taken.
 */
const RECORDS: readonly Rec[] = [
  { k: 'a', v: 1, ts: 1 },
  { k: 'b', v: 2, ts: 3 },
  { k: 'a', v: 3, ts: 5 },
  { k: 'a', v: 4, ts: 12 },
  { k: 'b', v: 5, ts: 14, wm: 9 },
  { k: 'a', v: 6, ts: 25 },
  { k: 'b', v: 7, ts: 27 },
  { k: 'c', v: 8, ts: 18 },
  { k: 'c', v: 9, ts: 31, wm: 16 },
];

type Keyed = KeyedStream<number, string>;
/** What a window's function returns, as far as these tests use it. */
interface Stateful {
  uid(id: string): { setParallelism(p: number): unknown };
}

/**
 * A savepoint of `window` over the values of `records` (each value once, keyed by its record's k,
 * at its ts), the window operator 'w' at parallelism 2.
 */
function savepointOf(window: (keyed: Keyed) => Stateful, records: readonly Rec[] = RECORDS): Promise<string> {
  const keyOf = new Map(records.map((r) => [r.v, r.k]));
  return snapshotOf(records, (_, input) => {
    const values = input.assignTimestampsAndWatermarks(punctuated).map((r) => r.v);
    window(values.keyBy((v) => keyOf.get(v)!)).uid('w').setParallelism(2);
  });
}

/** `key [start,end) contents et=... pt=...` for each window read. */
class Describe<W extends TimeWindow | GlobalWindow> extends WindowReaderFunction<number, string, string, W> {
  readWindow(key: string, ctx: WindowReaderContext<W>, elements: Iterable<number>, out: Collector<string>): void {
    const w = ctx.window() as W & Partial<TimeWindow>;
    const bounds = w.start === undefined ? 'global' : `[${w.start},${w.end})`;
    out.collect(`${key} ${bounds} ${JSON.stringify([...elements])} et=${ctx.registeredEventTimeTimers().join(',')} pt=${ctx.registeredProcessingTimeTimers().join(',')}`);
  }
}

async function readsAs(sp: string, read: (reader: SavepointReader) => DataStream<string>, expected: string[]): Promise<void> {
  for (const p of [1, 3]) {
    const rows = await readWith(p, (env) => read(SavepointReader.read(env, sp)));
    assert.deepEqual(rows.sort(), [...expected].sort(), `read at parallelism ${p}`);
  }
}

const sum = (a: number, b: number): number => a + b;
const sumAgg = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (acc: number) => acc, merge: sum };
const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const sliding = () => SlidingEventTimeWindows.of(Duration.ofMillis(20), Duration.ofMillis(10));

class Elements extends ProcessWindowFunction<number, number, string, TimeWindow> {
  process(): void {}
}

describe('tumbling windows', () => {
  // The windows [0, 10) fired at watermark 9 and were cleared; each open window's timer is its end.
  const open = ['a [10,20) [4] et=19 pt=', 'a [20,30) [6] et=29 pt=', 'b [10,20) [5] et=19 pt=', 'b [20,30) [7] et=29 pt=', 'c [10,20) [8] et=19 pt=', 'c [30,40) [9] et=39 pt='];

  test('reduce (accumulators buffered in memory until the cut): only the open windows, each with its end-of-window timer', async () => {
    const sp = await savepointOf((k) => k.window(tumbling()).reduce(sum));
    await readsAs(sp, (r) => r.window(tumbling()).reduce('w', sum, new Describe<TimeWindow>()), open);
  });

  test('allowed lateness 10: the fired windows [0, 10) are kept until 19, with their cleanup timer alone; open ones have their end and cleanup timers', async () => {
    const sp = await savepointOf((k) => k.window(tumbling()).allowedLateness(Duration.ofMillis(10)).reduce(sum));
    const expected = [
      'a [0,10) [4] et=19 pt=',
      'b [0,10) [2] et=19 pt=',
      'a [10,20) [4] et=19,29 pt=',
      'a [20,30) [6] et=29,39 pt=',
      'b [10,20) [5] et=19,29 pt=',
      'b [20,30) [7] et=29,39 pt=',
      'c [10,20) [8] et=19,29 pt=',
      'c [30,40) [9] et=39,49 pt=',
    ];
    await readsAs(sp, (r) => r.window(tumbling()).reduce('w', sum, new Describe<TimeWindow>()), expected);
  });

  test('aggregate, process, and process with an evictor: the same windows', async () => {
    const agg = await savepointOf((k) => k.window(tumbling()).aggregate(sumAgg));
    await readsAs(agg, (r) => r.window(tumbling()).aggregate('w', sumAgg, new Describe<TimeWindow>()), open);
    const elements = await savepointOf((k) => k.window(tumbling()).process(new Elements()));
    await readsAs(elements, (r) => r.window(tumbling()).process('w', new Describe<TimeWindow>()), open);
    const evicting = await savepointOf((k) => k.window(tumbling()).evictor(CountEvictor.of(5)).process(new Elements()));
    await readsAs(evicting, (r) => r.window(tumbling()).evictor().process('w', new Describe<TimeWindow>()), open);
  });
});

describe('sliding windows (20 ms every 10 ms)', () => {
  // Each record is in two windows; those ending at 9 fired at watermark 9.
  const elements = [
    'a [0,20) [1,3,4] et=19 pt=',
    'a [10,30) [4,6] et=29 pt=',
    'a [20,40) [6] et=39 pt=',
    'b [0,20) [2,5] et=19 pt=',
    'b [10,30) [5,7] et=29 pt=',
    'b [20,40) [7] et=39 pt=',
    'c [0,20) [8] et=19 pt=',
    'c [10,30) [8] et=29 pt=',
    'c [20,40) [9] et=39 pt=',
    'c [30,50) [9] et=49 pt=',
  ];
  const summed = elements.map((l) => l.replace(/\[([\d,]+)\] et/, (_, xs: string) => `[${xs.split(',').reduce((n, x) => n + Number(x), 0)}] et`));

  test('aggregate: the sum of each open window', async () => {
    const sp = await savepointOf((k) => k.window(sliding()).aggregate(sumAgg));
    await readsAs(sp, (r) => r.window(sliding()).aggregate('w', sumAgg, new Describe<TimeWindow>()), summed);
  });

  test('process: the elements of each open window, in the order they came', async () => {
    const sp = await savepointOf((k) => k.window(sliding()).process(new Elements()));
    await readsAs(sp, (r) => r.window(sliding()).process('w', new Describe<TimeWindow>()), elements);
  });

  test('reduce with an evictor: the elements, reduced by the reader', async () => {
    const sp = await savepointOf((k) => k.window(sliding()).evictor(CountEvictor.of(10)).reduce(sum));
    await readsAs(sp, (r) => r.window(sliding()).evictor().reduce('w', sum, new Describe<TimeWindow>()), summed);
  });
});

describe('session windows (gap 10 ms)', () => {
  // a and b each open a session that watermark 20 ends; then a's [30,40) and [45,55) are merged by
  // 38 into [30,55), whose contents stay under [30,40)'s namespace; b opens [50,60).
  const records: Rec[] = [
    { k: 'a', v: 1, ts: 1 },
    { k: 'b', v: 2, ts: 2, wm: 20 },
    { k: 'a', v: 30, ts: 30 },
    { k: 'a', v: 45, ts: 45 },
    { k: 'a', v: 38, ts: 38 },
    { k: 'b', v: 50, ts: 50 },
  ];
  const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(10));

  test('reduce: each open session as it stands, merged ones too, with the timer of its end', async () => {
    const sp = await savepointOf((k) => k.window(sessions()).reduce(sum), records);
    await readsAs(sp, (r) => r.window(sessions()).reduce('w', sum, new Describe<TimeWindow>()), ['a [30,55) [113] et=54 pt=', 'b [50,60) [50] et=59 pt=']);
  });

  test('process with an evictor: the merged elements, the merged-in window after the one that kept its state', async () => {
    const sp = await savepointOf((k) => k.window(sessions()).evictor(CountEvictor.of(10)).process(new Elements()), records);
    await readsAs(sp, (r) => r.window(sessions()).evictor().process('w', new Describe<TimeWindow>()), ['a [30,55) [30,45,38] et=54 pt=', 'b [50,60) [50] et=59 pt=']);
  });

  test("aggregate under CountTrigger: the trigger's state is the session's (merged into its namespace, not the one holding its contents)", async () => {
    class CountOfSession extends WindowReaderFunction<number, string, string, TimeWindow> {
      readWindow(key: string, ctx: WindowReaderContext<TimeWindow>, elements: Iterable<number>, out: Collector<string>): void {
        const count = ctx.triggerState(new ReducingStateDescriptor<number>('count', sum)).get();
        out.collect(`${key} [${ctx.window().start},${ctx.window().end}) ${[...elements].join()} count=${count} et=${ctx.registeredEventTimeTimers().join()}`);
      }
    }
    const sp = await savepointOf((k) => k.window(sessions()).trigger(CountTrigger.of(100)).aggregate(sumAgg), records);
    await readsAs(sp, (r) => r.window(sessions()).aggregate('w', sumAgg, new CountOfSession()), ['a [30,55) 113 count=3 et=54', 'b [50,60) 50 count=1 et=59']);
  });

  test('a trigger state the operator never wrote reads as empty (a trigger that keeps none), as in Flink', async () => {
    class NoState extends WindowReaderFunction<number, string, string, TimeWindow> {
      readWindow(key: string, ctx: WindowReaderContext<TimeWindow>, _e: Iterable<number>, out: Collector<string>): void {
        out.collect(`${key} ${String(ctx.triggerState(new ReducingStateDescriptor<number>('count', sum)).get())}`);
      }
    }
    const sp = await savepointOf((k) => k.window(sessions()).reduce(sum), records);
    await readsAs(sp, (r) => r.window(sessions()).reduce('w', sum, new NoState()), ['a undefined', 'b undefined']);
  });
});

describe('count and processing-time windows', () => {
  test("countWindow(3): each key's window not yet full, with CountTrigger's count of it", async () => {
    class CountState extends WindowReaderFunction<number, string, string, GlobalWindow> {
      readWindow(key: string, ctx: WindowReaderContext<GlobalWindow>, elements: Iterable<number>, out: Collector<string>): void {
        out.collect(`${key} ${[...elements].join()} count=${ctx.triggerState(new ReducingStateDescriptor<number>('count', sum)).get()}`);
      }
    }
    // a: 4 records (a window fired and purged at the third, one element in the next); b: 3 (fired
    // and purged: nothing left); c: 2.
    const sp = await savepointOf((k) => k.countWindow(3).reduce(sum));
    await readsAs(sp, (r) => r.window(GlobalWindows.create()).reduce('w', sum, new CountState()), ['a 6 count=1', 'c 17 count=2']);
  });

  test("processing-time windows: each key's window at the writing job's clock, with its processing-time timer", async () => {
    const window = () => TumblingProcessingTimeWindows.of(Duration.ofMillis(10));
    // The writing job's clock stands at 1000 (snapshotOf's manual clock): every record is in [1000, 1010).
    const sp = await savepointOf((k) => k.window(window()).reduce(sum));
    await readsAs(sp, (r) => r.window(window()).reduce('w', sum, new Describe<TimeWindow>()), ['a [1000,1010) [14] et= pt=1009', 'b [1000,1010) [14] et= pt=1009', 'c [1000,1010) [17] et= pt=1009']);
  });
});

// A subtask may hold no window at the cut: its keys' windows all fired and were cleaned up, or
// it was given no key. It reads as nothing, for windows that merge and windows that do not,
// beside what the other subtask holds — not as an operator of another kind.
describe('subtasks without windows', () => {
  const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(10));

  test('one key only: the other subtask has no session, and reads as none', async () => {
    const sp = await savepointOf((k) => k.window(sessions()).reduce(sum), [{ k: 'a', v: 1, ts: 1 }, { k: 'a', v: 2, ts: 5 }]);
    await readsAs(sp, (r) => r.window(sessions()).reduce('w', sum, new Describe<TimeWindow>()), ['a [1,15) [3] et=14 pt=']);
  });

  test('every session fired and cleaned up before the savepoint: nothing to read', async () => {
    const records: Rec[] = [
      { k: 'a', v: 1, ts: 1 },
      { k: 'b', v: 2, ts: 2 },
      { k: 'c', v: 3, ts: 3, wm: 100 },
    ];
    const sp = await savepointOf((k) => k.window(sessions()).reduce(sum), records);
    await readsAs(sp, (r) => r.window(sessions()).reduce('w', sum, new Describe<TimeWindow>()), []);
  });

  test('every tumbling window fired, then one key opens a new one', async () => {
    const records: Rec[] = [
      { k: 'a', v: 1, ts: 1 },
      { k: 'b', v: 2, ts: 2, wm: 50 },
      { k: 'a', v: 3, ts: 61 },
    ];
    const sp = await savepointOf((k) => k.window(tumbling()).reduce(sum), records);
    await readsAs(sp, (r) => r.window(tumbling()).reduce('w', sum, new Describe<TimeWindow>()), ['a [60,70) [3] et=69 pt=']);
  });
});
