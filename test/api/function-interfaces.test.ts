/*
 * Flink's function interfaces as classes: ported code says `class Tokenizer implements
 * FlatMapFunction<string, string>`, and every API method that takes a plain function takes such
 * an object too. The `implements` clauses are checked by `npm run typecheck` (a union type cannot
 * be implemented: TS2422); the jobs check that the engine calls the objects' methods.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type AllWindowFunction,
  AsyncDataStream,
  type AsyncFunction,
  type CoGroupFunction,
  type Collector,
  CountTrigger,
  type DeltaFunction,
  DeltaTrigger,
  Duration,
  type FilterFunction,
  type FlatJoinFunction,
  type FlatMapFunction,
  GlobalWindows,
  type JoinFunction,
  type KeySelector,
  type MapFunction,
  type ReduceFunction,
  type ResultFuture,
  type SinkFunction,
  StreamExecutionEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type WindowFunction,
  type TimeWindow,
  type GlobalWindow,
} from '../../src/index.js';
import { collectInto, runJob, sorted } from '../helpers/run-job.js';

class Tokenizer implements FlatMapFunction<string, string> {
  flatMap(line: string, out: Collector<string>): void {
    for (const word of line.split(' ')) out.collect(word);
  }
}
class NotEmpty implements FilterFunction<string> {
  filter(word: string): boolean {
    return word.length > 0;
  }
}
class One implements MapFunction<string, [string, number]> {
  map(word: string): [string, number] {
    return [word, 1];
  }
}
class ByWord implements KeySelector<[string, number], string> {
  getKey(t: [string, number]): string {
    return t[0];
  }
}
class Sum implements ReduceFunction<[string, number]> {
  reduce(a: [string, number], b: [string, number]): [string, number] {
    return [a[0], a[1] + b[1]];
  }
}
/** What {@link Into} received: outside the object, since each subtask gets its own copy of it (as Flink's serialized function). */
const sunk: string[] = [];
class Into implements SinkFunction<string> {
  invoke(value: string): void {
    sunk.push(value);
  }
}

type Timed = [string, number];
const timed = (env: StreamExecutionEnvironment, values: Timed[]) =>
  env.fromCollection(values).assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Timed>().withTimestampAssigner((t) => t[1]));
class First implements KeySelector<Timed, string> {
  getKey(t: Timed): string {
    return t[0];
  }
}
class Pair implements JoinFunction<Timed, Timed, string> {
  join(a: Timed, b: Timed): string {
    return `${a[0]}${a[1]}:${b[0]}${b[1]}`;
  }
}
class PairTwice implements FlatJoinFunction<Timed, Timed, string> {
  join(a: Timed, b: Timed, out: Collector<string>): void {
    out.collect(`${a[1]}-${b[1]}`);
    out.collect(`${b[1]}-${a[1]}`);
  }
}
class Sizes implements CoGroupFunction<Timed, Timed, string> {
  coGroup(first: readonly Timed[], second: readonly Timed[], out: Collector<string>): void {
    out.collect(`${first.length}/${second.length}`);
  }
}

