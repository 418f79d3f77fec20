import { createHash } from 'node:crypto';
import type { JobGraph } from './job-graph.js';

/**
 * A fingerprint of a JobGraph's shape: vertices with their chained operators (uids, names,
 * parallelism, max parallelism, keyed or not), and edges with their partitioners. Two threads
 * that built the graph from the same job file with the same arguments get the same hash; a job
 * file whose top level depends on randomness or time may not, and then its subtasks cannot be
 * placed on workers (the channels between them would not match).
 */
export function jobGraphHash(graph: JobGraph): string {
  const shape = graph.vertices.map((v) => [
    v.id,
    v.name,
    v.parallelism,
    v.maxParallelism,
    v.nodes.map((n) => [n.uid, n.name, n.parallelism, n.keyed, n.source !== undefined, n.operator?.kind ?? null]),
    v.outputs.map((e) => [e.target.id, e.sourceNode.uid, e.partitioner.type, e.outputTag ?? null, e.inputIndex, e.typeNumber ?? null]),
  ]);
  return createHash('sha256').update(JSON.stringify([graph.jobName, shape])).digest('hex');
}
