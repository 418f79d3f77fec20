/**
 * The function of every two-input operator may be a CheckpointedFunction and a CheckpointListener:
 * co-map, co-flatMap, co-process, keyed co-process, both broadcast functions, an interval join's
 * ProcessJoinFunction, and a window join's and coGroup's function. Flink's AbstractUdfStreamOperator
 * snapshots and restores each (looking through the WrappingFunction a window join's or coGroup's
 * is wrapped in) and tells its outermost function of completed checkpoints; here the wrapped one
 * is told too. Each function below writes operator ListState in `snapshotState` and reads it back
 * in `initializeState` after a restore, through a real job: a checkpoint, then a restore from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BroadcastProcessFunction,
  type CheckpointListener,
  type CheckpointedFunction,
  CoProcessFunction,
  type CoGroupFunction,
  type Collector,
  type DataStream,
  Duration,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type JoinFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  type ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  ProcessJoinFunction,
  RichCoFlatMapFunction,
  RichCoMapFunction,
  type SingleOutputStreamOperator,
  type StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../../src/index.js';
import { restoreAndRun } from '../../state-processor/restore-and-run.js';
import { snapshotOf } from '../../state-processor/snapshot-of.js';

type E = { readonly k: number; readonly ts: number };

/** What every function below heard, in order: `<name> <event>`. */
const heard: string[] = [];

/**
 * `Base` made a CheckpointedFunction and CheckpointListener named `name`, as a user's class would
 * be: its operator ListState holds the checkpoint it last snapshotted, read back on restore.
 */
// TypeScript's mixin rule: a class extending a type parameter needs a constructor type taking any[].
function checkpointed<B extends abstract new (...args: any[]) => object>(name: string, Base: B) {
  abstract class Checkpointed extends Base implements CheckpointedFunction, CheckpointListener {
    private list!: ListState<string>;
    initializeState(ctx: FunctionInitializationContext): void {
      this.list = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<string>('probe'));
      heard.push(`${name} initializeState restored=${ctx.isRestored()} ${JSON.stringify(this.list.get())}`);
    }
    snapshotState(ctx: FunctionSnapshotContext): void {
      this.list.update([`${name}@${ctx.getCheckpointId()}`]);
      heard.push(`${name} snapshotState ${ctx.getCheckpointId()}`);
    }
    notifyCheckpointComplete(id: number): void {
      heard.push(`${name} notifyCheckpointComplete ${id}`);
    }
  }
  return Checkpointed;
}

class CoMap extends checkpointed('coMap', RichCoMapFunction<E, E, number>) {
  map1(e: E): number {
    return e.k;
  }
  map2(e: E): number {
    return e.k;
  }
}

class CoFlatMap extends checkpointed('coFlatMap', RichCoFlatMapFunction<E, E, number>) {
  flatMap1(e: E, out: Collector<number>): void {
    out.collect(e.k);
  }
  flatMap2(e: E, out: Collector<number>): void {
    out.collect(e.k);
  }
}

class CoProcess extends checkpointed('coProcess', CoProcessFunction<E, E, number>) {
  processElement1(e: E, _: unknown, out: Collector<number>): void {
    out.collect(e.k);
  }
  processElement2(e: E, _: unknown, out: Collector<number>): void {
    out.collect(e.k);
  }
}

class KeyedCoProcess extends checkpointed('keyedCoProcess', KeyedCoProcessFunction<number, E, E, number>) {
  processElement1(e: E, _: unknown, out: Collector<number>): void {
    out.collect(e.k);
  }
  processElement2(e: E, _: unknown, out: Collector<number>): void {
    out.collect(e.k);
  }
}

const rules = new MapStateDescriptor<number, number>('rules');

class Broadcast extends checkpointed('broadcast', BroadcastProcessFunction<E, E, number>) {
  processElement(e: E, _: unknown, out: Collector<number>): void {
    out.collect(e.k);
  }
  processBroadcastElement(): void {}
}

