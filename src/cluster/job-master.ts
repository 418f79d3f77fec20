import { JobExecutionResult, type Pipeline } from '../api/index.js';
import type { Configuration } from '../config/index.js';
import type { JobGraph } from '../graph/index.js';
import type { MetadataStore } from '../metadata/index.js';
import { JobExecution } from '../runtime/index.js';
import type { Clock } from '../util/clock.js';
import { FlinkError, JobCancelledError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { compilePipeline } from './compile-pipeline.js';
import { effectiveConfiguration, parallelismDefaults } from './effective-configuration.js';
import { JobTracker } from './job-tracker.js';

/** Where a tracked job's record lives and what it was started from. */
export interface JobTracking {
  readonly store: MetadataStore;
  readonly jobFile: string;
  readonly args: readonly string[];
  /** `flink run -d` created the row before starting this process. */
  readonly preCreated: boolean;
  /** Where the job's status changes are logged. */
  readonly log?: (line: string) => void;
}

/** What a JobMaster runs with. */
export interface JobMasterOptions {
  readonly jobId: JobId;
  readonly pipeline: Pipeline;
  /** Defaults + config.yaml + -D + -p; the job's code settings are applied on top. */
  readonly configuration: Configuration;
  readonly clock: Clock;
  /** Record the job in flink.db and take commands from it; unset for an untracked local run. */
  readonly tracking?: JobTracking;
}

/**
 * Runs one job in this process, as Flink's JobMaster does for a job: compiles its graph with the
 * effective configuration, deploys and drives its tasks, keeps its record (status, heartbeat)
 * in flink.db and carries out the commands the CLI leaves there.
 */
export class JobMaster {
  readonly jobId: JobId;
  readonly jobGraph: JobGraph;
  readonly configuration: Configuration;
  private execution: JobExecution | undefined;
  private cancelled = false;
  private readonly tracker: JobTracker | undefined;

  constructor(private readonly options: JobMasterOptions) {
    this.jobId = options.jobId;
    this.configuration = effectiveConfiguration(options.configuration, options.pipeline.settings);
    this.jobGraph = compilePipeline(options.pipeline, parallelismDefaults(this.configuration));
    const t = options.tracking;
    if (t) {
      this.tracker = new JobTracker(
        t.store,
        {
          jobId: this.jobId,
          name: options.pipeline.jobName,
          jobFile: t.jobFile,
          args: t.args,
          parallelism: parallelismDefaults(this.configuration).parallelism ?? 1,
          config: this.configuration.toRecord(),
          preCreated: t.preCreated,
        },
        options.clock,
        t.log,
      );
    }
  }

  get jobName(): string {
    return this.options.pipeline.jobName;
  }

  /** Runs the job to its end; rejects with the failure, or JobCancelledError. */
  async run(): Promise<JobExecutionResult> {
    const start = Date.now();
    this.execution = new JobExecution({ jobId: this.jobId, jobGraph: this.jobGraph, clock: this.options.clock });
    this.tracker?.start({ cancel: () => this.cancel() });
    if (this.cancelled) this.execution.cancel();
    try {
      await this.execution.run();
    } catch (err) {
      if (err instanceof JobCancelledError) this.tracker?.finish({ status: 'CANCELED' });
      else {
        const cause = err instanceof Error ? err.message : String(err);
        const stack = err instanceof FlinkError ? err.details : err instanceof Error ? err.stack : undefined;
        this.tracker?.finish({ status: 'FAILED', cause, stack });
      }
      throw err;
    }
    this.tracker?.finish({ status: 'FINISHED' });
    return new JobExecutionResult(this.jobId, this.jobName, Date.now() - start);
  }

  /** Cancels the job: tasks stop at their next step and the run rejects with JobCancelledError. */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.tracker?.cancelling();
    this.execution?.cancel();
  }
}
