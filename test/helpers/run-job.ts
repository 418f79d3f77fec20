import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  JobExecutionResult,
  type Pipeline,
  type PipelineExecutor,
  setContextExecutor,
  StreamExecutionEnvironment,
} from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { JobExecution } from '../../src/runtime/index.js';
import { type Clock, systemClock } from '../../src/util/clock.js';

/** Runs pipelines in this process with a chosen clock and default parallelism. */
export class TestExecutor implements PipelineExecutor {
  execution: JobExecution | undefined;
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly parallelism?: number,
  ) {}
  async execute(pipeline: Pipeline): Promise<JobExecutionResult> {
    const jobGraph = compilePipeline(pipeline, { parallelism: this.parallelism });
    const start = Date.now();
    this.execution = new JobExecution({ jobId: 'test', jobGraph, clock: this.clock, autoWatermarkIntervalMs: pipeline.settings.autoWatermarkInterval, objectReuse: pipeline.settings.objectReuse });
    await this.execution.run();
    return new JobExecutionResult('test', pipeline.jobName, Date.now() - start);
  }
}

/**
 * Defines a job with `build` and runs it to the end in this process.
 * @returns what the job's collect sinks gathered
 */
export async function runJob(
  build: (env: StreamExecutionEnvironment) => void,
  options: { clock?: Clock; parallelism?: number } = {},
): Promise<void> {
  const executor = new TestExecutor(options.clock, options.parallelism);
  setContextExecutor(executor);
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    build(env);
    await env.execute('test job');
  } finally {
    setContextExecutor(undefined);
  }
}

/** Defines a job with `build` and returns its pipeline instead of running it. */
export function capturePipeline(build: (env: StreamExecutionEnvironment) => void, jobName = 'captured'): Pipeline {
  let captured: Pipeline | undefined;
  setContextExecutor({
    execute: async (p) => {
      captured = p;
      return new JobExecutionResult('x', p.jobName, 0);
    },
  });
  try {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    build(env);
    // A build that defines no operator (only refusals are tested) has no job: its execute() rejects.
    env.execute(jobName).catch(() => undefined);
  } finally {
    setContextExecutor(undefined);
  }
  return captured!;
}

/** A sink function that appends every record to `into` (one array shared by all subtasks). */
export function collectInto<T>(into: T[]): (value: T) => void {
  return (value: T) => {
    into.push(value);
  };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'flink-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Sorts a copy with a stable string order, for comparing multisets of records. */
export function sorted<T>(values: readonly T[]): T[] {
  return [...values].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
}
