/*
 * Window join and coGroup, with Flink's CoGroupJoinITCase ported (coGroup, join, self join over
 * tumbling windows), plus the same join at parallelism 3, a FlatJoinFunction, sliding windows and
 * sessions (any assigner), a rich join function's lifecycle, and how the join is built (Flink's
 * JoinedStreamsTest: the allowed lateness reaches the window; each input tagged at its own
 * parallelism).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AbstractRichFunction,
  type Collector,
  Duration,
  EventTimeSessionWindows,
  ProcessFunction,
  type ProcessContext,
  SlidingEventTimeWindows,
  Time,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type StreamExecutionEnvironment,
} from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import type { OperatorTransformation } from '../../src/graph/index.js';
import { capturePipeline, collectInto, runJob, sorted } from '../helpers/run-job.js';

/** `value#timestamp`. */
class Stamp extends ProcessFunction<string, string> {
  processElement(v: string, ctx: ProcessContext, o: Collector<string>): void {
    o.collect(`${v}#${ctx.timestamp()}`);
  }
}

type T2 = [string, number];
type T3 = [string, string, number];
const t2 = (t: T2) => `(${t[0]},${t[1]})`;
const t3 = (t: T3) => `(${t[0]},${t[1]},${t[2]})`;

function timed<T>(env: StreamExecutionEnvironment, values: T[], ts: (v: T) => number) {
  return env.fromCollection(values).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner(ts));
}

const JOIN_LEFT: T3[] = [['a', 'x', 0], ['a', 'y', 1], ['a', 'z', 2], ['b', 'u', 3], ['b', 'w', 5], ['a', 'i', 6], ['a', 'j', 7], ['a', 'k', 8]];
const JOIN_RIGHT: T3[] = [['a', 'u', 0], ['a', 'w', 1], ['b', 'i', 3], ['b', 'k', 5], ['a', 'x', 6], ['a', 'z', 8]];
/** JOIN_LEFT joined with JOIN_RIGHT on the first field, in tumbling event-time windows of 3 ms. */
function joinInTumblingWindows(env: StreamExecutionEnvironment) {
  return timed(env, JOIN_LEFT, (t) => t[2])
    .join(timed(env, JOIN_RIGHT, (t) => t[2]))
    .where((t) => t[0])
    .equalTo((t) => t[0])
    .window(TumblingEventTimeWindows.of(Duration.ofMillis(3)));
}
const JOIN_EXPECTED = [
  '(a,x,0):(a,u,0)', '(a,x,0):(a,w,1)', '(a,y,1):(a,u,0)', '(a,y,1):(a,w,1)', '(a,z,2):(a,u,0)', '(a,z,2):(a,w,1)',
  '(b,u,3):(b,i,3)', '(b,u,3):(b,k,5)', '(b,w,5):(b,i,3)', '(b,w,5):(b,k,5)',
  '(a,i,6):(a,x,6)', '(a,i,6):(a,z,8)', '(a,j,7):(a,x,6)', '(a,j,7):(a,z,8)', '(a,k,8):(a,x,6)', '(a,k,8):(a,z,8)',
];

