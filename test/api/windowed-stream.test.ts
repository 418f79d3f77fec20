/*
 * The window API records what Flink's WindowedStream / AllWindowedStream would build: the
 * operator's parts and name, parallelism 1 for windowAll, and Flink's refusals.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Collector,
  CountEvictor,
  CountTrigger,
  Duration,
  EventTimeSessionWindows,
  GlobalWindows,
  OutputTag,
  ProcessAllWindowFunction,
  type ProcessAllWindowContext,
  ProcessWindowFunction,
  type ProcessWindowContext,
  PurgingTrigger,
  RichReduceFunction,
  SlidingEventTimeWindows,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  Trigger,
  TriggerResult,
  type GlobalWindow,
} from '../../src/index.js';
import type { OperatorTransformation, Transformation, WindowOperatorSpec } from '../../src/graph/index.js';
import { capturePipeline } from '../helpers/run-job.js';

interface Click {
  user: string;
  page: string;
  ms: number;
}

/** The window operators a job defines. */
function windowOps(build: (env: StreamExecutionEnvironment) => void): Array<OperatorTransformation & { operator: { kind: 'window'; window: WindowOperatorSpec } }> {
  const p = capturePipeline(build);
  return p.transformations.filter((t: Transformation): t is OperatorTransformation & { operator: { kind: 'window'; window: WindowOperatorSpec } } => t.kind === 'operator' && t.operator.kind === 'window');
}

class CountPerUser extends ProcessWindowFunction<number, string, string, TimeWindow> {
  process(user: string, ctx: ProcessWindowContext<TimeWindow>, counts: Iterable<number>, out: Collector<string>): void {
    out.collect(`${user}@${ctx.window().start}: ${[...counts][0]}`);
  }
}

const countAgg = { createAccumulator: () => 0, add: (_c: Click, n: number) => n + 1, getResult: (n: number) => n, merge: (a: number, b: number) => a + b };

