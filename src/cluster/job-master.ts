import { JobExecutionResult, type Pipeline } from '../api/index.js';
import type { JobGraph } from '../graph/index.js';
import { JobExecution } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import type { JobId } from '../util/ids.js';
import { type ParallelismDefaults, compilePipeline } from './compile-pipeline.js';

/** What a JobMaster runs with. */
export interface JobMasterOptions {
  readonly jobId: JobId;
  readonly pipeline: Pipeline;
  readonly defaults: ParallelismDefaults;
  readonly clock: Clock;
}

/**
 * Runs one job in this process: compiles its graph, deploys and drives its tasks, and answers
 * cancellation. One JobMaster per job, as in Flink.
 */
export class JobMaster {
  readonly jobId: JobId;
  readonly jobGraph: JobGraph;
  private execution: JobExecution | undefined;
  private cancelled = false;

  constructor(private readonly options: JobMasterOptions) {
    this.jobId = options.jobId;
    this.jobGraph = compilePipeline(options.pipeline, options.defaults);
  }

  get jobName(): string {
    return this.options.pipeline.jobName;
  }

  /** Runs the job to its end; rejects with the failure, or JobCancelledError. */
  async run(): Promise<JobExecutionResult> {
    const start = Date.now();
    this.execution = new JobExecution({ jobId: this.jobId, jobGraph: this.jobGraph, clock: this.options.clock });
    if (this.cancelled) this.execution.cancel();
    await this.execution.run();
    return new JobExecutionResult(this.jobId, this.jobName, Date.now() - start);
  }

  /** Cancels the job: tasks stop at their next step and the run rejects with JobCancelledError. */
  cancel(): void {
    this.cancelled = true;
    this.execution?.cancel();
  }
}
