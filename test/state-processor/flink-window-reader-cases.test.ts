/**
 * SavepointReader.window against Flink's own cases (flink-state-processing-api:
 * SavepointWindowReaderITCase, WindowReaderTest): a window operator's savepoint written in this
 * process while its windows are open (no watermark has passed them), read back per key and
 * window — the reduced value, the aggregate's result, the elements (with or without an evictor),
 * the trigger's state, per-window and global state, the windows' timers — at several
 * parallelisms.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DataStream, KeyedStream } from '../../src/api/index.js';
import {
  type Collector,
  CountTrigger,
  Duration,
  EventTimeSessionWindows,
  type Evictor,
  type GlobalWindow,
  GlobalWindows,
  type ProcessWindowContext,
  ProcessWindowFunction,
  PurgingTrigger,
  ReducingStateDescriptor,
  SavepointReader,
  type StreamExecutionEnvironment,
  type TimeWindow,
  Trigger,
  TriggerResult,
  TumblingEventTimeWindows,
  type WindowReaderContext,
  WindowReaderFunction,
} from '../../src/index.js';
import { readWith, snapshotOf } from './snapshot-of.js';

const UID = 'stateful-operator';
/** What a window's function returns, as far as these tests use it. */
interface Stateful {
  uid(id: string): { setParallelism(p: number): unknown };
}
const sum = (a: number, b: number): number => a + b;
/** Flink's AggregateSum: an accumulator that is the sum. */
const aggregateSum = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (acc: number) => acc, merge: sum };
/** Flink's NoOpEvictor: evicts nothing. */
const noOpEvictor: Evictor<number, TimeWindow> = { evictBefore() {}, evictAfter() {} };

class NoOpProcessWindowFunction extends ProcessWindowFunction<number, number, number, TimeWindow> {
  process(): void {}
}

/** Flink's BasicReaderFunction, emitting what it sees instead of asserting it: the first element, the window, its event-time timers. */
class BasicReaderFunction extends WindowReaderFunction<number, string, number, TimeWindow> {
  readWindow(key: number, ctx: WindowReaderContext<TimeWindow>, elements: Iterable<number>, out: Collector<string>): void {
    const first = [...elements][0];
    const w = ctx.window();
    out.collect(`${key}: ${first} in [${w.start},${w.end}) et=${ctx.registeredEventTimeTimers().join(',')} pt=${ctx.registeredProcessingTimeTimers().join(',')}`);
  }
}

/** The numbers 1, 2, 3, each at event time 0 (SavepointWindowReaderITCase's input), keyed by themselves, windowed by `window`. */
async function itCaseSavepoint(window: (keyed: KeyedStream<number, number>) => Stateful): Promise<string> {
  const records = [1, 2, 3].map((v) => ({ v, ts: 0 }));
  return snapshotOf(records, (_, input) => {
    window(input.map((r) => r.v).keyBy((v) => v))
      .uid(UID)
      .setParallelism(4);
  });
}

const tumbling10 = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const sorted = <T>(rows: T[]): T[] => rows.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));

/** Reads `sp` at parallelism 1 and 3, asserting both give `expected` (in any order). */
async function readsAs<T>(sp: string, read: (reader: SavepointReader) => DataStream<T>, expected: T[]): Promise<void> {
  for (const p of [1, 3]) {
    const rows = await readWith(p, (env: StreamExecutionEnvironment) => read(SavepointReader.read(env, sp)));
    assert.deepEqual(sorted(rows), sorted([...expected]), `read at parallelism ${p}`);
  }
}

describe('SavepointWindowReaderITCase: each key its open window [0, 10), whatever kept it', () => {
  test('reduce: the reduced value of each window', async () => {
    const sp = await itCaseSavepoint((k) => k.window(tumbling10()).reduce(sum));
    await readsAs(sp, (r) => r.window(tumbling10()).reduce(UID, sum), [1, 2, 3]);
  });

  test('reduce with an evictor: the elements, reduced by the reader', async () => {
    const sp = await itCaseSavepoint((k) => k.window(tumbling10()).evictor(noOpEvictor).reduce(sum));
    await readsAs(sp, (r) => r.window(tumbling10()).evictor().reduce(UID, sum), [1, 2, 3]);
  });

  test("aggregate: the aggregate's result of each window", async () => {
    const sp = await itCaseSavepoint((k) => k.window(tumbling10()).aggregate(aggregateSum));
    await readsAs(sp, (r) => r.window(tumbling10()).aggregate(UID, aggregateSum), [1, 2, 3]);
  });

  test('aggregate with an evictor: the elements, aggregated by the reader', async () => {
    const sp = await itCaseSavepoint((k) => k.window(tumbling10()).evictor(noOpEvictor).aggregate(aggregateSum));
    await readsAs(sp, (r) => r.window(tumbling10()).evictor().aggregate(UID, aggregateSum), [1, 2, 3]);
  });

  const basic = ['1: 1 in [0,10) et=9 pt=', '2: 2 in [0,10) et=9 pt=', '3: 3 in [0,10) et=9 pt='];
  test("process: the elements, the window and its end-of-window timer (Flink's BasicReaderFunction)", async () => {
    const sp = await itCaseSavepoint((k) => k.window(tumbling10()).process(new NoOpProcessWindowFunction()));
    await readsAs(sp, (r) => r.window(tumbling10()).process(UID, new BasicReaderFunction()), basic);
  });

  test('process with an evictor', async () => {
    const sp = await itCaseSavepoint((k) => k.window(tumbling10()).evictor(noOpEvictor).process(new NoOpProcessWindowFunction()));
    await readsAs(sp, (r) => r.window(tumbling10()).evictor().process(UID, new BasicReaderFunction()), basic);
  });

  test('apply (a WindowFunction), with and without an evictor: read as process', async () => {
    const noOp = (_key: number, _w: TimeWindow, _input: Iterable<number>, _out: Collector<number>): void => {};
    const plain = await itCaseSavepoint((k) => k.window(tumbling10()).apply(noOp));
    await readsAs(plain, (r) => r.window(tumbling10()).process(UID, new BasicReaderFunction()), basic);
    const evicting = await itCaseSavepoint((k) => k.window(tumbling10()).evictor(noOpEvictor).apply(noOp));
    await readsAs(evicting, (r) => r.window(tumbling10()).evictor().process(UID, new BasicReaderFunction()), basic);
  });

  test("the trigger's state: PurgingTrigger.of(CountTrigger.of(10)) on global windows counted 1 per key", async () => {
    class TriggerReaderFunction extends WindowReaderFunction<number, number, number, GlobalWindow> {
      private readonly count = new ReducingStateDescriptor<number>('count', sum);
      readWindow(_key: number, ctx: WindowReaderContext<GlobalWindow>, _elements: Iterable<number>, out: Collector<number>): void {
        out.collect(ctx.triggerState(this.count).get()!);
      }
    }
    const records = [1, 2, 3].map((v) => ({ v }));
    const sp = await snapshotOf(records, (_, input) => {
      input
        .map((r) => r.v)
        .keyBy((v) => v)
        .window(GlobalWindows.create())
        .trigger(PurgingTrigger.of(CountTrigger.of(10)))
        .reduce(sum)
        .uid(UID)
        .setParallelism(4);
    });
    await readsAs(sp, (r) => r.window(GlobalWindows.create()).reduce(UID, sum, new TriggerReaderFunction()), [1, 1, 1]);
  });
});

