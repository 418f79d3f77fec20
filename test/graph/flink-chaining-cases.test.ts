/*
 * The job graph as Flink builds it, case by case from its StreamGraphGeneratorTest,
 * StreamingJobGraphGeneratorTest and DataStreamTest: which partitioning an edge gets when several
 * are set, unions (of a stream with itself too), how chains are named when they branch, which
 * operators chain, and what is refused (non-parallel operators, uids shared with generated ones).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AsyncDataStream,
  Duration,
  OutputTag,
  type ResultFuture,
  RichMapFunction,
  type StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { jobPlanOf } from '../../src/cluster/job-plan.js';
import { JobMaster } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import type { JobGraph, StreamNode } from '../../src/graph/index.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';
import { SplitOdd } from '../helpers/split-odd.js';

function graphOf(build: (env: StreamExecutionEnvironment) => void, parallelism?: number): JobGraph {
  return compilePipeline(capturePipeline(build, 'graph'), { parallelism });
}

/** The stream node named `name`, whose in-edges say how records reach it. */
function node(g: JobGraph, name: string): StreamNode {
  const found = g.streamGraph.nodes.filter((n) => n.name === name);
  assert.equal(found.length, 1, `one node named ${name}`);
  return found[0]!;
}

/** `node`'s inputs as "<input name>:<partitioner>". */
function inputsOf(g: JobGraph, name: string): string[] {
  return node(g, name).inEdges.map((e) => `${e.source.name}:${e.partitioner.type}`);
}

/** Tags a key's sum with the index of the subtask that computed it. */
class WhereKeyed extends RichMapFunction<[number, number], [number, number, number]> {
  map([key, sum]: [number, number]): [number, number, number] {
    return [key, sum, this.getRuntimeContext().getIndexOfThisSubtask()];
  }
}

/** Counts the records of each key in keyed state: emits `<record>:<count so far>`. */
class CountPerKey extends RichMapFunction<number, string> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count'));
  }
  map(n: number): string {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    return `${n}:${c}`;
  }
}

describe('partitioning set several times: the one set last wins (StreamGraphGeneratorTest.testVirtualTransformations)', () => {
  test('forward().global().broadcast() broadcasts; unions keep each input its own partitioning', () => {
    const g = graphOf((env) => {
      const rebalanceMap = env.fromElements(1, 10).rebalance().map((x) => x).name('rebalanceMap');
      rebalanceMap.forward().global().broadcast().map((x) => x).name('broadcastMap').print();
      const broadcast = rebalanceMap.map((x) => x).name('broadcast').broadcast();
      const global = rebalanceMap.map((x) => x).name('global').global();
      const shuffle = rebalanceMap.map((x) => x).name('shuffle').shuffle();
      broadcast.union(global).union(shuffle).map((x) => x).name('union').print();
    }, 4);
    assert.deepEqual(inputsOf(g, 'rebalanceMap'), ['Source: Collection Source:rebalance']);
    assert.deepEqual(inputsOf(g, 'broadcastMap'), ['rebalanceMap:broadcast']);
    assert.deepEqual(inputsOf(g, 'union'), ['broadcast:broadcast', 'global:global', 'shuffle:shuffle']);
    // Neither the broadcast map nor the union chains to its input.
    assert.deepEqual(
      g.vertices.map((v) => v.name),
      ['Source: Collection Source', 'rebalanceMap -> (broadcast, global, shuffle)', 'broadcastMap -> Sink: Print to Std. Out', 'union -> Sink: Print to Std. Out'],
    );
  });

  test('keyBy after rebalance() routes by key: the keyed operator gets its keys (was: rebalanced, keyed state on the wrong subtask)', async () => {
    const g = graphOf((env) => void env.fromSequence(1, 10).rebalance().keyBy((x) => x % 3).reduce((a, b) => a + b).print(), 2);
    assert.deepEqual(inputsOf(g, 'Keyed Reduce'), ['Source: Sequence Source:hash']);
    assert.equal(node(g, 'Keyed Reduce').keyed, true);

    // Each key's sum comes out whole, from one subtask: the records were routed by key.
    const final = new Map<number, number>();
    const subtasks = new Map<number, Set<number>>();
    await runJob(
      (env) => {
        env
          .fromSequence(1, 300)
          .map((x): [number, number] => [x % 3, x])
          .rebalance()
          .keyBy(([key]) => key)
          .reduce(([key, a], [, b]) => [key, a + b])
          .map(new WhereKeyed())
          .addSink(([key, sum, subtask]) => {
            final.set(key, Math.max(final.get(key) ?? 0, sum));
            subtasks.set(key, (subtasks.get(key) ?? new Set()).add(subtask));
          });
      },
      { parallelism: 2 },
    );
    // 1..300 by x % 3: 15150 (3, 6, …), 14950 (1, 4, …) and 15050 (2, 5, …), each key in one subtask.
    assert.deepEqual([...final].sort(([a], [b]) => a - b), [[0, 15150], [1, 14950], [2, 15050]]);
    assert.deepEqual([...subtasks.values()].map((s) => s.size), [1, 1, 1]);
  });

  test('a keyed stream refuses a partitioning after keyBy (KeyedStream.setConnectionType)', () => {
    assert.throws(
      () => graphOf((env) => void env.fromSequence(1, 2).keyBy((x) => x).rebalance().print()),
      /^JobDefinitionError: Cannot override partitioning for KeyedStream: rebalance\(\) cannot follow keyBy\(\)/,
    );
  });
});

