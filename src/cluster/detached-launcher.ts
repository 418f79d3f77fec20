import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HomeLayout } from '../config/index.js';
import type { JobConfigRecord, MetadataStore } from '../metadata/index.js';
import { type JobId, newJobId } from '../util/ids.js';
import { packageFile } from '../util/package-root.js';
import { claimForJob } from './job-continuation.js';
import { processStartTime } from './job-process.js';
import { WARNING_PREFIX } from '../util/warning.js';

/** Set in a detached job's environment: the id `flink run -d` already created its row with. */
export const DETACHED_JOB_ID_ENV = 'FLINK_TS_DETACHED_JOB_ID';
/**
 * The jobs `flink run -d -s <job>` found abandoned (comma-separated; see
 * PreparedRestore.jobsAbandoned): the background process gets the snapshot's path as its -s,
 * from which it could not tell.
 */
export const DETACHED_JOBS_ABANDONED_ENV = 'FLINK_TS_DETACHED_JOBS_ABANDONED';

/** How long `flink run -d` waits for the job to start before it returns anyway. */
export const DETACHED_START_WAIT_MS = 30_000;
/** How often the start-up is looked at. */
const START_POLL_MS = 25;

/**
 * Starts `flink run <same options> <job> <args>` as a detached background process: its own
 * session (so closing the terminal does not hang it up), stdout to `log/<jobId>.out`, stderr
 * to `log/<jobId>.log` (both owner-only). Returns the child's pid.
 */
export function launchDetached(opts: {
  readonly jobId: string;
  readonly layout: HomeLayout;
  readonly runArgs: readonly string[];
  readonly jobsAbandoned?: readonly string[];
}): { pid: number; exited: Promise<number | null> } {
  const out = openSync(opts.layout.jobOut(opts.jobId), 'a', 0o600);
  const log = openSync(opts.layout.jobLog(opts.jobId), 'a', 0o600);
  try {
    const child = spawn(process.execPath, [packageFile('bin/flink'), 'run', ...opts.runArgs], {
      detached: true,
      stdio: ['ignore', out, log],
      env: {
        ...process.env,
        [DETACHED_JOB_ID_ENV]: opts.jobId,
        ...(opts.jobsAbandoned?.length ? { [DETACHED_JOBS_ABANDONED_ENV]: opts.jobsAbandoned.join(',') } : {}),
      },
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
    child.unref();
    return { pid: child.pid ?? -1, exited };
  } finally {
    closeSync(out);
    closeSync(log);
  }
}

/** What `flink run -d` submits. */
export interface DetachedSubmission {
  readonly layout: HomeLayout;
  readonly jobFile: string;
  readonly name: string;
  readonly args: readonly string[];
  readonly parallelism: number | null;
  readonly config: JobConfigRecord;
  /** The snapshot the job starts from (already verified). */
  readonly restoredFrom: string | null;
  /** The job that snapshot belongs to, which this process claimed to continue (see job-continuation.ts). */
  readonly continues?: string;
  /** The `flink run` arguments the background process gets (options, job file, its args). */
  readonly runArgs: readonly string[];
  /** Jobs that can never commit what they staged, which the job's restore drops (see PreparedRestore.jobsAbandoned). */
  readonly jobsAbandoned?: readonly string[];
  /** How long to wait for the job to start; default {@link DETACHED_START_WAIT_MS}. */
  readonly startWaitMs?: number;
}

/**
 * How a detached start went: running (or still starting when the wait ended), or failed with the
 * real cause; with the warnings the job gave at submission (e.g. stateful operators without a
 * uid), which an attached run prints and a detached one would otherwise leave in its log.
 */
export type DetachedStart = { readonly jobId: JobId; readonly warnings: readonly string[] } & (
  | { readonly failed?: undefined }
  | { readonly failed: { readonly cause: string; readonly log: string } }
);

/**
 * `flink run -d`: records the job (CREATED), starts its process in the background and waits
 * until it runs, fails, or the wait ends. A job that fails at start-up — its file does not
 * load, its snapshot does not fit — is reported with the cause the job recorded or, if its
 * process died before it could, the error its log ends with.
 */
export async function submitDetached(store: MetadataStore, s: DetachedSubmission): Promise<DetachedStart> {
  const jobId = newJobId();
  store.createJob({
    jobId,
    name: s.name,
    jobFile: s.jobFile,
    args: s.args,
    status: 'CREATED',
    parallelism: s.parallelism,
    config: s.config,
    restoredFrom: s.restoredFrom,
  });
  // The claim passes to the new job before its process starts: that process finds it its own.
  if (s.continues !== undefined) claimForJob(store, s.continues, jobId);
  const child = launchDetached({ jobId, layout: s.layout, runArgs: s.runArgs, ...(s.jobsAbandoned ? { jobsAbandoned: s.jobsAbandoned } : {}) });
  store.updateJob(jobId, { pid: child.pid, pidStart: processStartTime(child.pid) });
  let exited = false;
  void child.exited.then(() => {
    exited = true;
  });
  const logFile = s.layout.jobLog(jobId);
  const deadline = Date.now() + (s.startWaitMs ?? DETACHED_START_WAIT_MS);
  for (;;) {
    const job = store.getJob(jobId);
    // The job writes its submission warnings to its log before it records RUNNING.
    if (job && job.status !== 'CREATED') {
      const warnings = warningsIn(logFile);
      if (job.status === 'FAILED') return { jobId, warnings, failed: { cause: job.failureCause ?? 'unknown cause', log: logFile } };
      return { jobId, warnings };
    }
    if (exited) {
      // The process died before it could record why: its log has the error.
      const cause = lastErrorIn(logFile) ?? 'the job process exited during start-up';
      const change = store.compareAndSetStatus(jobId, 'FAILED', { fields: { failureCause: cause } });
      const recorded = change.outcome === 'moved' ? cause : (change.job.failureCause ?? cause);
      return { jobId, warnings: warningsIn(logFile), failed: { cause: recorded, log: logFile } };
    }
    if (Date.now() > deadline) return { jobId, warnings: warningsIn(logFile) };
    await sleep(START_POLL_MS);
  }
}

/** The lines of a job's log with any colour codes removed; none if it cannot be read. */
function logLines(logFile: string): string[] {
  try {
    return readFileSync(logFile, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n');
  } catch {
    return [];
  }
}

/** The last error line (`Error: …`) a `flink` process wrote to `logFile`, without the prefix. */
export function lastErrorIn(logFile: string): string | undefined {
  const errors = logLines(logFile).filter((l) => /^(Internal error|Error): /.test(l));
  return errors.at(-1)?.replace(/^(Internal error|Error): /, '');
}

/** The warnings (`Warning: …`) a `flink` process wrote to `logFile` so far, without the prefix. */
export function warningsIn(logFile: string): string[] {
  return logLines(logFile)
    .filter((l) => l.startsWith(WARNING_PREFIX))
    .map((l) => l.slice(WARNING_PREFIX.length));
}