/** WindowReaderTest's input: the element 1 at times 0 and 1, one key. */
async function readerTestSavepoint(window: (keyed: KeyedStream<number, number>) => Stateful): Promise<string> {
  const records = [0, 1].map((ts) => ({ v: 1, ts }));
  return snapshotOf(records, (_, input) => void window(input.map((r) => r.v).keyBy((v) => v)).uid('uid'));
}

const tumbling1 = () => TumblingEventTimeWindows.of(Duration.ofMillis(1));

describe('WindowReaderTest: one key, elements at 0 and 1', () => {
  test('a reducing window of 1 ms: two windows, 1 each', async () => {
    const sp = await readerTestSavepoint((k) => k.window(tumbling1()).reduce(sum));
    await readsAs(sp, (r) => r.window(tumbling1()).reduce('uid', sum), [1, 1]);
  });

  test('a session window with a gap of 3 ms: one session, 2', async () => {
    const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(3));
    const sp = await readerTestSavepoint((k) => k.window(sessions()).reduce(sum));
    await readsAs(sp, (r) => r.window(sessions()).reduce('uid', sum), [2]);
  });

  test('an aggregating window: two windows, 1 each', async () => {
    const sp = await readerTestSavepoint((k) => k.window(tumbling1()).aggregate(aggregateSum));
    await readsAs(sp, (r) => r.window(tumbling1()).aggregate('uid', aggregateSum), [1, 1]);
  });

  test('a process window: two windows, their element each', async () => {
    const sp = await readerTestSavepoint((k) => k.window(tumbling1()).process(new NoOpProcessWindowFunction()));
    class PassThrough extends WindowReaderFunction<number, number, number, TimeWindow> {
      readWindow(_k: number, _c: WindowReaderContext<TimeWindow>, elements: Iterable<number>, out: Collector<number>): void {
        for (const e of elements) out.collect(e);
      }
    }
    await readsAs(sp, (r) => r.window(tumbling1()).process('uid', new PassThrough()), [1, 1]);
  });

  test("per-pane and per-key state (a window function's windowState() and globalState()): [per key 2, per pane 1] for each window", async () => {
    class AlwaysFireTrigger extends Trigger<unknown, TimeWindow> {
      onElement(): TriggerResult {
        return TriggerResult.FIRE;
      }
      clear(): void {}
    }
    const perKey = () => new ReducingStateDescriptor<number>('per-key', sum);
    const perPane = () => new ReducingStateDescriptor<number>('per-pane', sum);
    class MultiFireWindow extends ProcessWindowFunction<number, number, number, TimeWindow> {
      process(_k: number, ctx: ProcessWindowContext<TimeWindow>, elements: Iterable<number>): void {
        const element = [...elements][0]!;
        ctx.globalState().getReducingState(perKey()).add(element);
        ctx.windowState().getReducingState(perPane()).add(element);
      }
    }
    class MultiFireReaderFunction extends WindowReaderFunction<number, [number, number], number, TimeWindow> {
      readWindow(_k: number, ctx: WindowReaderContext<TimeWindow>, _e: Iterable<number>, out: Collector<[number, number]>): void {
        out.collect([ctx.globalState().getReducingState(perKey()).get()!, ctx.windowState().getReducingState(perPane()).get()!]);
      }
    }
    const sp = await readerTestSavepoint((k) => k.window(tumbling1()).trigger(new AlwaysFireTrigger()).process(new MultiFireWindow()));
    const expected: [number, number][] = [
      [2, 1],
      [2, 1],
    ];
    await readsAs(sp, (r) => r.window(tumbling1()).process('uid', new MultiFireReaderFunction()), expected);
  });
});
