import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { DETACHED_JOB_ID_ENV, DETACHED_JOBS_ABANDONED_ENV, type JobReporter, jobFileNameProblem, prepareRestore, runJobFileTracked, submitDetached } from '../../cluster/index.js';
import { type Configuration, ensureHome, loadConfiguration, resolveHome } from '../../config/index.js';
import { MetadataStore } from '../../metadata/index.js';
import { FlinkError, JobFileError } from '../../util/errors.js';
import { type JobId, isJobId } from '../../util/ids.js';
import { lines, say, warn } from '../output.js';
import { LiveStatusLine, formatStatusLine } from '../status-line.js';
import { echo } from '../../util/sanitize.js';
import { localPathOf } from '../../util/file-uri.js';
import { fileKind, whyUnreachable } from '../../util/regular-file.js';
import { foreignByteOrderMark, foreignEncodingReason } from '../../util/text-encoding.js';

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
 * The submission and finish lines of SPEC.md's `flink run`, and — with `live`, on a terminal —
 * the jobs' metrics in a status line on stderr.
 */
function cliReporter(live: LiveStatusLine | undefined): JobReporter {
  return {
    submitted: (jobId) => say(lines.submitted(jobId)),
    warning: (message) => warn(message),
    finished: (jobId, ms) => {
      say(lines.finished(jobId));
      say(lines.runtime(ms));
    },
    cancelled: (jobId) => say(lines.cancelled(jobId)),
    failed: (jobId, cause) => new JobExecutionError(jobId, cause),
    ...(live && { metrics: (_jobId, snapshot, sample) => live.update(formatStatusLine(snapshot, sample, process.stderr.columns)) }),
  };
}

