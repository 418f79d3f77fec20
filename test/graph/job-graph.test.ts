import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.js';
import { capturePipeline } from '../helpers/run-job.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import type { JobGraph } from '../../src/graph/index.js';

/** Captures the pipeline instead of running it. */
function graphOf(build: (env: StreamExecutionEnvironment) => void, parallelism?: number): JobGraph {
  return compilePipeline(capturePipeline(build, 'graph'), { parallelism });
}

describe('StreamGraph → JobGraph', () => {
  test('forward edges of equal parallelism chain; keyBy and rebalance break chains', () => {
    const g = graphOf((env) => {
      env.fromSequence(1, 10).map((x) => x).filter(() => true).keyBy((x) => x % 2).reduce((a, b) => a + b).map(String).rebalance().print();
    });
    assert.deepEqual(
      g.vertices.map((v) => v.name),
      ['Source: Sequence Source -> Map -> Filter', 'Keyed Reduce -> Map', 'Sink: Print to Std. Out'],
    );
    assert.deepEqual(g.vertices.map((v) => v.inputs.map((e) => e.partitioner.type)), [[], ['hash'], ['rebalance']]);
    assert.equal(g.vertices[1]!.head.keyed, true);
  });

  test('a change of parallelism breaks the chain with a rebalance; explicit forward is refused', () => {
    const g = graphOf((env) => {
      env.fromSequence(1, 10).map((x) => x).setParallelism(2).print().setParallelism(3);
    });
    assert.deepEqual(g.vertices.map((v) => v.parallelism), [1, 2, 3]);
    assert.deepEqual(g.vertices.map((v) => v.inputs.map((e) => e.partitioner.type)), [[], ['rebalance'], ['rebalance']]);
    assert.throws(
      () => graphOf((env) => void env.fromSequence(1, 2).forward().map((x) => x).setParallelism(2)),
      /Forward partitioning does not allow a change of parallelism/,
    );
  });

  test('a union makes one vertex with several inputs', () => {
    const g = graphOf((env) => {
      const a = env.fromElements(1, 2);
      const b = env.fromElements(3);
      a.union(b).map((x) => x * 2).print();
    });
    const map = g.vertices.find((v) => v.name.startsWith('Map'))!;
    assert.equal(map.inputs.length, 2);
  });

  test("assignTimestampsAndWatermarks runs at its input's parallelism, chained 1:1 to it (Flink's DataStream); setParallelism still wins", () => {
    const strategy = WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n);
    const g = graphOf((env) => {
      env.fromElements(1, 2).assignTimestampsAndWatermarks(strategy).map((x) => x).print();
      env.fromSequence(1, 2).setParallelism(3).assignTimestampsAndWatermarks(strategy).print().setParallelism(3);
      env.fromElements(1, 2).union(env.fromSequence(1, 2)).assignTimestampsAndWatermarks(strategy).print();
      env.fromElements(1, 2).assignTimestampsAndWatermarks(strategy).setParallelism(2).print();
    }, 2);
    assert.deepEqual(
      g.vertices.map((v) => `${v.name} [${v.parallelism}]${v.inputs.map((e) => ` <${e.partitioner.type}`).join('')}`),
      [
        'Source: Collection Source -> Timestamps/Watermarks [1]',
        'Map -> Sink: Print to Std. Out [2] <rebalance',
        'Source: Sequence Source -> Timestamps/Watermarks -> Sink: Print to Std. Out [3]',
        // A union's parallelism is its first input's, as Flink's UnionTransformation's.
        'Source: Collection Source [1]',
        'Source: Sequence Source [2]',
        'Timestamps/Watermarks [1] <forward <rebalance',
        'Sink: Print to Std. Out [2] <rebalance',
        'Source: Collection Source [1]',
        'Timestamps/Watermarks -> Sink: Print to Std. Out [2] <rebalance',
      ],
    );
  });

  test("an operator at its input's parallelism above the job's max parallelism takes the input's max too (it chains into the input's vertex, as in Flink); elsewhere the job's stays", () => {
    const strategy = WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n);
    const g = graphOf((env) => {
      env.setMaxParallelism(4);
      env.fromSequence(1, 10).setParallelism(8).setMaxParallelism(16).assignTimestampsAndWatermarks(strategy).print().setParallelism(8).setMaxParallelism(16);
      env.fromSequence(1, 10).setParallelism(2).setMaxParallelism(16).assignTimestampsAndWatermarks(strategy).print().setParallelism(2);
    });
    assert.deepEqual(
      g.vertices.map((v) => `${v.name} [${v.parallelism}/${v.maxParallelism}] ${v.nodes.map((n) => n.maxParallelism).join(',')}`),
      [
        'Source: Sequence Source -> Timestamps/Watermarks -> Sink: Print to Std. Out [8/16] 16,16,16',
        'Source: Sequence Source -> Timestamps/Watermarks -> Sink: Print to Std. Out [2/16] 16,4,4',
      ],
    );
    // A parallelism set on the operator itself is still checked against the job's max parallelism.
    assert.throws(
      () => graphOf((env) => {
        env.setMaxParallelism(4);
        env.fromSequence(1, 10).setParallelism(8).setMaxParallelism(16).assignTimestampsAndWatermarks(strategy).setParallelism(8).print();
      }),
      /exceeds the max parallelism 4/,
    );
  });

  test('-p sets the default; code settings and non-parallel sources win', () => {
    const g = graphOf((env) => {
      env.fromElements(1).map((x) => x).print();
      env.fromSequence(1, 5).map((x) => x).setParallelism(1).print();
    }, 4);
    const byName = new Map(g.streamGraph.nodes.map((n) => [`${n.id}:${n.name}`, n.parallelism]));
    assert.deepEqual([...byName.values()], [1, 4, 4, 4, 1, 4]);
    const env2 = graphOf((env) => {
      env.setParallelism(2);
      env.fromSequence(1, 5).print();
    }, 4);
    assert.deepEqual(env2.vertices.map((v) => v.parallelism), [2]);
  });

  test('auto uids are deterministic for the same graph and differ per position; explicit uids must be unique', () => {
    const build = (env: StreamExecutionEnvironment) => {
      env.fromSequence(1, 5).map((x) => x).keyBy((x) => x).reduce((a, b) => a + b).print();
    };
    const a = graphOf(build).streamGraph.nodes.map((n) => n.uid);
    const b = graphOf(build).streamGraph.nodes.map((n) => n.uid);
    assert.deepEqual(a, b);
    assert.equal(new Set(a).size, a.length);
    assert.ok(a.every((u) => /^[0-9a-f]{32}$/.test(u)));
    assert.throws(
      () => graphOf((env) => void env.fromSequence(1, 2).uid('x').map((v) => v).uid('x')),
      /Duplicate operator uid 'x'/,
    );
  });

  test('stateful operators without a uid are warned about', () => {
    const g = graphOf((env) => {
      env.fromSequence(1, 5).uid('src').keyBy((x) => x).reduce((a, b) => a + b).print();
    });
    assert.equal(g.streamGraph.warnings.length, 1);
    assert.match(g.streamGraph.warnings[0]!, /A stateful operator has no uid \("Keyed Reduce"\)/);
  });

  test('collection sources (fromElements, fromCollection, fromSequence) without a uid are not warned about; other sources are', () => {
    const inline = graphOf((env) => {
      env.fromElements('a', 'b').print();
      env.fromCollection(['c']).print();
      env.fromSequence(1, 3).print();
    });
    assert.deepEqual(inline.streamGraph.warnings, []);
    const generated = graphOf((env) => {
      env.fromSource(new DataGeneratorSource((i) => i, 3), WatermarkStrategy.noWatermarks(), 'gen').print();
    });
    assert.equal(generated.streamGraph.warnings.length, 1);
    assert.match(generated.streamGraph.warnings[0]!, /A stateful operator has no uid \("Source: gen"\)/);
  });

  test('bad settings are refused with the operator named', () => {
    assert.throws(() => graphOf((env) => void env.fromSequence(1, 2).map((x) => x).setParallelism(0)), /positive integer/);
    assert.throws(() => graphOf((env) => void env.fromElements(1).setParallelism(2).print()), /The parallelism of non parallel operator must be 1, got 2 for "Source: Collection Source"/);
    // A source's larger limit is checked when the graph is built.
    const two = Object.assign(new DataGeneratorSource((i) => i, 3), { maxSourceParallelism: 2 });
    assert.throws(() => graphOf((env) => void env.fromSource(two, WatermarkStrategy.noWatermarks(), 'two').setParallelism(3).print()), /Source "Source: two" supports a parallelism of at most 2, but 3 was set\./);
    assert.throws(() => graphOf((env) => void env.setMaxParallelism(4).fromSequence(1, 2).setParallelism(5).print()), /exceeds the max parallelism 4/);
    assert.throws(() => graphOf(() => {}), /The job has no sources/);
  });

  test("an operator's own max parallelism (setMaxParallelism) wins over the job's; a chain runs with its head's (Flink's job vertex)", () => {
    const g = graphOf((env) => {
      env.setMaxParallelism(64);
      const keyed = env.fromSequence(1, 10).keyBy((x) => x % 3);
      keyed.reduce((a, b) => a + b).setMaxParallelism(8).map(String).setMaxParallelism(1024).print();
      keyed.reduce((a, b) => Math.max(a, b)).map(String).print();
    }, 2);
    assert.deepEqual(
      g.vertices.map((v) => [v.name, v.maxParallelism]),
      [
        ['Source: Sequence Source', 64],
        ['Keyed Reduce -> Map -> Sink: Print to Std. Out', 8],
        ['Keyed Reduce -> Map -> Sink: Print to Std. Out', 64],
      ],
    );
    // The shuffle into the reduce routes by its 8 key groups.
    const reduce = g.vertices[1]!;
    assert.deepEqual(reduce.inputs.map((e) => e.target.maxParallelism), [8]);
    for (const bad of [0, -1, 1.5, 32769, Number.NaN]) {
      assert.throws(
        () => graphOf((env) => void env.fromSequence(1, 2).map((x) => x).name('m').setMaxParallelism(bad)),
        (e: unknown) => e instanceof RangeError && /max parallelism must be an integer from 1 to 32768, got .* \(operator "m"\)\.$/.test(e.message),
      );
    }
    assert.throws(
      () => graphOf((env) => void env.fromSequence(1, 2).map((x) => x).name('m').setParallelism(5).setMaxParallelism(4).print()),
      /The parallelism 5 of operator "m" exceeds its max parallelism 4 \(setMaxParallelism\)/,
    );
    assert.throws(
      () => graphOf((env) => void env.fromSequence(1, 2).map((x) => x).name('m').setMaxParallelism(4).print(), 5),
      /The parallelism 5 \(parallelism.default, -p or setParallelism\) exceeds the max parallelism 4 that operator "m" set with setMaxParallelism\./,
    );
  });

  test('a default parallelism above the max parallelism is refused, naming both keys and the limits (Flink refuses it too)', () => {
    const job = (env: StreamExecutionEnvironment) => void env.fromSequence(1, 1000).map((x) => x).print();
    const expected =
      /The parallelism 200 \(parallelism\.default, -p or setParallelism\) exceeds the max parallelism 128 \(pipeline\.max-parallelism\)\. Raise pipeline\.max-parallelism \(at most 32768\) or lower the parallelism\.$/;
    assert.throws(() => graphOf(job, 200), expected);
    assert.throws(() => graphOf((env) => job(env.setParallelism(200))), expected);
    assert.throws(() => graphOf((env) => job(env.setMaxParallelism(16)), 17), /parallelism 17 .* max parallelism 16 /);
    // Up to the max parallelism, and above it where the max parallelism is raised, it runs.
    assert.deepEqual(graphOf(job, 128).vertices.map((v) => v.parallelism), [128]);
    assert.deepEqual(graphOf((env) => job(env.setMaxParallelism(256)), 200).vertices.map((v) => v.parallelism), [200]);
  });

  test('a job wiring more than 2^20 channels (a shuffle grows with the square of the parallelism) is refused before anything is built', () => {
    const keyed = (env: StreamExecutionEnvironment) => void env.setMaxParallelism(32768).fromSequence(1, 10).rebalance().map((x) => x).print();
    // 1024 sources × 1024 maps, and 1024 forward channels to the sinks: just above the limit.
    assert.throws(
      () => graphOf(keyed, 1024),
      /^JobDefinitionError: The job needs 1049600 channels between its subtasks \("Source: Sequence Source" to "Map" alone 1048576\); one job process wires at most 1048576\. Lower the parallelism \(-p, parallelism\.default or setParallelism\)\.$/,
    );
    assert.throws(() => graphOf(keyed, 32768), /The job needs \d+ channels/);
    assert.equal(graphOf(keyed, 1000).vertices.length, 2);
  });
});

describe("Flink's chaining controls and partitioners", () => {
  test('startNewChain() breaks the chain before the operator; disableChaining() before and after it', () => {
    const g = graphOf((env) => {
      env.fromSequence(1, 10).map((x) => x).name('a').map((x) => x).name('b').startNewChain().map((x) => x).name('c').filter(() => true).name('d').disableChaining().map((x) => x).name('e').print();
    });
    assert.deepEqual(g.vertices.map((v) => v.name), ['Source: Sequence Source -> a', 'b -> c', 'd', 'e -> Sink: Print to Std. Out']);
    assert.deepEqual(g.vertices.map((v) => v.inputs.map((e) => e.partitioner.type)), [[], ['forward'], ['forward'], ['forward']]);
  });

  test('rescale(), shuffle() and global() are edges of their own kind, as Flink names them in the plan', () => {
    const g = graphOf((env) => {
      const s = env.fromSequence(1, 10).setParallelism(2);
      s.rescale().map((x) => x).setParallelism(4).shuffle().map((x) => x).setParallelism(3).global().print().setParallelism(2);
    });
    assert.deepEqual(g.vertices.map((v) => v.inputs.map((e) => e.partitioner.type)), [[], ['rescale'], ['shuffle'], ['global']]);
  });
});
