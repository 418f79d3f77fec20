/*
 * DataStream#getParallelism answers, while the job is defined, what the compiled graph runs each
 * stream at (Flink's: an operator's own, else the environment's when it was added, else -p; a
 * routing stream its input's); createLocalEnvironment(n) is getExecutionEnvironment with
 * parallelism n.
 */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { type DataStream, JobExecutionResult, type Pipeline, OutputTag, setContextExecutor, StreamExecutionEnvironment, TumblingEventTimeWindows, WatermarkStrategy, Duration } from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { SplitOdd } from '../helpers/split-odd.js';

/** Runs `build` in an environment whose configured default (`-p`) is `p`, and returns the pipeline it executes. */
function define(p: number, build: (env: StreamExecutionEnvironment) => void, make = () => StreamExecutionEnvironment.getExecutionEnvironment()): Pipeline {
  let captured: Pipeline | undefined;
  setContextExecutor({
    execute: async (pipeline) => {
      captured = pipeline;
      return new JobExecutionResult('x', pipeline.jobName, 0);
    },
    defaultParallelism: () => p,
  });
  try {
    const env = make();
    build(env);
    void env.execute('parallelism');
  } finally {
    setContextExecutor(undefined);
  }
  return captured!;
}

describe('DataStream#getParallelism', () => {
  test('answers what the compiled graph runs each stream at', () => {
    const streams = new Map<string, [DataStream<number>, number]>();
    const note = (name: string, s: DataStream<number>, expected: number): void => void streams.set(name, [s, expected]);
    const pipeline = define(3, (env) => {
      const seq = env.fromSequence(1, 10);
      note('a parallel source: -p', seq, 3);
      const elements = env.fromElements(1, 2, 3);
      note('fromElements: one subtask', elements, 1);
      const stamped = elements.assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n));
      note('assignTimestampsAndWatermarks: its input', stamped, 1);
      const mapped = elements.map((n) => n + 1);
      note('an operator after a one-subtask source: -p', mapped, 3);
      const set = seq.map((n) => n).setParallelism(2);
      note('setParallelism on the operator', set, 2);
      const keyed = set.keyBy((n) => n % 2);
      note('keyBy: its input', keyed, 2);
      note('rebalance: its input', set.rebalance(), 2);
      note('a union: its first input', set.union(seq), 2);
      const odd = new OutputTag<number>('odd');
      const split = set.process(new SplitOdd(odd)).setParallelism(4);
      note('a side output: its operator', split.getSideOutput(odd), 4);
      note('a keyed reduce: -p', keyed.reduce((a, b) => a + b), 3);
      env.setParallelism(5);
      note('after env.setParallelism: the environment', seq.map((n) => n), 5);
      note('added before env.setParallelism: -p still', mapped, 3);
      note('connect: the environment', seq.connect(elements).map({ map1: (n) => n, map2: (n) => n }), 5);
      note('a keyed window: the environment', stamped.keyBy((n) => n).window(TumblingEventTimeWindows.of(Duration.ofSeconds(1))).reduce((a, b) => a + b), 5);
      note('windowAll: one', stamped.windowAll(TumblingEventTimeWindows.of(Duration.ofSeconds(1))).reduce((a, b) => a + b), 1);
      for (const [s] of streams.values()) s.print();
    });
    const graph = compilePipeline(pipeline, { parallelism: 3 }).streamGraph;
    const byId = new Map(graph.nodes.map((n) => [n.id, n.parallelism]));
    let compared = 0;
    for (const [name, [stream, expected]] of streams) {
      assert.equal(stream.getParallelism(), expected, name);
      const compiled = byId.get(stream.getId());
      // Virtual streams (keyBy, rebalance, union, side output) have no node of their own.
      if (compiled !== undefined) assert.equal(compiled, expected, `${name}: the graph runs it at ${compiled}`);
      if (compiled !== undefined) compared++;
    }
    assert.equal(compared, 11, 'every stream made by an operator or a source is checked against the graph');
  });

  test('getId is the id of the stream\'s transformation, one per stream', () => {
    define(1, (env) => {
      const a = env.fromSequence(1, 2);
      const b = a.map((n) => n);
      assert.notEqual(a.getId(), b.getId());
      assert.equal(b.getId(), b.getId());
      b.print();
    });
  });
});

describe('StreamExecutionEnvironment.createLocalEnvironment', () => {
  test('is the current environment with its parallelism set: it wins over -p', () => {
    let env: StreamExecutionEnvironment | undefined;
    const pipeline = define(3, (e) => void e.fromSequence(1, 10).map((n) => n).print(), () => (env = StreamExecutionEnvironment.createLocalEnvironment(2)));
    assert.equal(env!.getParallelism(), 2);
    assert.equal(pipeline.settings.parallelism, 2);
    const graph = compilePipeline(pipeline, { parallelism: 3 }).streamGraph;
    assert.deepEqual(graph.nodes.map((n) => n.parallelism), [2, 2, 2]);
  });

  test('defaults to the number of CPUs, as Flink\'s local environment to its cores', () => {
    let env: StreamExecutionEnvironment | undefined;
    define(3, (e) => void e.fromSequence(1, 2).print(), () => (env = StreamExecutionEnvironment.createLocalEnvironment()));
    assert.equal(env!.getParallelism(), availableParallelism());
  });

  test('refuses a parallelism that is not a positive integer, naming what it got', () => {
    setContextExecutor({ execute: async (p) => new JobExecutionResult('x', p.jobName, 0) });
    try {
      assert.throws(() => StreamExecutionEnvironment.createLocalEnvironment('2' as unknown as number), { name: 'RangeError', message: "The parallelism must be a positive integer, got the string '2'." });
      assert.throws(() => StreamExecutionEnvironment.createLocalEnvironment(0), RangeError);
    } finally {
      setContextExecutor(undefined);
    }
  });
});
