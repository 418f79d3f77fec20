import type { Continuation, MetadataStore } from '../metadata/index.js';
import { IllegalJobStateError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import { ownProcess, processState } from './job-process.js';
import { takeOverJob } from './job-takeover.js';

/**
 * One job continued by one job at a time. `flink run -s` of a job's checkpoint or savepoint (by
 * its path or the job's id) continues that job: its sinks pick up where the snapshot left them.
 * Two restores of one job that both run would both write what came after the snapshot — the
 * output twice, whatever the sinks' guarantees — so a restore claims the job first, in flink.db
 * by compare-and-set on the restored job's row (two restores at once: one wins), and is refused
 * while the previous claim's job can still commit. A previous continuation that ended (finished,
 * failed, cancelled) frees the job: restoring it again is restoring an older snapshot, which
 * writes again what that continuation committed after it, as in Flink. One declared lost whose
 * process still lives is stopped first, as the job itself would be (see takeOverJob). A job this
 * flink.db does not know (a snapshot taken under another home) is claimed the same way, in a row
 * of its own: whether that job itself still runs elsewhere nobody here can tell (its sinks are
 * told so, see jobsStillWritingAfter), but two restores of its snapshot here are one too many.
 */

/** The claimant: this process, and the job it runs for the restore once it has one. */
export interface Claimant {
  readonly pid: number;
  readonly pidStart: number | null;
  /** The job row of the continuation: a detached run's, created before its process starts. */
  readonly job: JobId | null;
}

/** This process as a claimant, before it has a job. */
export function claimantProcess(): Omit<Claimant, 'job'> {
  const me = ownProcess();
  return { pid: me.pid, pidStart: me.startTime };
}

/** How many times a claim is retried when another restore changed it meanwhile. */
const CLAIM_ATTEMPTS = 5;

/**
 * Claims job `jobId` for `me` to continue, after making sure no earlier continuation of it can
 * commit any more.
 *
 * @throws IllegalJobStateError if another continuation of the job still runs (or is being started)
 */
export async function claimContinuation(store: MetadataStore, jobId: string, me: Claimant, opts: { readonly log: (line: string) => void }): Promise<void> {
  for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
    const seen = store.continuation(jobId);
    const mine = isMine(seen, me);
    if (!mine) await makeSureItCannotCommit(store, jobId, seen, opts);
    const next: Continuation = { job: me.job ?? (mine ? seen.job : null), pid: me.pid, pidStart: me.pidStart };
    if (store.claimContinuation(jobId, seen, next)) return;
  }
  throw new IllegalJobStateError(`Job ${jobId} is being restored by another process at this moment: only one may continue it. Try again once that restore runs (and stop its job first).`);
}

/**
 * Records that this process's claim on job `jobId` now runs as job `job` (its row exists or is
 * about to): from then on the claim lives as long as that job can commit.
 */
export function claimForJob(store: MetadataStore, jobId: string, job: JobId): void {
  const me: Claimant = { ...claimantProcess(), job: null };
  const seen = store.continuation(jobId);
  if (!isMine(seen, me)) return;
  store.claimContinuation(jobId, seen, { job, pid: me.pid, pidStart: me.pidStart });
}

function isMine(c: Continuation, me: Claimant): boolean {
  if (c.job !== null && c.job === me.job) return true;
  return c.pid === me.pid && c.pidStart === me.pidStart;
}

async function makeSureItCannotCommit(store: MetadataStore, jobId: string, c: Continuation, opts: { readonly log: (line: string) => void }): Promise<void> {
  const job = c.job === null ? undefined : store.getJob(c.job);
  if (job !== undefined) {
    try {
      await takeOverJob(store, job, opts);
    } catch (err) {
      if (!(err instanceof IllegalJobStateError)) throw err;
      throw new IllegalJobStateError(`Job ${jobId} is already being continued by job ${job.jobId}, from its snapshot: two jobs continuing it would both write its output. ${err.message}`);
    }
    return;
  }
  // A restore whose job is not running yet (its job file is still loading): its process decides.
  if (c.pid !== null && processState({ pid: c.pid, startTime: c.pidStart }) !== 'gone') {
    throw new IllegalJobStateError(
      `Job ${jobId} is being restored by process ${c.pid} at this moment: two jobs continuing it would both write its output. Let that restore start (then stop its job to restore again), or stop process ${c.pid}.`,
    );
  }
}