describe('unions (DataStreamTest.testUnion)', () => {
  test('a stream with itself: two forward edges; with itself broadcast: a forward and a broadcast edge', () => {
    const g = graphOf((env) => {
      const input1 = env.fromSequence(0, 0).map((x) => x).name('input1');
      input1.union(input1).map((x) => x).name('selfUnion').print();
      const input6 = env.fromSequence(0, 0).map((x) => x).name('input6');
      input6.broadcast().union(input6).map((x) => x).name('selfUnionDifferentPartition').print();
    }, 4);
    assert.deepEqual(inputsOf(g, 'selfUnion'), ['input1:forward', 'input1:forward']);
    assert.deepEqual(inputsOf(g, 'selfUnionDifferentPartition'), ['input6:broadcast', 'input6:forward']);
    // Two inputs: the union's consumer heads its own chain.
    assert.ok(g.vertices.some((v) => v.name === 'selfUnion -> Sink: Print to Std. Out' && v.inputs.length === 2));
  });

  test('inputs of differing parallelism or partitioning: each edge decided on its own', () => {
    const g = graphOf((env) => {
      const input2 = env.fromSequence(0, 0).map((x) => x).name('input2').setParallelism(4);
      const input3 = env.fromSequence(0, 0).map((x) => x).name('input3').setParallelism(2);
      input2.union(input3).map((x) => x).name('unionDifferingParallelism').setParallelism(4).print();
      const input4 = env.fromSequence(0, 0).map((x) => x).name('input4').setParallelism(2);
      const input5 = env.fromSequence(0, 0).map((x) => x).name('input5').setParallelism(4);
      input4.broadcast().union(input5).map((x) => x).name('unionDifferingPartitioning').setParallelism(4).print();
    }, 4);
    assert.deepEqual(inputsOf(g, 'unionDifferingParallelism'), ['input2:forward', 'input3:rebalance']);
    assert.deepEqual(inputsOf(g, 'unionDifferingPartitioning'), ['input4:broadcast', 'input5:forward']);
  });

  test('ours: a rich function after a union of keyed streams has keyed state, each record under its own keyBy\'s key (Flink has none there)', async () => {
    const out: string[] = [];
    await runJob((env) => {
      const a = env.fromSequence(1, 4).keyBy((x) => x % 2);
      const b = env.fromSequence(5, 8).keyBy((x) => x % 2);
      a.union(b).map(new CountPerKey()).addSink((s) => void out.push(s));
    }, { parallelism: 2 });
    // Per key (odd, even), four records each: counts 1 to 4 whatever the interleaving.
    const counts = (odd: boolean) => out.filter((s) => Number(s.split(':')[0]) % 2 === (odd ? 1 : 0)).map((s) => Number(s.split(':')[1])).sort();
    assert.deepEqual(counts(true), [1, 2, 3, 4]);
    assert.deepEqual(counts(false), [1, 2, 3, 4]);
  });

  test('a union of a stream with itself gives each record twice', async () => {
    const seen: number[] = [];
    await runJob((env) => {
      const s = env.fromSequence(1, 5).map((x) => x * 10);
      s.union(s).addSink((x) => void seen.push(x));
    }, { parallelism: 2 });
    assert.deepEqual(seen.sort((a, b) => a - b), [10, 10, 20, 20, 30, 30, 40, 40, 50, 50]);
  });
});

