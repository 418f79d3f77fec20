import { type JobRecord, type JobStatus, type MetadataStore, isTerminal } from '../metadata/index.js';
import { IllegalJobStateError } from '../util/errors.js';
import { type ProcessState, processState, terminateProcess } from './job-process.js';
import { declareIfLost, heartbeatTimeoutOf, jobProcess, wasDeclaredLost } from './liveness.js';

/** How long a lost job's process gets to end on SIGTERM before SIGKILL. */
export const TAKEOVER_GRACE_MS = 5_000;

/** What to do about a job's process before its state is restored elsewhere. */
export type TakeoverDecision =
  /** No process can commit for the job any more. */
  | { readonly action: 'proceed' }
  /** The job runs, healthy: restoring it too would run it twice. */
  | { readonly action: 'refuse' }
  /** The job was declared lost but its process lives (frozen, hung, cut off): it must go first. */
  | { readonly action: 'stop' };

/**
 * Decides, from what is known of a job and its process, whether its state may be restored in
 * a new process. A job that ended by itself leaves nothing to fear from its process, which may
 * go on to run other jobs of its file; one declared lost may still be a JobMaster that has not
 * noticed.
 */
export function decideTakeover(facts: { readonly status: JobStatus; readonly declaredLost: boolean; readonly process: ProcessState }): TakeoverDecision {
  if (facts.process === 'gone') return { action: 'proceed' };
  if (!isTerminal(facts.status)) return { action: 'refuse' };
  return facts.declaredLost ? { action: 'stop' } : { action: 'proceed' };
}

/**
 * Makes sure no process of `job` can commit any more, before its state is restored in another:
 * a job whose heartbeat is stale is declared lost first (which fences its process out, should
 * it wake); a lost job's process that is still alive is stopped (SIGTERM, SIGKILL after
 * `graceMs`; at once if it is frozen); a job that still runs is refused. Returns the job as it
 * is afterwards.
 *
 * @throws IllegalJobStateError if the job still runs, or its process cannot be stopped
 */
export async function takeOverJob(store: MetadataStore, job: JobRecord, opts: { readonly graceMs?: number; readonly log: (line: string) => void }): Promise<JobRecord> {
  const current = declareIfLost(store, job);
  const proc = jobProcess(current);
  const state: ProcessState = proc ? processState(proc) : 'gone';
  const decision = decideTakeover({ status: current.status, declaredLost: wasDeclaredLost(current), process: state });
  if (decision.action === 'refuse') {
    throw new IllegalJobStateError(
      `Job ${current.jobId} is still ${current.status} in process ${current.pid}: restoring it now would run it twice. ` +
        `Stop it first ('flink stop ${current.jobId}' takes a savepoint, 'flink cancel ${current.jobId}' does not), then restore.`,
    );
  }
  if (decision.action === 'stop') await stopLostProcess(current, state, opts);
  return current;
}

/**
 * Stops the still-alive process of a job declared lost (`flink cancel` of such a job, or before
 * a restore). Its epoch has already moved on, so if it wakes it commits nothing.
 *
 * @throws IllegalJobStateError if the process cannot be signalled
 */
export async function stopLostProcess(
  job: JobRecord,
  state: ProcessState,
  opts: { readonly graceMs?: number; readonly log: (line: string) => void },
): Promise<void> {
  const proc = jobProcess(job);
  if (!proc || state === 'gone') return;
  const how = state === 'stopped' ? 'with SIGKILL (it is frozen)' : `with SIGTERM, then SIGKILL after ${Math.round((opts.graceMs ?? TAKEOVER_GRACE_MS) / 1000)} s`;
  opts.log(
    `Job ${job.jobId} was declared lost (no heartbeat within ${Math.round(heartbeatTimeoutOf(job) / 1000)} s) but its process ${proc.pid} is still alive; stopping it ${how}.`,
  );
  const result = await terminateProcess(proc, opts.graceMs ?? TAKEOVER_GRACE_MS);
  if (typeof result === 'object') {
    throw new IllegalJobStateError(
      `Cannot stop process ${proc.pid} of job ${job.jobId} (${result.refused}); stop it yourself (kill -9 ${proc.pid}), then try again.`,
    );
  }
}
