/**
 * JobGraph: the StreamGraph with operators chained into vertices. A forward edge between
 * operators of equal parallelism whose target has no other input becomes a plain function
 * call inside one vertex; every other edge becomes channels between subtasks.
 */
import type { PartitionerSpec } from './transformation.js';
import { type StreamEdge, type StreamGraph, type StreamNode, isTwoInputNode } from './stream-graph.js';

/** A chain of operators run together by each of `parallelism` subtasks. */
export interface JobVertex {
  readonly id: number;
  /** The chain's operator names as Flink shows them: "A -> B", branches as "A -> (B, C)". */
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly head: StreamNode;
  /** Every node of the chain, head first, in topological order. */
  readonly nodes: readonly StreamNode[];
  readonly inputs: JobEdge[];
  readonly outputs: JobEdge[];
}

/** An edge between vertices: from an operator of one chain to the head of another. */
export interface JobEdge {
  readonly source: JobVertex;
  readonly target: JobVertex;
  /** The operator inside `source` whose output feeds this edge. */
  readonly sourceNode: StreamNode;
  readonly partitioner: PartitionerSpec;
  /** Set when the edge carries `sourceNode`'s side output with this tag id. */
  readonly outputTag?: string;
  /** The position of this edge among the target's inputs. */
  readonly inputIndex: number;
  /** Which input of the target's two-input head the edge feeds (undefined for one-input heads). */
  readonly typeNumber?: 1 | 2;
}

/** The chained job. */
export interface JobGraph {
  readonly jobName: string;
  /** Vertices in topological order. */
  readonly vertices: readonly JobVertex[];
  readonly streamGraph: StreamGraph;
}

/** True if `edge` can be a plain call inside one chain. */
export function isChainable(edge: StreamEdge, chaining: boolean): boolean {
  return (
    chaining &&
    edge.target.chaining === undefined &&
    edge.source.chaining !== 'never' &&
    edge.partitioner.type === 'forward' &&
    edge.source.parallelism === edge.target.parallelism &&
    edge.target.inEdges.length === 1 &&
    edge.target.source === undefined &&
    !isTwoInputNode(edge.target)
  );
}

/**
 * A chain's name as Flink's StreamingJobGraphGenerator builds it: an operator, then " -> " and
 * what it chains to; an operator that chains to several gets them in parentheses, comma-separated
 * ("Source -> (Map -> Sink, Filter -> Sink)"), so the name shows the chain's branches.
 */
function chainedName(node: StreamNode, chaining: boolean): string {
  const next = node.outEdges.filter((e) => isChainable(e, chaining)).map((e) => chainedName(e.target, chaining));
  if (next.length === 0) return node.name;
  return next.length === 1 ? `${node.name} -> ${next[0]}` : `${node.name} -> (${next.join(', ')})`;
}

/** Chains the StreamGraph into a JobGraph. */
export function buildJobGraph(graph: StreamGraph, options: { chaining: boolean } = { chaining: true }): JobGraph {
  const vertexOf = new Map<number, { head: StreamNode; nodes: StreamNode[] }>();
  const chains: Array<{ head: StreamNode; nodes: StreamNode[] }> = [];
  for (const node of graph.nodes) {
    const inEdge = node.inEdges.length === 1 ? node.inEdges[0]! : undefined;
    if (inEdge && isChainable(inEdge, options.chaining)) {
      const chain = vertexOf.get(inEdge.source.id)!;
      chain.nodes.push(node);
      vertexOf.set(node.id, chain);
    } else {
      const chain = { head: node, nodes: [node] };
      chains.push(chain);
      vertexOf.set(node.id, chain);
    }
  }
  const vertices: JobVertex[] = chains.map((c, i) => ({
    id: i,
    name: chainedName(c.head, options.chaining),
    parallelism: c.head.parallelism,
    maxParallelism: c.head.maxParallelism,
    head: c.head,
    nodes: c.nodes,
    inputs: [],
    outputs: [],
  }));
  const vertexByChain = new Map(chains.map((c, i) => [c, vertices[i]!]));
  for (const node of graph.nodes) {
    for (const edge of node.outEdges) {
      if (isChainable(edge, options.chaining)) continue;
      const source = vertexByChain.get(vertexOf.get(edge.source.id)!)!;
      const target = vertexByChain.get(vertexOf.get(edge.target.id)!)!;
      const jobEdge: JobEdge = {
        source,
        target,
        sourceNode: edge.source,
        partitioner: edge.partitioner,
        ...(edge.outputTag !== undefined ? { outputTag: edge.outputTag } : {}),
        ...(edge.typeNumber !== undefined ? { typeNumber: edge.typeNumber } : {}),
        inputIndex: target.inputs.length,
      };
      source.outputs.push(jobEdge);
      target.inputs.push(jobEdge);
    }
  }
  return { jobName: graph.jobName, vertices, streamGraph: graph };
}