describe("chains (StreamingJobGraphGeneratorTest, StreamingJobGraphGenerator's chain names)", () => {
  test('an operator that chains to several names them in parentheses, as Flink names the vertex', () => {
    const g = graphOf((env) => {
      const s = env.fromSequence(1, 10);
      s.map((x) => x).name('A').print();
      s.filter(() => true).name('B').map((x) => x).name('C').print();
    }, 2);
    assert.deepEqual(
      g.vertices.map((v) => v.name),
      ['Source: Sequence Source -> (A -> Sink: Print to Std. Out, B -> C -> Sink: Print to Std. Out)'],
    );
    assert.deepEqual(jobPlanOf('j', g).nodes.map((n) => n.operator), [g.vertices[0]!.name]);
  });

  test("the REST plan describes a chain as Flink's default tree, HTML-escaped (testTreeDescription)", () => {
    const g = graphOf((env) => {
      const source = env.fromSequence(1, 10).name('test source');
      const map1 = source.map((x) => x + 1).name('x + 1');
      map1.print().name('first print of map1');
      map1.print().name('second print of map1');
      const map2 = source.map((x) => x + 2).name('x + 2');
      map2.print().name('first print of map2');
      map2.print().name('second <print> of map2');
    }, 1);
    assert.deepEqual(
      jobPlanOf('j', g).nodes.map((n) => n.description.split('<br/>')),
      [
        [
          'Source: test source',
          ':- x + 1',
          ':  :- Sink: first print of map1',
          ':  +- Sink: second print of map1',
          '+- x + 2',
          '   :- Sink: first print of map2',
          '   +- Sink: second &lt;print&gt; of map2',
          '',
        ],
      ],
    );
  });

  test('a source and a sink show as "Source: <name>" and "Sink: <name>", the name they were given (testInputOutputFormat, Flink\'s translators)', () => {
    const g = graphOf((env) => {
      const source = env.fromSequence(1, 2).name('source');
      assert.equal(source.getName(), 'source');
      source.map((x) => x).name('m').startNewChain().addSink(() => {}).name('sink1');
      source.print().name('sink2');
    }, 1);
    assert.deepEqual(g.vertices.map((v) => v.name), ['Source: source -> Sink: sink2', 'm -> Sink: sink1']);
    assert.throws(
      () => graphOf((env) => void env.fromSequence(1, 2).name('numbers').setParallelism(2).forward().print().name('out').setParallelism(3)),
      /^JobDefinitionError: Forward partitioning does not allow a change of parallelism: "Source: numbers" has 2 and "Sink: out" has 3\. Use rebalance\(\) or equal parallelism\.$/,
    );
  });

  test('parallelism one, chaining disabled on the filter and the sink: three vertices (testParallelismOneNotChained)', () => {
    const g = graphOf((env) => {
      env.setParallelism(1);
      const input = env.fromData('a', 'b', 'c', 'd', 'e', 'f').map((s) => [s, s]);
      const result = input.filter(() => true).disableChaining();
      result.print().disableChaining();
    });
    assert.deepEqual(g.vertices.map((v) => v.name), ['Source: Collection Source -> Map', 'Filter', 'Sink: Print to Std. Out']);
    assert.deepEqual(g.vertices.map((v) => v.parallelism), [1, 1, 1]);
    assert.deepEqual(g.vertices.map((v) => v.inputs.map((e) => e.partitioner.type)), [[], ['forward'], ['forward']]);
  });

  test('operators of different max parallelism chain, the chain taking its head\'s (testChainingOfOperatorsWithDifferentMaxParallelism, Flink\'s default)', () => {
    const g = graphOf((env) => {
      env.setMaxParallelism(10);
      env.fromElements(1).map((x) => x).map((x) => x).setMaxParallelism(1).map((x) => x).print();
    }, 1);
    assert.equal(g.vertices.length, 1);
    assert.equal(g.vertices[0]!.nodes.length, 5);
    assert.equal(g.vertices[0]!.maxParallelism, 10);
  });

  test('an async operator chains to a chain headed by a source (testYieldingOperatorProperlyChainedOnNewSources)', () => {
    const g = graphOf((env) => {
      const mapped = env.fromSequence(0, 10).map((x) => x);
      AsyncDataStream.unorderedWait(mapped, (x: number, result: ResultFuture<number>) => result.complete([x]), Duration.ofSeconds(1)).print();
    }, 1);
    assert.equal(g.vertices.length, 1);
    assert.equal(g.vertices[0]!.nodes.length, 4);
  });

  test('a union keeps its inputs in the order they were given, run after run (testDeterministicUnionOrder)', () => {
    const order = () => {
      const g = graphOf((env) => {
        const source = (i: number) => env.fromElements(i).name(`source${i}`).map((x) => x).name(`map${i}`);
        source(1).union(source(2)).union(source(3)).union(source(4)).print();
      }, 1);
      return g.vertices.at(-1)!.inputs.map((e) => e.source.name);
    };
    const expected = ['Source: source1 -> map1', 'Source: source2 -> map2', 'Source: source3 -> map3', 'Source: source4 -> map4'];
    for (let i = 0; i < 5; i++) assert.deepEqual(order(), expected);
  });

  test('env.disableOperatorChaining(): every operator a vertex of its own, the edges still forward', () => {
    const g = graphOf((env) => {
      env.disableOperatorChaining();
      env.fromSequence(1, 10).map((x) => x).filter(() => true).print();
    }, 2);
    assert.deepEqual(g.vertices.map((v) => v.name), ['Source: Sequence Source', 'Map', 'Filter', 'Sink: Print to Std. Out']);
    assert.deepEqual(g.vertices.map((v) => v.inputs.map((e) => e.partitioner.type)), [[], ['forward'], ['forward'], ['forward']]);
  });

  test('a side output chains to its consumer like the main output; a two-input operator heads its chain', () => {
    const g = graphOf((env) => {
      const odd = new OutputTag<number>('odd');
      const split = env.fromSequence(1, 10).process(new SplitOdd(odd)).name('split');
      split.getSideOutput(odd).map((x) => x).name('odds').print();
      split.connect(env.fromSequence(1, 2)).map({ map1: (x: number) => x, map2: (x: number) => x }).print();
    }, 2);
    assert.deepEqual(g.vertices.map((v) => v.name), [
      'Source: Sequence Source -> split -> odds -> Sink: Print to Std. Out',
      'Source: Sequence Source',
      'Co-Map -> Sink: Print to Std. Out',
    ]);
    assert.deepEqual(g.vertices[2]!.inputs.map((e) => `${e.sourceNode.name}:${e.partitioner.type}`), ['split:forward', 'Source: Sequence Source:forward']);
  });
});