class KeyedBroadcast extends checkpointed('keyedBroadcast', KeyedBroadcastProcessFunction<number, E, E, number>) {
  processElement(e: E, _: unknown, out: Collector<number>): void {
    out.collect(e.k);
  }
  processBroadcastElement(): void {}
}

class IntervalJoin extends checkpointed('intervalJoin', ProcessJoinFunction<E, E, number>) {
  processElement(l: E, _r: E, _c: unknown, out: Collector<number>): void {
    out.collect(l.k);
  }
}

/** Not rich functions: Flink's JoinFunction and CoGroupFunction are plain interfaces. */
class WindowJoin extends checkpointed('windowJoin', Object) implements JoinFunction<E, E, number> {
  join(a: E): number {
    return a.k;
  }
}

class WindowCoGroup extends checkpointed('windowCoGroup', Object) implements CoGroupFunction<E, E, number> {
  coGroup(first: readonly E[], _: readonly E[], out: Collector<number>): void {
    out.collect(first.length);
  }
}

const NAMES = ['coMap', 'coFlatMap', 'coProcess', 'keyedCoProcess', 'broadcast', 'keyedBroadcast', 'intervalJoin', 'windowJoin', 'windowCoGroup'];

/** One job with a function of every kind, each under its own uid, all fed by `input` on both sides. */
function everyKind(input: DataStream<E>): void {
  const k = (e: E) => e.k;
  const sink = (s: SingleOutputStreamOperator<number>, uid: string) => void s.uid(uid).addSink(() => {}).uid(`${uid}-sink`);
  sink(input.connect(input).map(new CoMap()), 'coMap');
  sink(input.connect(input).flatMap(new CoFlatMap()), 'coFlatMap');
  sink(input.connect(input).process(new CoProcess()), 'coProcess');
  sink(input.keyBy(k).connect(input.keyBy(k)).process(new KeyedCoProcess()), 'keyedCoProcess');
  sink(input.connect(input.broadcast(rules)).process(new Broadcast()), 'broadcast');
  sink(input.keyBy(k).connect(input.broadcast(rules)).process(new KeyedBroadcast()), 'keyedBroadcast');
  sink(input.keyBy(k).intervalJoin(input.keyBy(k)).between(Duration.ofMillis(0), Duration.ofMillis(0)).process(new IntervalJoin()), 'intervalJoin');
  const window = TumblingEventTimeWindows.of(Duration.ofMillis(10));
  sink(input.join(input).where(k).equalTo(k).window(window).apply(new WindowJoin()), 'windowJoin');
  sink(input.coGroup(input).where(k).equalTo(k).window(window).apply(new WindowCoGroup()), 'windowCoGroup');
}

test('every two-input function kind hears initializeState, snapshotState and notifyCheckpointComplete, and gets its operator ListState back on restore', async () => {
  const values: E[] = [1, 2, 3].map((k) => ({ k, ts: k }));
  const checkpoint = await snapshotOf(values, (_env, input) => everyKind(input), { checkpointsAt: [values.length] });
  const first = heard.splice(0);
  for (const name of NAMES) {
    assert.deepEqual(
      first.filter((l) => l.startsWith(`${name} `)),
      [`${name} initializeState restored=false []`, `${name} snapshotState 1`, `${name} notifyCheckpointComplete 1`],
      name,
    );
  }

  // The source under another uid: its offsets are not restored, only the functions' state.
  const timestamps = WatermarkStrategy.forMonotonousTimestamps<E>().withTimestampAssigner((e) => e.ts);
  const restore = (env: StreamExecutionEnvironment) => everyKind(env.fromData(values).uid('again').assignTimestampsAndWatermarks(timestamps));
  await restoreAndRun(checkpoint, 1, restore, undefined, { allowNonRestoredState: true });
  const second = heard.splice(0);
  for (const name of NAMES) {
    assert.deepEqual(
      second.filter((l) => l.startsWith(`${name} `)),
      [`${name} initializeState restored=true ${JSON.stringify([`${name}@1`])}`],
      name,
    );
  }
});
