import type { JobGraph } from '../graph/index.js';
import { pathToFileURL } from 'node:url';
import { FROM_SOURCE, entryModuleUrl, packageFile } from '../util/package-root.js';

/**
 * How many worker threads (task slots) a job runs on, from `taskmanager.numberOfTaskSlots`:
 * never more than the job's highest parallelism (a slot without subtasks would idle). `auto`
 * takes as many as the cores allow, and none (the main thread) where that is one; `1` runs every
 * subtask on the main thread; a number above 1 always uses workers, even one for a job of
 * parallelism 1 (which frees the main thread for the coordinator). 0 = the main thread.
 */
export function taskSlotsFor(configured: number | 'auto', jobGraph: JobGraph, cores: number): number {
  const highest = Math.max(1, ...jobGraph.vertices.map((v) => v.parallelism));
  if (configured === 'auto') {
    const n = Math.min(highest, cores);
    return n > 1 ? n : 0;
  }
  return configured > 1 ? Math.min(configured, highest) : 0;
}

/** The worker's entry module (from source under tsx, a shim that registers tsx in the thread first). */
export function taskWorkerEntry(): URL {
  return FROM_SOURCE ? pathToFileURL(packageFile('src/cluster/task-worker-under-tsx.mjs')) : entryModuleUrl('cluster/task-worker');
}
