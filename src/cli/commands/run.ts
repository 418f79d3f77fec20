import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobExecutionResult, Pipeline, PipelineExecutor } from '../../api/index.js';
import { setContextExecutor } from '../../api/index.js';
import { loadSnapshot } from '../../checkpoint/index.js';
import { DETACHED_JOB_ID_ENV, JobMaster, type RestoreSettings, launchDetached, runJobFile } from '../../cluster/index.js';
import { CheckpointingOptions, type Configuration, ensureHome, loadConfiguration, resolveHome } from '../../config/index.js';
import { MetadataStore } from '../../metadata/index.js';
import { onOutputClosed } from '../../util/closed-output.js';
import { systemClock } from '../../util/clock.js';
import { FlinkError, JobCancelledError, JobFileError } from '../../util/errors.js';
import { type JobId, newJobId } from '../../util/ids.js';
import { lines, say, warn } from '../output.js';
import { LiveStatusLine, formatStatusLine } from '../status-line.js';
import { resolveRestorePath } from './restore-path.js';

/** Options of `flink run`. */
export interface RunOptions {
  readonly parallelism?: number;
  readonly dynamicProperties: readonly string[];
  readonly detached?: boolean;
  /** `-s`: a snapshot directory, its `_metadata`, a `file:` URI, or a job id (its latest checkpoint). */
  readonly fromSavepoint?: string;
  /** `-n`: drop snapshot state of operators the job no longer has. */
  readonly allowNonRestoredState?: boolean;
  /** Who owns the restored snapshot. */
  readonly claimMode?: 'claim' | 'no_claim';
}

/** The job failed; the message names the job and the cause. */
export class JobExecutionError extends FlinkError {
  constructor(
    readonly jobId: string,
    cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super('job.failed', lines.failed(jobId, message), {
      cause,
      details: cause instanceof FlinkError ? cause.details : cause instanceof Error ? cause.stack : undefined,
    });
  }
}

/**
 * The executor `flink run` installs for the job file: runs each `execute()` under a tracked
 * JobMaster and prints the submission and finish lines.
 */
class CliExecutor implements PipelineExecutor {
  readonly masters: JobMaster[] = [];
  private readonly runs: Promise<unknown>[] = [];
  failure: JobExecutionError | undefined;
  cancelledBy: NodeJS.Signals | undefined;
  /** The live status line on a terminal (not for a detached job, whose stderr is its log). */
  private live: LiveStatusLine | undefined;

  constructor(
    private readonly configuration: Configuration,
    private readonly store: MetadataStore,
    private readonly jobFile: string,
    private readonly args: readonly string[],
    /** The id `flink run -d` created a row for; used by the first execute(). */
    private preCreatedId: JobId | undefined,
    /** The snapshot the first execute() starts from. */
    private restore: RestoreSettings | undefined,
  ) {}

  async execute(pipeline: Pipeline): Promise<JobExecutionResult> {
    const preCreated = this.preCreatedId;
    this.preCreatedId = undefined;
    const restore = this.restore;
    this.restore = undefined;
    const master = new JobMaster({
      jobId: preCreated ?? newJobId(),
      pipeline,
      configuration: this.configuration,
      clock: systemClock,
      restore,
      tracking: {
        store: this.store,
        jobFile: this.jobFile,
        args: this.args,
        preCreated: preCreated !== undefined,
        // A detached job's stderr is its log file.
        log: preCreated !== undefined ? logLine : undefined,
      },
    });
    this.masters.push(master);
    this.showLive(master);
    say(lines.submitted(master.jobId));
    for (const w of master.jobGraph.streamGraph.warnings) warn(w);
    if (this.cancelledBy) master.cancel();
    const run = master.run().then(
      (result) => {
        say(lines.finished(master.jobId));
        say(lines.runtime(result.getNetRuntime()));
        return result;
      },
      (err: unknown) => {
        if (err instanceof JobCancelledError) {
          say(lines.cancelled(master.jobId));
          throw err;
        }
        this.failure ??= new JobExecutionError(master.jobId, err);
        throw this.failure;
      },
    );
    this.runs.push(run.catch(() => undefined));
    return run;
  }

  /** Shows the job's metrics in a live line on stderr, when stderr is a terminal. */
  private showLive(master: JobMaster): void {
    if (!LiveStatusLine.wanted(process.stderr)) return;
    this.live ??= new LiveStatusLine(process.stderr, process.stdout.isTTY ? [process.stdout] : []);
    const live = this.live;
    master.onMetrics((snapshot, sample) => live.update(formatStatusLine(snapshot, sample, process.stderr.columns)));
  }

  /** Takes the live line off the terminal. */
  closeLive(): void {
    this.live?.close();
    this.live = undefined;
  }

  cancelAll(signal: NodeJS.Signals): void {
    this.cancelledBy = signal;
    for (const m of this.masters) m.cancel();
  }

  /** Waits for every job the file started, also those it did not await. */
  async settled(): Promise<void> {
    for (let n = 0; n < this.runs.length; n = this.runs.length) await Promise.all(this.runs.slice(n));
  }

  /** The pre-created id if no execute() used it (the job file failed or never executed). */
  get unusedPreCreatedId(): JobId | undefined {
    return this.preCreatedId;
  }
}

