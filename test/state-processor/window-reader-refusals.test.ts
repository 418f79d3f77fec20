/**
 * SavepointReader.window refuses, in one line, what it would misread: an unknown uid, an operator
 * that is not a window operator, windows kept another way than the reader was told (reduce read
 * as aggregate, an evicting window without `.evictor()`, ...), windows of another assigner
 * (another size: a tumbling window's namespace is its start alone; sessions and windows that do
 * not merge), per-window state of merging windows, trigger state read as another kind, and
 * arguments that are not what the job used.
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
  EventTimeTrigger,
  GlobalWindows,
  KeyedProcessFunction,
  ProcessWindowFunction,
  SavepointReader,
  StreamExecutionEnvironment,
  TimeWindow,
  TimeWindowBoundsSerializer,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WindowAssigner,
  type WindowReaderContext,
  WindowReaderFunction,
} from '../../src/index.js';
import { SnapshotRestoreError } from '../../src/checkpoint/snapshot-loader.js';
import { readFailure, snapshotOf } from './snapshot-of.js';

interface Stateful {
  uid(id: string): { setParallelism(p: number): unknown };
}

/** A savepoint of `window` over 1..6 at event times 0..5, keyed by parity, as operator 'w' at parallelism 2. */
function savepointOf(window: (keyed: KeyedStream<number, number>) => Stateful): Promise<string> {
  const records = [1, 2, 3, 4, 5, 6].map((v) => ({ v, ts: v - 1 }));
  return snapshotOf(records, (_, input) => void window(input.map((r) => r.v).keyBy((v) => v % 2)).uid('w').setParallelism(2));
}

const sum = (a: number, b: number): number => a + b;
const sumAgg = { createAccumulator: () => 0, add: (v: number, acc: number) => acc + v, getResult: (acc: number) => acc, merge: sum };
const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const sessions = () => EventTimeSessionWindows.withGap(Duration.ofMillis(10));

class Elements extends ProcessWindowFunction<number, number, number, TimeWindow> {
  process(): void {}
}

class Emit extends WindowReaderFunction<number, number, number, TimeWindow> {
  readWindow(_k: number, _c: WindowReaderContext<TimeWindow>, elements: Iterable<number>, out: Collector<number>): void {
    for (const e of elements) out.collect(e);
  }
}

/** Asserts `e` is a one-line SnapshotRestoreError with `code` matching `message`. */
function isRefusal(e: unknown, code: string, message: RegExp): void {
  assert.ok(e instanceof SnapshotRestoreError, String(e));
  assert.equal(e.code, code);
  assert.match(e.message, message);
  assert.ok(!e.message.includes('\n'), e.message);
}

describe('refused before the reading job runs', () => {
  test('an unknown uid, naming the uids there are', async () => {
    const sp = await savepointOf((k) => k.window(tumbling()).reduce(sum));
    const reader = SavepointReader.read(StreamExecutionEnvironment.getExecutionEnvironment(), sp);
    assert.throws(() => reader.window(tumbling()).reduce('nope', sum), (e) => (isRefusal(e, 'snapshot.unknownOperator', /no state of an operator with uid 'nope'; it has 'gated', 'w'/), true));
  });

  test("an operator that is no window operator: keyed state of a process function, a source's operator state", async () => {
    class Count extends KeyedProcessFunction<number, number, number> {
      override open(): void {
        this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
      }
      processElement(): void {}
    }
    const sp = await savepointOf((k) => k.process(new Count()));
    const reader = SavepointReader.read(StreamExecutionEnvironment.getExecutionEnvironment(), sp);
    for (const uid of ['w', 'gated']) {
      assert.throws(() => reader.window(tumbling()).reduce(uid, sum), (e) => (isRefusal(e, 'snapshot.stateKindMismatch', new RegExp(`Operator '${uid}' in .* is not a window operator \\(it keeps no window contents\\): read its keyed state with readKeyedState`)), true));
    }
  });

  test('arguments that are not what a job uses: no assigner, no reduce or aggregate function, no reader function', async () => {
    const sp = await savepointOf((k) => k.window(tumbling()).reduce(sum));
    const reader = SavepointReader.read(StreamExecutionEnvironment.getExecutionEnvironment(), sp);
    assert.throws(() => reader.window({} as never), /window needs the WindowAssigner the job used/);
    assert.throws(() => reader.window(tumbling()).reduce('w', 42 as never), /reduce needs the ReduceFunction the window used/);
    assert.throws(() => reader.window(tumbling()).aggregate('w', { add: sum } as never), /aggregate needs the AggregateFunction the window used/);
    assert.throws(() => reader.window(tumbling()).process('w', { readWindow() {} } as never), /must be a WindowReaderFunction/);
  });
});