describe('windowed streams', () => {
  test('window(...).aggregate(agg, fn): one window operator named after the assigner, with its parts', () => {
    const late = new OutputTag<Click>('late');
    const [op] = windowOps((env) => {
      env
        .fromElements<Click>()
        .keyBy((c) => c.user)
        .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
        .allowedLateness(Duration.ofSeconds(30))
        .sideOutputLateData(late)
        .aggregate(countAgg, new CountPerUser())
        .uid('per-user')
        .map((line: string) => line.length);
    });
    assert.ok(op);
    assert.equal(op.name, 'TumblingEventTimeWindows');
    assert.equal(op.uid, 'per-user');
    const w = op.operator.window;
    assert.equal(w.allowedLateness, 30_000);
    assert.equal(w.lateDataTag, late as OutputTag<unknown>);
    assert.equal(w.contents.kind, 'aggregate');
    assert.equal(w.function.kind, 'process');
    assert.equal(w.evictor, undefined);
    assert.equal(String(w.trigger), 'EventTimeTrigger()');
  });

  test('reduce, process and apply keep what each needs: one folded value, or the elements', () => {
    const ops = windowOps((env) => {
      const keyed = env.fromElements<Click>().keyBy((c) => c.user);
      const sliding = () => keyed.window(SlidingEventTimeWindows.of(Duration.ofSeconds(10), Duration.ofSeconds(5)));
      sliding().reduce((a, b) => ({ ...a, ms: a.ms + b.ms }));
      sliding().apply((user: string, w: TimeWindow, clicks: Iterable<Click>, out: Collector<string>) => out.collect(`${user} ${w.start} ${[...clicks].length}`));
      sliding().process(
        new (class extends ProcessWindowFunction<Click, number, string, TimeWindow> {
          process(_u: string, _c: ProcessWindowContext<TimeWindow>, clicks: Iterable<Click>, out: Collector<number>) {
            out.collect([...clicks].length);
          }
        })(),
      );
      sliding().sum('ms');
    });
    assert.deepEqual(
      ops.map((o) => [o.operator.window.contents.kind, o.operator.window.function.kind]),
      [
        ['reduce', 'none'],
        ['elements', 'apply'],
        ['elements', 'process'],
        ['reduce', 'none'],
      ],
    );
  });

  test('countWindow(n) and countWindow(n, slide) are global windows with count triggers (and a count evictor)', () => {
    const [tumbling, sliding] = windowOps((env) => {
      const keyed = env.fromElements<Click>().keyBy((c) => c.user);
      keyed.countWindow(100).sum('ms');
      keyed.countWindow(100, 10).sum('ms');
    });
    assert.equal(tumbling!.name, 'GlobalWindows');
    assert.equal(String(tumbling!.operator.window.trigger), 'PurgingTrigger(CountTrigger(100))');
    assert.equal(tumbling!.operator.window.evictor, undefined);
    assert.equal(String(sliding!.operator.window.trigger), 'CountTrigger(10)');
    assert.equal(String(sliding!.operator.window.evictor), 'CountEvictor(100)');
  });

  test('windowAll and countWindowAll run with parallelism 1 and refuse another', () => {
    const [op] = windowOps((env) => {
      env.setParallelism(4);
      const all = env
        .fromElements<Click>()
        .windowAll(TumblingEventTimeWindows.of(Duration.ofSeconds(1)))
        .process(
          new (class extends ProcessAllWindowFunction<Click, number, TimeWindow> {
            process(_c: ProcessAllWindowContext<TimeWindow>, clicks: Iterable<Click>, out: Collector<number>) {
              out.collect([...clicks].length);
            }
          })(),
        );
      all.setParallelism(1);
      assert.throws(() => all.setParallelism(2), /The parallelism of non parallel operator must be 1, got 2/);
      const counts = env.fromElements<Click>().countWindowAll(5).maxBy('ms');
      assert.throws(() => counts.setParallelism(3), /must be 1/);
    });
    assert.equal(op!.parallelism, 1);
  });

  test("Flink's refusals: merging assigners with a trigger that cannot merge, rich reduce functions, aggregates without merge over sessions", () => {
    capturePipeline((env) => {
      const keyed = env.fromElements<Click>().keyBy((c) => c.user);
      const sessions = () => keyed.window(EventTimeSessionWindows.withGap(Duration.ofMinutes(5)));
      class NoMerge extends Trigger<unknown, TimeWindow> {
        onElement() {
          return TriggerResult.FIRE;
        }
        override onEventTime() {
          return TriggerResult.CONTINUE;
        }
        override onProcessingTime() {
          return TriggerResult.CONTINUE;
        }
        clear() {}
      }
      assert.throws(() => sessions().trigger(PurgingTrigger.of(new NoMerge())), /cannot be used with a trigger that does not support merging \(PurgingTrigger\(NoMerge\)\)/);
      // A custom trigger is named by its class, not `[object Object]`.
      assert.throws(() => sessions().trigger(new NoMerge()), /does not support merging \(NoMerge\)\.$/);
      sessions().trigger(PurgingTrigger.of(CountTrigger.of(3)));
      sessions().evictor(CountEvictor.of(3)); // sessions may evict, as in Flink 1.x and 2.x
      assert.throws(() => sessions().evictor({} as never), /evictor needs an Evictor/);
      const { merge: _m, ...noMerge } = countAgg;
      assert.throws(() => sessions().aggregate(noMerge), /merges windows: the AggregateFunction needs merge\(a, b\)/);
      class Rich extends RichReduceFunction<Click> {
        reduce(a: Click) {
          return a;
        }
      }
      assert.throws(() => keyed.window(TumblingEventTimeWindows.of(Duration.ofSeconds(1))).reduce(new Rich()), /can not be a RichFunction/);
      assert.throws(() => keyed.window(GlobalWindows.create()).allowedLateness(Duration.ofMillis(-1)), /The allowed lateness cannot be negative/);
      assert.throws(() => keyed.window({} as never), /window needs a WindowAssigner/);
      // A tag's id alone would match no reader: the late elements would vanish uncounted.
      assert.throws(() => sessions().sideOutputLateData(null as never), /Side output tag must not be null/);
      assert.throws(() => sessions().sideOutputLateData('late' as never), /sideOutputLateData needs an OutputTag/);
      assert.throws(() => env.fromElements<Click>().windowAll(GlobalWindows.create()).sideOutputLateData({ id: 'late' } as never), /sideOutputLateData needs an OutputTag/);
    });
  });

  test('result types follow the functions through the chain', () => {
    capturePipeline((env) => {
      const keyed = env.fromElements<Click>().keyBy((c) => c.user);
      const w = keyed.window(TumblingEventTimeWindows.of(Duration.ofSeconds(1)));
      const folded = w.reduce((a, b) => (a.ms > b.ms ? a : b));
      folded.map((c: Click) => c.page);
      const counted = w.aggregate(countAgg);
      counted.map((n: number) => n + 1);
      const labelled = w.aggregate(countAgg, (user: string, win: TimeWindow, n: Iterable<number>, out: Collector<[string, number, number]>) => out.collect([user, win.end, [...n][0]!]));
      labelled.map((t: [string, number, number]) => t[2]);
      const g = keyed.countWindow(3);
      g.apply((user: string, _w: GlobalWindow, clicks: Iterable<Click>, out: Collector<string>) => out.collect(user + [...clicks].length));
      // @ts-expect-error a window function over numbers does not fit a window of clicks
      w.process(new CountPerUser());
    });
  });
});