describe('parallelism (DataStreamTest.testParallelism)', () => {
  test("an operator takes the environment's parallelism as it is added: a later env.setParallelism leaves it; setParallelism on it still wins", () => {
    const g = graphOf((env) => {
      env.setParallelism(10);
      const src = env.fromElements(0, 1);
      const map = src.map((x) => x).name('MyMap');
      const windowed = map.countWindowAll(10).reduce((a, b) => a + b).name('windowed');
      windowed.addSink(() => {}).name('windowedSink');
      const sink = map.addSink(() => {}).name('sink');
      env.setParallelism(7);
      assert.throws(() => src.setParallelism(3), /non parallel operator must be 1/);
      const parallelSource = env.fromSequence(0, 0).name('parallelSource');
      parallelSource.addSink(() => {}).name('parallelSink');
      const later = env.fromSequence(0, 0).name('later');
      later.setParallelism(3);
      later.addSink(() => {}).name('laterSink');
      map.setParallelism(2);
      sink.setParallelism(4);
    }, 5);
    const p = (name: string) => node(g, name).parallelism;
    assert.deepEqual(
      ['Source: Collection Source', 'MyMap', 'windowed', 'Sink: windowedSink', 'Sink: sink', 'Source: parallelSource', 'Sink: parallelSink', 'Source: later', 'Sink: laterSink'].map(p),
      [1, 2, 1, 10, 4, 7, 7, 3, 7],
    );
  });

  test('operators added before any env.setParallelism run at the default (-p); those after at what it set', () => {
    const g = graphOf((env) => {
      env.fromSequence(1, 2).name('before').print().name('beforeSink');
      env.setParallelism(2);
      env.fromSequence(1, 2).name('after').print().name('afterSink');
    }, 3);
    assert.deepEqual(['Source: before', 'Sink: beforeSink', 'Source: after', 'Sink: afterSink'].map((n) => node(g, n).parallelism), [3, 3, 2, 2]);
    // The same where `flink run -p 3` builds the graph (the JobMaster, whose configuration the code's setting joins).
    const pipeline = capturePipeline((env) => {
      env.fromSequence(1, 2).name('before').print().name('beforeSink');
      env.setParallelism(2);
      env.fromSequence(1, 2).name('after').print().name('afterSink');
    });
    const master = new JobMaster({ jobId: newJobId(), pipeline, configuration: new Configuration().with('parallelism.default', 3, '-p'), clock: systemClock });
    assert.deepEqual(master.jobGraph.vertices.map((v) => `${v.name} [${v.parallelism}]`), ['Source: before -> Sink: beforeSink [3]', 'Source: after -> Sink: afterSink [2]']);
  });
});