describe("window coGroup and join: Flink's CoGroupJoinITCase", () => {
  test('testCoGroup', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        const s1 = timed<T2>(env, [['a', 0], ['a', 1], ['a', 2], ['b', 3], ['b', 4], ['b', 5], ['a', 6], ['a', 7], ['a', 8]], (t) => t[1]);
        const s2 = timed<T2>(env, [['a', 0], ['a', 1], ['b', 3], ['c', 6], ['c', 7], ['c', 8]], (t) => t[1]);
        s1.coGroup(s2)
          .where((t) => t[0])
          .equalTo((t) => t[0])
          .window(TumblingEventTimeWindows.of(Time.milliseconds(3)))
          .apply((first: readonly T2[], second: readonly T2[], o: Collector<string>) => o.collect(`F:${first.map(t2).join('')} S:${second.map(t2).join('')}`))
          .addSink(collectInto(out));
      },
      { parallelism: 1 },
    );
    assert.deepEqual(sorted(out), sorted(['F:(a,0)(a,1)(a,2) S:(a,0)(a,1)', 'F:(b,3)(b,4)(b,5) S:(b,3)', 'F:(a,6)(a,7)(a,8) S:', 'F: S:(c,6)(c,7)(c,8)']));
  });

  for (const parallelism of [1, 3]) {
    test(`testJoin (parallelism ${parallelism})`, async () => {
      const out: string[] = [];
      await runJob(
        (env) => {
          timed(env, JOIN_LEFT, (t) => t[2])
            .join(timed(env, JOIN_RIGHT, (t) => t[2]))
            .where((t) => t[0])
            .equalTo((t) => t[0])
            .window(TumblingEventTimeWindows.of(Time.milliseconds(3)))
            .apply({ join: (a: T3, b: T3) => `${t3(a)}:${t3(b)}` })
            .addSink(collectInto(out));
        },
        { parallelism },
      );
      assert.deepEqual(sorted(out), sorted(JOIN_EXPECTED));
    });
  }

  test('testSelfJoin', async () => {
    const out: string[] = [];
    await runJob((env) => {
      const s = timed(env, JOIN_LEFT, (t) => t[2]);
      s.join(s)
        .where((t) => t[0])
        .equalTo((t) => t[0])
        .window(TumblingEventTimeWindows.of(Time.milliseconds(3)))
        .apply((a: T3, b: T3) => `${t3(a)}:${t3(b)}`)
        .addSink(collectInto(out));
    });
    const groups = [['(a,x,0)', '(a,y,1)', '(a,z,2)'], ['(b,u,3)', '(b,w,5)'], ['(a,i,6)', '(a,j,7)', '(a,k,8)']];
    assert.deepEqual(sorted(out), sorted(groups.flatMap((g) => g.flatMap((a) => g.map((b) => `${a}:${b}`)))));
  });
});

