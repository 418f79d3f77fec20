import { JobExecutionResult, type Pipeline, type PipelineExecutor } from '../api/index.js';
import { JobExecution } from '../runtime/index.js';
import { systemClock } from '../util/clock.js';
import { newJobId } from '../util/ids.js';
import { compilePipeline } from './compile-pipeline.js';

/**
 * Runs a job in this process with default settings and no bookkeeping: what a job file gets
 * when it is run as a plain program (`npx tsx job.ts`) rather than by `flink run`.
 */
export class LocalExecutor implements PipelineExecutor {
  async execute(pipeline: Pipeline): Promise<JobExecutionResult> {
    const jobGraph = compilePipeline(pipeline);
    for (const w of jobGraph.streamGraph.warnings) process.stderr.write(`Warning: ${w}\n`);
    const jobId = newJobId();
    const start = Date.now();
    await new JobExecution({ jobId, jobGraph, clock: systemClock }).run();
    return new JobExecutionResult(jobId, pipeline.jobName, Date.now() - start);
  }
}
