import { createHash } from 'node:crypto';
import type { JobGraph, JobVertex, StreamNode } from '../graph/index.js';
import type { JobPlan } from '../metadata/index.js';

/**
 * An operator's id as Flink shows it: 32 hex characters, derived from its uid, so it stays the
 * same across runs and restores of the job. A vertex's id is its chain head's, as in Flink.
 */
export function operatorIdOf(uid: string): string {
  return createHash('sha256').update(uid).digest('hex').slice(0, 32);
}

const SHIP_STRATEGY = { forward: 'FORWARD', rebalance: 'REBALANCE', rescale: 'RESCALE', shuffle: 'SHUFFLE', global: 'GLOBAL', hash: 'HASH', broadcast: 'BROADCAST', custom: 'CUSTOM' } as const;

/** The chained graph as Flink's REST API shows it, plus each chain's operators. */
export function jobPlanOf(jobId: string, graph: JobGraph): JobPlan {
  return {
    jid: jobId,
    name: graph.jobName,
    type: 'STREAMING',
    nodes: graph.vertices.map((v) => {
      const inputs = v.inputs.map((e, num) => ({
        num,
        id: operatorIdOf(e.source.head.uid),
        ship_strategy: SHIP_STRATEGY[e.partitioner.type],
        exchange: 'pipelined_bounded' as const,
      }));
      return {
        id: operatorIdOf(v.head.uid),
        parallelism: v.parallelism,
        maxParallelism: v.maxParallelism,
        operator: v.name,
        operator_strategy: '',
        description: treeDescription(v),
        optimizer_properties: {},
        ...(inputs.length > 0 ? { inputs } : {}),
        operators: v.nodes.map((n) => ({ id: operatorIdOf(n.uid), uid: n.uid, name: n.name, sink: n.outEdges.length === 0 })),
      };
    }),
  };
}

/**
 * A chain as Flink's plan describes it (its default `pipeline.vertex-description-mode: TREE`):
 * the head on the first line, then each operator it chains to on a line of its own, under ":- "
 * while more follow and "+- " for the last, indented under its input — HTML-escaped, each line
 * ended by <br/>, as Flink's JsonPlanGenerator writes the `description`.
 */
function treeDescription(v: JobVertex): string {
  const inChain = new Set(v.nodes);
  const lines: string[] = [];
  const visit = (node: StreamNode, prefix: string, childPrefix: string): void => {
    lines.push(prefix + node.name);
    const next = node.outEdges.map((e) => e.target).filter((t) => inChain.has(t));
    next.forEach((t, i) => {
      const last = i === next.length - 1;
      visit(t, childPrefix + (last ? '+- ' : ':- '), childPrefix + (last ? '   ' : ':  '));
    });
  };
  visit(v.head, '', '');
  return lines.map((line) => `${escapeHtml(line)}<br/>`).join('');
}

/** What Flink's plan escapes in a description: HTML's special characters, and backslashes. */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\\/g, '&#92;');
}