describe('window join: any assigner, flat join, rich functions', () => {
  test('a FlatJoinFunction (three parameters) emits any number of results per pair; results carry the window’s max timestamp', async () => {
    const out: string[] = [];
    await runJob((env) => {
      joinInTumblingWindows(env)
        .apply((a: T3, b: T3, o: Collector<string>) => {
          if (a[2] === b[2]) o.collect(`${a[1]}${b[1]}@${a[2]}`);
        })
        .process(new Stamp())
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), sorted(['xu@0#2', 'yw@1#2', 'ui@3#5', 'wk@5#5', 'ix@6#8', 'kz@8#8']));
  });

  test('sliding windows: a pair joins in every window both elements are in', async () => {
    const out: string[] = [];
    await runJob((env) => {
      timed<T2>(env, [['k', 1], ['k', 4]], (t) => t[1])
        .join(timed<T2>(env, [['k', 2]], (t) => t[1]))
        .where((t) => t[0])
        .equalTo((t) => t[0])
        .window(SlidingEventTimeWindows.of(Duration.ofMillis(4), Duration.ofMillis(2)))
        .apply((a: T2, b: T2) => `${a[1]}-${b[1]}`)
        .addSink(collectInto(out));
    });
    // Windows [-2,2) [0,4) [2,6): 1 and 2 share [0,4); 4 and 2 share [2,6).
    assert.deepEqual(sorted(out), ['1-2', '4-2']);
  });

  test('session windows merge across both sides: elements of either side extend the session', async () => {
    const out: string[] = [];
    await runJob((env) => {
      timed<T2>(env, [['k', 0], ['k', 20]], (t) => t[1])
        .coGroup(timed<T2>(env, [['k', 8], ['k', 14], ['k', 40]], (t) => t[1]))
        .where((t) => t[0])
        .equalTo((t) => t[0])
        .window(EventTimeSessionWindows.withGap(Duration.ofMillis(10)))
        .apply({ coGroup: (a: readonly T2[], b: readonly T2[], o: Collector<string>) => o.collect(`${a.map((x) => x[1]).join(',')}|${b.map((x) => x[1]).join(',')}`) })
        .addSink(collectInto(out));
    });
    assert.deepEqual(sorted(out), ['0,20|8,14', '|40']);
  });

  test('a rich join function is given its runtime context and opened and closed', async () => {
    const events: string[] = [];
    class Rich extends AbstractRichFunction {
      override open(): void {
        events.push(`open ${this.getRuntimeContext().getIndexOfThisSubtask()}`);
      }
      override close(): void {
        events.push('close');
      }
      join(a: T3, b: T3): string {
        return `${a[1]}${b[1]}`;
      }
    }
    const out: string[] = [];
    await runJob((env) => {
      joinInTumblingWindows(env)
        .apply(new Rich())
        .addSink(collectInto(out));
    });
    assert.equal(out.length, JOIN_EXPECTED.length);
    assert.deepEqual(events, ['open 0', 'close']);
  });

  test('at parallelism 2 each subtask has its own instance of a rich join function, with its own runtime context', async () => {
    const opened = new Map<object, number>();
    class Rich extends AbstractRichFunction {
      override open(): void {
        opened.set(this, this.getRuntimeContext().getIndexOfThisSubtask());
      }
      join(a: T3, b: T3): string {
        return `${a[1]}${b[1]}@${opened.get(this)}=${this.getRuntimeContext().getIndexOfThisSubtask()}`;
      }
    }
    const out: string[] = [];
    await runJob(
      (env) => {
        joinInTumblingWindows(env)
          .apply(new Rich())
          .addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    assert.deepEqual([...opened.values()].sort(), [0, 1], 'two instances, one opened per subtask');
    assert.equal(out.length, JOIN_EXPECTED.length);
    for (const line of out) {
      const [, at, ctx] = /@(\d)=(\d)$/.exec(line)!;
      assert.equal(at, ctx, `${line}: the instance that joined is the one its subtask opened`);
    }
  });
});

describe("how a window join is built: Flink's JoinedStreamsTest and CoGroupedStreams", () => {
  /** The allowed lateness of every window operator of the job `build` defines. */
  function latenessOf(build: (env: StreamExecutionEnvironment) => void): number[] {
    return capturePipeline(build)
      .transformations.filter((t): t is OperatorTransformation => t.kind === 'operator' && t.operator.kind === 'window')
      .map((t) => (t.operator as Extract<OperatorTransformation['operator'], { kind: 'window' }>).window.allowedLateness);
  }

  test('testSetAllowedLateness / testDelegateToCoGrouped: the lateness reaches the window; allowedLateness, trigger and evictor return a new step and leave this one as it was', () => {
    assert.deepEqual(
      latenessOf((env) => {
        const a = env.fromData('a1', 'a2', 'a3');
        const window = a.join(env.fromData('a1', 'a2')).where((e) => e).equalTo((e) => e).window(TumblingEventTimeWindows.of(Duration.ofMillis(1)));
        const withLateness = window.allowedLateness(Duration.ofMillis(42));
        assert.notEqual(withLateness, window);
        withLateness.apply((x: string, y: string) => x + y).print();
        window.apply((x: string, y: string) => x + y).print();
        const cogrouped = a.coGroup(a).where((e) => e).equalTo((e) => e).window(TumblingEventTimeWindows.of(Duration.ofMillis(1)));
        cogrouped.allowedLateness(Duration.ofMillis(7)).apply((x: readonly string[], _y: readonly string[], o: Collector<number>) => o.collect(x.length)).print();
        cogrouped.apply((x: readonly string[], _y: readonly string[], o: Collector<number>) => o.collect(x.length)).print();
      }),
      [42, 0, 7, 0],
    );
  });

  test("each input is tagged at its own parallelism, chained to it (a non-parallel input's keys stay in order), not at the job's default behind a rebalance", () => {
    const pipeline = capturePipeline((env) => {
      env.setParallelism(2);
      timed<T3>(env, JOIN_LEFT, (t) => t[2])
        .join(env.fromSequence(0, 9).map((n): T3 => ['a', 'n', n]))
        .where((t) => t[0])
        .equalTo((t) => t[0])
        .window(TumblingEventTimeWindows.of(Duration.ofMillis(3)))
        .apply((a: T3, b: T3) => `${t3(a)}:${t3(b)}`)
        .print();
    });
    const vertices = compilePipeline(pipeline).vertices.map((v) => `${v.name} [${v.parallelism}]${v.inputs.map((e) => ` <${e.partitioner.type}`).join('')}`);
    assert.deepEqual(vertices, [
      'Source: Collection Source -> Timestamps/Watermarks -> Map [1]',
      'Source: Sequence Source -> Map -> Map [2]',
      'Join -> Sink: Print to Std. Out [2] <hash <hash',
    ]);
  });
});