function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} INFO ${line}\n`);
}

function checkJobFile(jobFile: string): string {
  const path = resolve(jobFile);
  if (!existsSync(path)) throw new JobFileError('job.fileNotFound', `Job file not found: ${path}. Check the path and try again.`);
  return path;
}

/** `flink run`: runs a job file attached, or starts it detached with `-d`; resolves to the exit code. */
export async function runCommand(jobFile: string, args: readonly string[], options: RunOptions): Promise<number> {
  const layout = ensureHome(resolveHome());
  let configuration = loadConfiguration({ home: layout.home, dynamicProperties: [...options.dynamicProperties] });
  if (options.parallelism !== undefined) configuration = configuration.with('parallelism.default', options.parallelism, '-p');
  const path = checkJobFile(jobFile);
  const store = MetadataStore.open(layout.dbPath);
  try {
    // The snapshot is read and verified before anything starts: a bad one starts no job.
    const snapshot =
      options.fromSavepoint === undefined
        ? undefined
        : loadSnapshot(resolveRestorePath(store, options.fromSavepoint, configuration.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)));
    const preCreated = process.env[DETACHED_JOB_ID_ENV] as JobId | undefined;
    if (options.detached && preCreated === undefined) {
      return await submitDetached(store, layout, path, args, { ...options, fromSavepoint: snapshot?.dir }, configuration);
    }
    const restore = snapshot && {
      snapshot,
      allowNonRestoredState: options.allowNonRestoredState === true,
      claimMode: options.claimMode ?? 'no_claim',
    };
    return await runAttached(store, configuration, path, args, preCreated, restore);
  } finally {
    store.close();
  }
}

async function runAttached(
  store: MetadataStore,
  configuration: Configuration,
  path: string,
  args: readonly string[],
  preCreated: JobId | undefined,
  restore: RestoreSettings | undefined,
): Promise<number> {
  const executor = new CliExecutor(configuration, store, path, args, preCreated, restore);
  setContextExecutor(executor);
  const onSignal = (signal: NodeJS.Signals) => executor.cancelAll(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // stdout's reader gone (`flink run job.ts | head`): cancel, as SIGPIPE ends `yes | head`.
  const offClosed = onOutputClosed((stream) => stream === process.stdout && executor.cancelAll('SIGPIPE'));
  let loadError: unknown;
  try {
    await runJobFile(path, args);
  } catch (err) {
    loadError = err;
  }
  await executor.settled();
  executor.closeLive();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  offClosed();
  if (executor.cancelledBy) return 128 + osConstants.signals[executor.cancelledBy];
  if (executor.failure) throw executor.failure;
  let error = loadError instanceof JobCancelledError ? undefined : loadError;
  if (error === undefined && executor.masters.length === 0) {
    error = new JobFileError(
      'job.noExecute',
      `Job file ${path} finished without calling env.execute(): define the job, then run it with 'await env.execute(name)'.`,
    );
  }
  const unused = executor.unusedPreCreatedId;
  if (error !== undefined && unused !== undefined) {
    // A detached job that failed before it ran: its row must not stay CREATED.
    store.transitionJob(unused, 'FAILED', {
      failureCause: error instanceof Error ? error.message : String(error),
      failureStack: error instanceof FlinkError ? (error.details ?? null) : error instanceof Error ? (error.stack ?? null) : null,
    });
  }
  if (error !== undefined) throw error;
  return 0;
}

/** How long `flink run -d` waits for the job to start before it returns anyway. */
const DETACHED_START_WAIT_MS = 30_000;

async function submitDetached(
  store: MetadataStore,
  layout: ReturnType<typeof ensureHome>,
  path: string,
  args: readonly string[],
  options: RunOptions,
  configuration: Configuration,
): Promise<number> {
  const jobId = newJobId();
  store.createJob({
    jobId,
    name: basename(path),
    jobFile: path,
    args,
    status: 'CREATED',
    parallelism: options.parallelism ?? null,
    config: configuration.toRecord(),
    restoredFrom: options.fromSavepoint ?? null,
  });
  const runArgs = [
    ...(options.parallelism !== undefined ? ['-p', String(options.parallelism)] : []),
    ...options.dynamicProperties.flatMap((d) => ['-D', d]),
    ...(options.fromSavepoint !== undefined ? ['-s', options.fromSavepoint] : []),
    ...(options.allowNonRestoredState ? ['-n'] : []),
    ...(options.claimMode ? ['--claim-mode', options.claimMode] : []),
    path,
    ...args,
  ];
  const child = launchDetached({ jobId, layout, runArgs });
  store.updateJob(jobId, { pid: child.pid });
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + DETACHED_START_WAIT_MS;
  for (;;) {
    const job = store.getJob(jobId);
    if (job && job.status !== 'CREATED') {
      if (job.status === 'FAILED') {
        throw new FlinkError('job.failed', lines.failed(jobId, job.failureCause ?? 'unknown cause'), {
          details: `  See ${layout.jobLog(jobId)} for the job's log.`,
        });
      }
      break;
    }
    if (exited) {
      store.transitionJob(jobId, 'FAILED', { failureCause: 'the job process exited during start-up' });
      throw new FlinkError('job.failed', lines.failed(jobId, `the job process exited during start-up; see ${layout.jobLog(jobId)}`));
    }
    if (Date.now() > deadline) break;
    await sleep(25);
  }
  say(lines.submitted(jobId));
  return 0;
}
