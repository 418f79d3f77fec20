import type { Transformation } from '../graph/index.js';
import type { CheckpointSettings } from './checkpoint-config.js';
import type { RestartStrategyConfiguration } from './restart-strategies.js';

/** Settings made in job code; they win over `config.yaml`, `-D` and defaults. */
export interface JobSettings {
  readonly parallelism: number | undefined;
  readonly maxParallelism: number | undefined;
  readonly checkpoint: Readonly<CheckpointSettings>;
  readonly stateBackend: string | undefined;
  /** `execution.checkpointing.incremental` as the job's code set it. */
  readonly incrementalCheckpoints: boolean | undefined;
  readonly restartStrategy: RestartStrategyConfiguration | undefined;
  readonly operatorChaining: boolean;
  /** `pipeline.auto-watermark-interval` in ms, as the job's code set it. */
  readonly autoWatermarkInterval?: number;
  /** `pipeline.object-reuse` as the job's code set it (`enableObjectReuse()` / `disableObjectReuse()`). */
  readonly objectReuse?: boolean;
  /** `env.getConfig().setGlobalJobParameters(...)`: what every function's runtime context gives out. */
  readonly globalJobParameters?: Readonly<Record<string, string>>;
}

/** A job as `execute()` hands it over: its name, its transformations and its settings. */
export interface Pipeline {
  readonly jobName: string;
  readonly transformations: readonly Transformation[];
  readonly settings: JobSettings;
}

/** The outcome of a job that ran to its end. */
export class JobExecutionResult {
  constructor(
    readonly jobId: string,
    readonly jobName: string,
    /** Milliseconds from start to end. */
    readonly netRuntime: number,
  ) {}
  getJobID(): string {
    return this.jobId;
  }
  getNetRuntime(): number {
    return this.netRuntime;
  }
}

/** A job started by `executeAsync()` (Flink's JobClient). */
export interface JobClient {
  getJobID(): string;
  /** The job's result when it ends; rejects if it fails or is cancelled. */
  getJobExecutionResult(): Promise<JobExecutionResult>;
  /** Cancels the job; resolves once it is cancelled (or had ended). */
  cancel(): Promise<void>;
  /**
   * @internal True in a worker thread re-running the job file for a later job: this job ran in
   * the main thread, so collected results are not seen here (see task-worker.ts).
   */
  readonly ranElsewhere?: boolean;
}

/** Runs pipelines; the CLI installs one that tracks jobs, a plain program gets a local one. */
export interface PipelineExecutor {
  execute(pipeline: Pipeline): Promise<JobExecutionResult>;
  /** Starts the job and returns at once (without it, `executeAsync()` is refused). */
  executeAsync?(pipeline: Pipeline): Promise<JobClient>;
  /** The parallelism its jobs' operators get unless their code sets one (`-p`, `parallelism.default`). */
  defaultParallelism?(): number;
  /** `pipeline.object-reuse` as configured for its jobs (`config.yaml`, `-D`), unless their code sets it. */
  objectReuse?(): boolean;
}

/** @internal A JobClient over a started run (for executors): `cancel` is the run's own, `result` its outcome. */
export function jobClient(jobId: string, result: Promise<JobExecutionResult>, cancel: () => void): JobClient {
  // Handled here so that a job nobody asks about does not end the process with an unhandled rejection.
  result.catch(() => undefined);
  return {
    getJobID: () => jobId,
    getJobExecutionResult: () => result,
    cancel: async () => {
      cancel();
      await result.then(
        () => undefined,
        () => undefined,
      );
    },
  };
}

const CONTEXT = Symbol.for('flink-ts.execution-context');

interface ExecutionContext {
  /** Installed by the `flink` CLI for the job file it runs. */
  executor?: PipelineExecutor;
  /** Installed by the package entry: runs a job in this process with defaults. */
  defaultExecutor?: PipelineExecutor;
}

/**
 * Where `getExecutionEnvironment()` finds its executor. Kept on globalThis so a job file and
 * the CLI agree even if the module were loaded twice.
 */
function context(): ExecutionContext {
  const g = globalThis as { [CONTEXT]?: ExecutionContext };
  return (g[CONTEXT] ??= {});
}

/** Installs the executor `getExecutionEnvironment()` uses (the CLI does this before loading a job). */
export function setContextExecutor(executor: PipelineExecutor | undefined): void {
  context().executor = executor;
}

/** Installs the executor used when no CLI is present (a job run as a plain program). */
export function setDefaultExecutor(executor: PipelineExecutor): void {
  context().defaultExecutor ??= executor;
}

/** The executor for a new environment. */
export function currentExecutor(): PipelineExecutor {
  const ctx = context();
  const executor = ctx.executor ?? ctx.defaultExecutor;
  if (!executor) throw new Error("No executor is installed: import the engine from 'flink-ts'.");
  return executor;
}
