import type { Pipeline } from '../api/index.js';
import { type JobGraph, buildJobGraph, buildStreamGraph } from '../graph/index.js';
import { DEFAULT_MAX_PARALLELISM } from '../state/index.js';

/** Parallelism settings from outside the job's code (`-p`, `parallelism.default`, config). */
export interface ParallelismDefaults {
  readonly parallelism?: number;
  readonly maxParallelism?: number;
}

/** Turns a pipeline into its JobGraph; settings in the job's code win over `defaults`. */
export function compilePipeline(pipeline: Pipeline, defaults: ParallelismDefaults = {}): JobGraph {
  const s = pipeline.settings;
  const streamGraph = buildStreamGraph(pipeline.transformations, {
    jobName: pipeline.jobName,
    // An operator added after env.setParallelism carries that parallelism (envParallelism); one
    // added before it runs at the job's default, as in Flink.
    defaultParallelism: defaults.parallelism ?? 1,
    maxParallelism: s.maxParallelism ?? defaults.maxParallelism ?? DEFAULT_MAX_PARALLELISM,
    chaining: s.operatorChaining,
  });
  return buildJobGraph(streamGraph, { chaining: s.operatorChaining });
}
