import type { JobRecord, MetadataStore } from '../metadata/index.js';
import { JOB_PROCESS_LOST, isTerminal } from '../metadata/index.js';
import { isProcessAlive } from '../util/process.js';

export { isProcessAlive };

/** How often a running job writes its heartbeat. */
export const HEARTBEAT_INTERVAL_MS = 1000;
/** A heartbeat older than this means the job's process is gone (e.g. after a reboot reused its pid). */
export const HEARTBEAT_TIMEOUT_MS = 30_000;
/** How long a detached job may take from submission to its first heartbeat. */
export const STARTUP_TIMEOUT_MS = 60_000;


/** Why a non-terminal job is no longer running, or undefined if it may be running. */
export function lostReason(job: JobRecord, now: number): string | undefined {
  if (isTerminal(job.status)) return undefined;
  if (job.pid !== null && !isProcessAlive(job.pid)) return JOB_PROCESS_LOST;
  const lastSign = job.heartbeat ?? job.startTime;
  const timeout = job.heartbeat === null ? STARTUP_TIMEOUT_MS : HEARTBEAT_TIMEOUT_MS;
  if (now - lastSign > timeout) return JOB_PROCESS_LOST;
  return undefined;
}

/**
 * Marks jobs whose process is gone as FAILED ("job process lost"), so that no reader ever sees
 * a dead job as RUNNING. Returns the jobs as they are after the check.
 */
export function reconcileLiveness(store: MetadataStore, jobs: readonly JobRecord[], now = Date.now()): JobRecord[] {
  return jobs.map((job) => {
    const reason = lostReason(job, now);
    if (reason === undefined) return job;
    // The store re-checks the heartbeat inside its transaction, so a job that just wrote one wins.
    store.markLost(job.jobId, reason, { staleBefore: job.pid !== null && !isProcessAlive(job.pid) ? undefined : now - HEARTBEAT_TIMEOUT_MS });
    return store.getJob(job.jobId) ?? job;
  });
}
