import type { JobGraph } from '../graph/index.js';

/**
 * How many worker threads (task slots) a job runs on: `taskmanager.numberOfTaskSlots`, `auto`
 * meaning as many as the job's highest parallelism and the cores allow, and never more than the
 * highest parallelism (a slot without subtasks would idle). 1 = every subtask on the main thread.
 */
export function taskSlotsFor(configured: number | 'auto', jobGraph: JobGraph, cores: number): number {
  const highest = Math.max(1, ...jobGraph.vertices.map((v) => v.parallelism));
  return configured === 'auto' ? Math.max(1, Math.min(highest, cores)) : Math.min(configured, highest);
}

/** The worker's entry module next to this one (a .ts file when the engine itself runs from source under tsx). */
export function taskWorkerEntry(): URL {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? './task-worker.ts' : './task-worker.js', here);
}
