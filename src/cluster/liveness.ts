import { HeartbeatManagerOptions } from '../config/index.js';
import type { JobRecord, MetadataStore } from '../metadata/index.js';
import { JOB_PROCESS_LOST, isTerminal } from '../metadata/index.js';
import { MetadataError } from '../util/errors.js';
import { type ProcessIdentity, isAlive, killStoppedProcessSync, processState } from './job-process.js';

/** How long a detached job may take from submission until its process takes the job over (its first heartbeat). */
export const STARTUP_TIMEOUT_MS = 60_000;

/**
 * The heartbeat timeout the job runs with, as it recorded it (`heartbeat.timeout` in its
 * configuration): the declaring side must use the job's own, which its self-fencing is set by.
 */
export function heartbeatTimeoutOf(job: JobRecord): number {
  const recorded = job.config[HeartbeatManagerOptions.HEARTBEAT_TIMEOUT.key];
  return typeof recorded === 'number' && recorded > 0 ? recorded : HeartbeatManagerOptions.HEARTBEAT_TIMEOUT.defaultValue;
}

/** The job's process as recorded, or undefined if none is. */
export function jobProcess(job: JobRecord): ProcessIdentity | undefined {
  return job.pid === null ? undefined : { pid: job.pid, startTime: job.pidStart };
}

/**
 * Why a non-terminal job is no longer running, or undefined if it may be running: its process
 * (by pid and start time) is gone, or its heartbeat is older than the job's heartbeat timeout
 * (a frozen or hung process), or it never took the job over within the start-up timeout.
 */
export function lostReason(job: JobRecord, now: number): string | undefined {
  if (isTerminal(job.status)) return undefined;
  const proc = jobProcess(job);
  if (proc !== undefined && !isAlive(proc)) return JOB_PROCESS_LOST;
  const lastSign = job.heartbeat ?? job.startTime;
  const timeout = job.heartbeat === null ? STARTUP_TIMEOUT_MS : heartbeatTimeoutOf(job);
  if (now - lastSign > timeout) return JOB_PROCESS_LOST;
  return undefined;
}

/**
 * Declares `job` lost if {@link lostReason} says so: FAILED ("job process lost") with a new
 * epoch, which fences its process out should it still run. The store re-checks the heartbeat
 * inside its transaction, so a job that renewed it meanwhile is left alone. Returns the job as
 * it is after the check.
 */
export function declareIfLost(store: MetadataStore, job: JobRecord, now = Date.now()): JobRecord {
  const reason = lostReason(job, now);
  if (reason === undefined) return job;
  const proc = jobProcess(job);
  const gone = proc !== undefined && !isAlive(proc);
  const timeout = job.heartbeat === null ? STARTUP_TIMEOUT_MS : heartbeatTimeoutOf(job);
  try {
    store.markLost(job.jobId, reason, { staleBefore: gone ? undefined : now - timeout });
  } catch (err) {
    // A frozen process keeps the locks it held when it stopped: frozen in the middle of a write
    // to flink.db (a heartbeat, a checkpoint's record), it keeps every other process from writing
    // — the declaration that would fence it out included — for as long as it stays frozen. It is
    // past its heartbeat timeout, so it is lost and would be stopped once declared: stop it now
    // (its locks go with it), then declare.
    if (!(proc !== undefined && !gone && isLockedOut(err) && processState(proc) === 'stopped' && killStoppedProcessSync(proc))) throw err;
    stoppedToDeclare.set(job.jobId, proc.pid);
    store.markLost(job.jobId, reason);
  }
  return store.getJob(job.jobId) ?? job;
}

/** Jobs whose frozen process this process stopped to declare them lost (see declareIfLost), with its pid. */
const stoppedToDeclare = new Map<string, number>();

/**
 * The pid of the job's frozen process if {@link declareIfLost} stopped it in this process (it
 * held flink.db's write lock), so that a command reports the stop it did not make itself.
 */
export function stoppedToDeclareLost(jobId: string): number | undefined {
  return stoppedToDeclare.get(jobId);
}

/** True if `err` is the store giving up on a write lock another process holds (SQLITE_BUSY past the busy timeout). */
function isLockedOut(err: unknown): boolean {
  const code = err instanceof MetadataError ? (err.cause as { code?: unknown } | undefined)?.code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Marks jobs whose process is gone or silent as FAILED ("job process lost"), so that no reader
 * ever sees a dead job as RUNNING. Returns the jobs as they are after the check.
 */
export function reconcileLiveness(store: MetadataStore, jobs: readonly JobRecord[], now = Date.now()): JobRecord[] {
  // Frozen processes first. One frozen while it held flink.db's write lock blocks every other
  // job's writes, heartbeats included, so they look lost too; declaring one of those first waited
  // out the busy timeout and failed the command (that job's process is not stopped, so it cannot
  // be the holder), and the frozen one was never declared nor stopped.
  // Each job's process state read once (a sort's comparator read /proc at every comparison).
  const frozen = new Set(jobs.filter(isFrozen));
  const frozenFirst = [...frozen, ...jobs.filter((job) => !frozen.has(job))];
  const after = new Map(frozenFirst.map((job) => [job.jobId, declareIfLost(store, job, now)]));
  return jobs.map((job) => after.get(job.jobId) ?? job);
}

/** True if the job's process is alive and stopped (SIGSTOP). */
function isFrozen(job: JobRecord): boolean {
  const proc = jobProcess(job);
  return proc !== undefined && !isTerminal(job.status) && processState(proc) === 'stopped';
}

/**
 * True if the job was declared lost by another process (not ended by its own): only then may
 * its process, if it still runs, be a JobMaster that has not noticed, and be stopped for it.
 */
export function wasDeclaredLost(job: JobRecord): boolean {
  return job.status === 'FAILED' && job.failureCause === JOB_PROCESS_LOST;
}