/** A detached job's log line (its stderr is the log file). */
function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} INFO ${line}\n`);
}

/**
 * The job file's absolute path (a path or a `file:` URI), checked to be a readable regular file
 * before anything starts: otherwise a loop of symbolic links reads as "not found" and a file
 * without read permission as something the job file threw.
 */
function checkJobFile(jobFile: string): string {
  const path = localPathOf(jobFile);
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new JobFileError('job.fileNotFound', `Job file not found: ${echo(path)}. Check the path and try again.`);
    throw new JobFileError('job.fileNotFound', `Cannot read job file ${echo(path)}: ${whyUnreachable(err)}.`);
  }
  if (!st.isFile()) throw new JobFileError('job.fileNotFound', `Job file ${echo(path)} is ${fileKind(st)}, not a file of TypeScript or JavaScript.`);
  // By its name, before anything runs: Node would run a job.txt as JavaScript, refuse a job.json in its own words, and a job.cts could not load flink-ts.
  const nameProblem = jobFileNameProblem(path);
  if (nameProblem !== undefined) throw new JobFileError('job.notJobFile', `Job file ${echo(path)} ${echo(nameProblem)}.`);
  // Its first bytes: opening it checks it can be read, and a file saved as UTF-16 (which Node's
  // loader reads as UTF-8, into a compile error about a character `�`) is named as such.
  let head = new Uint8Array(4);
  try {
    const fd = openSync(path, 'r');
    try {
      head = head.subarray(0, readSync(fd, head, 0, head.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new JobFileError('job.fileNotFound', `Cannot read job file ${echo(path)}: ${whyUnreachable(err)}.`);
  }
  const bom = foreignByteOrderMark(head);
  if (bom !== undefined) throw new JobFileError('job.compileFailed', `Cannot read job file ${echo(path)}: ${foreignEncodingReason(bom)}.`);
  return path;
}

/**
 * The jobs a detached run's parent found abandoned (see DETACHED_JOBS_ABANDONED_ENV): job ids
 * only, and only in the process the parent started (the one given a pre-created row).
 */
function abandonedByParent(value: string | undefined, preCreated: JobId | undefined): readonly string[] {
  if (value === undefined || preCreated === undefined) return [];
  const jobs = value.split(',');
  if (!jobs.every(isJobId)) throw new FlinkError('cli.badEnvironment', `${DETACHED_JOBS_ABANDONED_ENV} must list job ids separated by commas, not ${echo(value)}.`);
  return jobs;
}

/** `flink run`: runs a job file attached, or starts it detached with `-d`; resolves to the exit code. */
export async function runCommand(jobFile: string, args: readonly string[], options: RunOptions): Promise<number> {
  const layout = ensureHome(resolveHome());
  let configuration = loadConfiguration({ home: layout.home, dynamicProperties: [...options.dynamicProperties] });
  if (options.parallelism !== undefined) configuration = configuration.with('parallelism.default', options.parallelism, '-p');
  const path = checkJobFile(jobFile);
  const preCreated = process.env[DETACHED_JOB_ID_ENV] as JobId | undefined;
  // Only this process: a job file that starts `flink run` itself must not take over this row.
  delete process.env[DETACHED_JOB_ID_ENV];
  const jobsAbandoned = abandonedByParent(process.env[DETACHED_JOBS_ABANDONED_ENV], preCreated);
  delete process.env[DETACHED_JOBS_ABANDONED_ENV];
  const store = MetadataStore.open(layout.dbPath);
  let live: LiveStatusLine | undefined;
  try {
    if (options.detached && preCreated === undefined) return await runDetached(store, layout, path, args, options, configuration);
    // A detached job's stderr is its log file: never a terminal, so never a live line.
    live = LiveStatusLine.wanted(process.stderr) ? new LiveStatusLine(process.stderr, process.stdout.isTTY ? [process.stdout] : []) : undefined;
    return await runJobFileTracked({
      store,
      configuration,
      jobFile: path,
      args,
      reporter: cliReporter(live),
      fromSavepoint: options.fromSavepoint,
      allowNonRestoredState: options.allowNonRestoredState === true,
      claimMode: options.claimMode ?? 'no_claim',
      preCreated,
      ...(jobsAbandoned.length > 0 ? { jobsAbandoned } : {}),
      log: preCreated !== undefined ? logLine : warn,
    });
  } finally {
    live?.close();
    store.close();
  }
}

async function runDetached(
  store: MetadataStore,
  layout: ReturnType<typeof ensureHome>,
  path: string,
  args: readonly string[],
  options: RunOptions,
  configuration: Configuration,
): Promise<number> {
  // The snapshot is read and verified (and its job's process stopped) before anything starts.
  const prepared = options.fromSavepoint === undefined ? undefined : await prepareRestore(store, options.fromSavepoint, configuration, warn);
  const snapshot = prepared?.snapshot;
  const runArgs = [
    ...(options.parallelism !== undefined ? ['-p', String(options.parallelism)] : []),
    ...options.dynamicProperties.flatMap((d) => ['-D', d]),
    ...(snapshot ? ['-s', snapshot.dir] : []),
    ...(options.allowNonRestoredState ? ['-n'] : []),
    ...(options.claimMode ? ['--claim-mode', options.claimMode] : []),
    path,
    ...args,
  ];
  const start = await submitDetached(store, {
    layout,
    jobFile: path,
    name: basename(path),
    args,
    parallelism: options.parallelism ?? null,
    config: configuration.toRecord(),
    restoredFrom: snapshot?.dir ?? null,
    ...(snapshot ? { continues: snapshot.metadata.jobId } : {}),
    runArgs,
    ...(prepared && prepared.jobsAbandoned.length > 0 ? { jobsAbandoned: prepared.jobsAbandoned } : {}),
  });
  for (const w of start.warnings) warn(w);
  if (start.failed) throw new FlinkError('job.failed', lines.failed(start.jobId, start.failed.cause), { details: `  See ${start.failed.log} for the job's log.` });
  say(lines.submitted(start.jobId));
  return 0;
}
