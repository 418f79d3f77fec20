import { type JobClient, type JobExecutionResult, type Pipeline, type PipelineExecutor, jobClient } from '../api/index.js';
import { Configuration } from '../config/index.js';
import { systemClock } from '../util/clock.js';
import { newJobId } from '../util/ids.js';
import { parallelismDefaults } from './effective-configuration.js';
import { JobMaster } from './job-master.js';
import { writeWarning } from '../util/warning.js';

/**
 * Runs a job in this process with default settings and no bookkeeping: what a job file gets
 * when it is run as a plain program (`npx tsx job.ts`) rather than by `flink run`.
 */
export class LocalExecutor implements PipelineExecutor {
  defaultParallelism(): number {
    return parallelismDefaults(new Configuration()).parallelism ?? 1;
  }

  async execute(pipeline: Pipeline): Promise<JobExecutionResult> {
    return (await this.executeAsync(pipeline)).getJobExecutionResult();
  }

  async executeAsync(pipeline: Pipeline): Promise<JobClient> {
    const master = new JobMaster({ jobId: newJobId(), pipeline, configuration: new Configuration(), clock: systemClock });
    for (const w of master.jobGraph.streamGraph.warnings) writeWarning(w);
    return jobClient(master.jobId, master.run(), () => master.cancel());
  }
}