describe('refusals', () => {
  test('setParallelism on a non-parallel source is refused at once, naming it (DataStreamTest.testParallelism)', () => {
    capturePipeline((env) => {
      const src = env.fromElements(1, 2);
      assert.throws(() => src.setParallelism(3), /^RangeError: The parallelism of non parallel operator must be 1, got 3 for "Source: Collection Source"\.$/);
      src.setParallelism(1);
      const socket = env.socketTextStream('localhost', 9);
      assert.throws(() => socket.setParallelism(2), /non parallel operator must be 1/);
      // A parallel source takes any parallelism.
      const parallel = env.fromSequence(0, 0);
      parallel.setParallelism(3);
      src.union(socket.map(Number)).print();
      parallel.print();
    });
  });

  test('max parallelism from 1 to 32768 (KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM), on the environment and on an operator', () => {
    capturePipeline((env) => {
      for (const bad of [0, 32769]) {
        assert.throws(() => env.setMaxParallelism(bad), new RegExp(`^RangeError: The max parallelism must be an integer from 1 to 32768, got ${bad}\\.$`));
        assert.throws(() => env.fromSequence(1, 2).name('s').setMaxParallelism(bad), /from 1 to 32768, got .* \(operator "Source: s"\)\.$/);
      }
      env.setMaxParallelism(32768);
      env.fromSequence(1, 2).setMaxParallelism(1).print();
    });
  });

  test('a uid set on one operator that is generated for another is refused (Flink: "Hash collision on user-specified ID")', () => {
    const build = (pinned?: string) => (env: StreamExecutionEnvironment) => {
      const s = env.fromSequence(1, 5).uid('src');
      s.map((x) => x).name('first').print().uid('p1');
      const second = s.map((x) => x + 1).name('second');
      if (pinned !== undefined) second.uid(pinned);
      second.print().uid('p2');
    };
    const generated = node(graphOf(build()), 'first').uid;
    // Two maps on one source: pinning the second to the first's generated uid would give both one state.
    assert.throws(
      () => graphOf(build(generated)),
      new RegExp(`^JobDefinitionError: The uid '${generated}' set on "second" is the one generated for "first": every uid must be unique within a job\\. Set a uid on "first" too\\.$`),
    );
  });
});
