import type { Transformation } from '../graph/index.js';

/**
 * The parallelism a stream's transformation will run at, as Flink's DataStream#getParallelism
 * answers it while the job is being defined: the one set on the operator; else, for a stream
 * that only routes records (keyBy, rebalance, a side output, a union), its (first) input's, as
 * Flink gives those transformations their input's parallelism; else the input's for an operator
 * that runs at it (`assignTimestampsAndWatermarks`); else the environment's when it was added
 * (`env.setParallelism`), else `defaultParallelism` (`-p`, `parallelism.default`). A source
 * that reads in fewer subtasks (fromElements: one) answers its limit, as the graph caps it.
 *
 * It must agree with buildStreamGraph, which decides the same for the running job (a test
 * compares the two on every kind of stream).
 */
export function parallelismOf(t: Transformation, defaultParallelism: number): number {
  if (t.parallelism !== undefined) return t.parallelism;
  switch (t.kind) {
    case 'partition':
    case 'sideOutput':
      return parallelismOf(t.input, defaultParallelism);
    case 'union':
      return parallelismOf(t.inputs[0]!, defaultParallelism);
    case 'operator':
      if (t.parallelismFromInput) return parallelismOf(t.input, defaultParallelism);
      break;
    case 'source': {
      const limit = t.source.maxSourceParallelism;
      const p = t.envParallelism ?? defaultParallelism;
      return limit !== undefined && p > limit ? limit : p;
    }
  }
  return t.envParallelism ?? defaultParallelism;
}