describe("Flink's function interfaces, implemented by classes", () => {
  test('word count: FlatMapFunction, FilterFunction, MapFunction, KeySelector, ReduceFunction, SinkFunction', async () => {
    sunk.length = 0;
    await runJob(
      (env) => {
        env
          .fromElements('to be or', 'not  to be')
          .flatMap(new Tokenizer())
          .filter(new NotEmpty())
          .map(new One())
          .keyBy(new ByWord())
          .reduce(new Sum())
          .map((t) => `${t[0]}=${t[1]}`)
          .addSink(new Into());
      },
      { parallelism: 2 },
    );
    assert.deepEqual(sorted(sunk), ['be=1', 'be=2', 'not=1', 'or=1', 'to=1', 'to=2']);
  });

  test('window join and coGroup: KeySelector for where and equalTo, JoinFunction, FlatJoinFunction, CoGroupFunction', async () => {
    const joined: string[] = [];
    const flat: string[] = [];
    const groups: string[] = [];
    const left: Timed[] = [['a', 0], ['a', 1], ['b', 2]];
    const right: Timed[] = [['a', 2], ['c', 1]];
    await runJob((env) => {
      const windows = TumblingEventTimeWindows.of(Duration.ofMillis(10));
      const join = () => timed(env, left).join(timed(env, right)).where(new First()).equalTo(new First()).window(windows);
      join().apply(new Pair()).addSink(collectInto(joined));
      join().apply(new PairTwice()).addSink(collectInto(flat));
      timed(env, left).coGroup(timed(env, right)).where(new First()).equalTo(new First()).window(windows).apply(new Sizes()).addSink(collectInto(groups));
    });
    assert.deepEqual(sorted(joined), ['a0:a2', 'a1:a2']);
    assert.deepEqual(sorted(flat), ['0-2', '1-2', '2-0', '2-1']);
    assert.deepEqual(sorted(groups), ['0/1', '1/0', '2/1']);
  });

  test('connect(...).keyBy and partitionCustom take KeySelector objects', async () => {
    const out: string[] = [];
    await runJob(
      (env) => {
        const a = env.fromElements<Timed>(['x', 1], ['y', 2]);
        const b = env.fromElements<Timed>(['x', 10]);
        a.connect(b)
          .keyBy(new First(), new First())
          .map({ map1: (t: Timed) => `1:${t[0]}`, map2: (t: Timed) => `2:${t[0]}` })
          .addSink(collectInto(out));
        a.partitionCustom((key: string, n) => (key === 'x' ? 0 : 1) % n, new First())
          .map((t) => `p:${t[0]}`)
          .addSink(collectInto(out));
      },
      { parallelism: 2 },
    );
    assert.deepEqual(sorted(out), ['1:x', '1:y', '2:x', 'p:x', 'p:y']);
  });

  test('WindowFunction, AllWindowFunction and DeltaFunction objects', async () => {
    class Describe implements WindowFunction<Timed, string, string, TimeWindow> {
      apply(key: string, window: TimeWindow, input: Iterable<Timed>, out: Collector<string>): void {
        out.collect(`${key}@${window.getStart()}:${[...input].length}`);
      }
    }
    class CountAll implements AllWindowFunction<Timed, string, GlobalWindow> {
      apply(_window: GlobalWindow, input: Iterable<Timed>, out: Collector<string>): void {
        out.collect(`all:${[...input].map((t) => t[1]).join(',')}`);
      }
    }
    class Fired implements WindowFunction<Timed, string, string, GlobalWindow> {
      apply(key: string, _window: GlobalWindow, input: Iterable<Timed>, out: Collector<string>): void {
        out.collect(`${key}:${[...input].map((t) => t[1]).join(',')}`);
      }
    }
    class Gap implements DeltaFunction<Timed> {
      getDelta(oldPoint: Timed, newPoint: Timed): number {
        return newPoint[1] - oldPoint[1];
      }
    }
    const out: string[] = [];
    await runJob((env) => {
      const events = timed(env, [['a', 0], ['a', 3], ['b', 4], ['a', 12]]);
      events.keyBy(new First()).window(TumblingEventTimeWindows.of(Duration.ofMillis(10))).apply(new Describe()).addSink(collectInto(out));
      events.windowAll(GlobalWindows.create()).trigger(CountTrigger.of(2)).apply(new CountAll()).addSink(collectInto(out));
      events.keyBy(new First()).window(GlobalWindows.create()).trigger(DeltaTrigger.of(5, new Gap())).apply(new Fired()).addSink(collectInto(out));
    });
    // DeltaTrigger fires key a's window at 12, more than 5 past the 0 it last kept; key b's never.
    assert.deepEqual(sorted(out), sorted(['a@0:2', 'a@10:1', 'all:0,3', 'all:0,3,4,12', 'b@0:1', 'a:0,3,12']));
  });

  test('AsyncFunction objects', async () => {
    class Twice implements AsyncFunction<number, number> {
      asyncInvoke(input: number, resultFuture: ResultFuture<number>): void {
        setImmediate(() => resultFuture.complete([input * 2]));
      }
    }
    const out: number[] = [];
    await runJob((env) => {
      AsyncDataStream.orderedWait(env.fromElements(1, 2, 3), new Twice(), Duration.ofSeconds(5)).addSink(collectInto(out));
    });
    assert.deepEqual(out, [2, 4, 6]);
  });

  test('a key selector that is neither a function nor has getKey is refused in one line', () => {
    const stream = StreamExecutionEnvironment.getExecutionEnvironment().fromElements<Timed>(['a', 1]);
    const refusal = (what: string) => new RegExp(`^TypeError: ${what} needs a key selector: a function \\(value\\) => key or an object with getKey\\(value\\), got an object \\(Object\\)\\.$`);
    assert.throws(() => stream.keyBy({ key: 1 } as never), (err: Error) => refusal('keyBy').test(String(err)));
    assert.throws(() => stream.join(stream).where(new First()).equalTo('a' as never), /equalTo needs a key selector/);
  });
});