describe('refused when the reading job opens the savepoint: windows kept another way', () => {
  const cases: Array<[string, (k: KeyedStream<number, number>) => Stateful, (r: SavepointReader) => DataStream<number>, RegExp]> = [
    ['a reduce window read as aggregate', (k) => k.window(tumbling()).reduce(sum), (r) => r.window(tumbling()).aggregate('w', sumAgg), /is a window operator that reduces its windows \(\.reduce\): read it with window\(assigner\)\.reduce\(\.\.\.\), not window\(assigner\)\.aggregate\(\.\.\.\)\.$/],
    ['an aggregate window read as reduce', (k) => k.window(tumbling()).aggregate(sumAgg), (r) => r.window(tumbling()).reduce('w', sum), /aggregates its windows \(\.aggregate\): read it with window\(assigner\)\.aggregate\(\.\.\.\), not window\(assigner\)\.reduce/],
    ['a process window read as reduce', (k) => k.window(tumbling()).process(new Elements()), (r) => r.window(tumbling()).reduce('w', sum), /keeps its windows' elements \(\.process or \.apply\): read it with window\(assigner\)\.process\(\.\.\.\), not window\(assigner\)\.reduce/],
    ['a reduce window read as process', (k) => k.window(tumbling()).reduce(sum), (r) => r.window(tumbling()).process('w', new Emit()), /reduces its windows \(\.reduce\): read it with window\(assigner\)\.reduce\(\.\.\.\), not window\(assigner\)\.process/],
    ['an evicting window read without evictor()', (k) => k.window(tumbling()).evictor(CountEvictor.of(9)).process(new Elements()), (r) => r.window(tumbling()).process('w', new Emit()), /keeps its windows' elements for an evictor \(\.evictor\): read it with window\(assigner\)\.evictor\(\)\.reduce\/aggregate\/process\(\.\.\.\), not window\(assigner\)\.process/],
    ['an evicting reduce window read as reduce', (k) => k.window(tumbling()).evictor(CountEvictor.of(9)).reduce(sum), (r) => r.window(tumbling()).reduce('w', sum), /for an evictor \(\.evictor\): read it with window\(assigner\)\.evictor\(\)/],
    ['a window without evictor read with evictor()', (k) => k.window(tumbling()).process(new Elements()), (r) => r.window(tumbling()).evictor().process('w', new Emit()), /keeps its windows' elements \(\.process or \.apply\): read it with window\(assigner\)\.process\(\.\.\.\), not window\(assigner\)\.evictor\(\)/],
  ];
  for (const [name, write, read, message] of cases) {
    test(name, async () => {
      const sp = await savepointOf(write);
      isRefusal(await readFailure(sp, read), 'snapshot.stateKindMismatch', message);
    });
  }
});

/** Windows of 10 ms from each element's time, encoded as sessions' are ("start:end"), that never merge. */
class BoundsWindows extends WindowAssigner<unknown, TimeWindow> {
  assignWindows(_e: unknown, timestamp: number): TimeWindow[] {
    return [new TimeWindow(timestamp, timestamp + 10)];
  }
  getDefaultTrigger(): EventTimeTrigger {
    return EventTimeTrigger.create();
  }
  isEventTime(): boolean {
    return true;
  }
  getWindowSerializer(): TimeWindowBoundsSerializer {
    return TimeWindowBoundsSerializer.INSTANCE;
  }
}

describe('refused when the reading job opens the savepoint: windows of another assigner', () => {
  test("tumbling windows of 10 ms read as 1 ms ones (Flink reads them, its windows keep their end; here a window's namespace is its start)", async () => {
    const sp = await savepointOf((k) => k.window(tumbling()).reduce(sum));
    const e = await readFailure(sp, (r) => r.window(TumblingEventTimeWindows.of(Duration.ofMillis(1))).reduce('w', sum));
    isRefusal(e, 'snapshot.windowMismatch', /keeps windows of another assigner \(TimeWindow\.start\/10\) than the reader's \(TimeWindow\.start\/1\): read it with the window assigner the job used/);
  });

  test('tumbling windows read as sessions, and sessions as tumbling windows', async () => {
    const tumblingSp = await savepointOf((k) => k.window(tumbling()).reduce(sum));
    isRefusal(await readFailure(tumblingSp, (r) => r.window(sessions()).reduce('w', sum)), 'snapshot.windowMismatch', /another assigner \(TimeWindow\.start\/10\) than the reader's \(TimeWindow\.bounds\)/);
    const sessionSp = await savepointOf((k) => k.window(sessions()).reduce(sum));
    isRefusal(await readFailure(sessionSp, (r) => r.window(tumbling()).reduce('w', sum)), 'snapshot.windowMismatch', /another assigner \(TimeWindow\.bounds\) than the reader's \(TimeWindow\.start\/10\)/);
    isRefusal(await readFailure(sessionSp, (r) => r.window(GlobalWindows.create()).reduce('w', sum)), 'snapshot.windowMismatch', /than the reader's \(GlobalWindow\)/);
  });

  test('windows encoded alike, one assigner merging them and the other not', async () => {
    const sessionSp = await savepointOf((k) => k.window(sessions()).reduce(sum));
    isRefusal(await readFailure(sessionSp, (r) => r.window(new BoundsWindows()).reduce('w', sum)), 'snapshot.windowMismatch', /keeps merging windows \(sessions\), which the reader's assigner does not merge/);
    const boundsSp = await savepointOf((k) => k.window(new BoundsWindows()).reduce(sum));
    isRefusal(await readFailure(boundsSp, (r) => r.window(sessions()).reduce('w', sum)), 'snapshot.windowMismatch', /keeps windows that do not merge, and the reader's assigner merges them/);
  });
});

describe("refused by the reader function's own reads", () => {
  test("per-window state of merging windows (Flink's window operator refuses it too)", async () => {
    class PerWindow extends WindowReaderFunction<number, number, number, TimeWindow> {
      readWindow(_k: number, ctx: WindowReaderContext<TimeWindow>): void {
        ctx.windowState().getState(new ValueStateDescriptor<number>('x'));
      }
    }
    const sp = await savepointOf((k) => k.window(sessions()).reduce(sum));
    const e = await readFailure(sp, (r) => r.window(sessions()).reduce('w', sum, new PerWindow()));
    assert.match(e.message, /Per-window state is not allowed when using merging windows\./);
  });

  test("a trigger's state read as another kind than the trigger wrote it (CountTrigger's 'count' is reducing state)", async () => {
    class CountAsValue extends WindowReaderFunction<number, number, number, TimeWindow> {
      readWindow(_k: number, ctx: WindowReaderContext<TimeWindow>, _e: Iterable<number>, out: Collector<number>): void {
        out.collect(ctx.triggerState(new ValueStateDescriptor<number>('count')).value() ?? -1);
      }
    }
    const sp = await savepointOf((k) => k.window(tumbling()).trigger(CountTrigger.of(100)).reduce(sum));
    const e = await readFailure(sp, (r) => r.window(tumbling()).reduce('w', sum, new CountAsValue()));
    assert.match(e.message, /State 'count' was reducing state in the restored snapshot but is registered as value state/);
    assert.ok(!e.message.includes('\n'));
  });
});
