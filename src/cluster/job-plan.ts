import { createHash } from 'node:crypto';
import type { JobGraph } from '../graph/index.js';
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
        description: v.name,
        optimizer_properties: {},
        ...(inputs.length > 0 ? { inputs } : {}),
        operators: v.nodes.map((n) => ({ id: operatorIdOf(n.uid), uid: n.uid, name: n.name, sink: n.outEdges.length === 0 })),
      };
    }),
  };
}
