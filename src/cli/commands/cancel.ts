import { processState } from '../../cluster/job-process.js';
import { stopLostProcess } from '../../cluster/job-takeover.js';
import { declareIfLost, jobProcess, stoppedToDeclareLost, wasDeclaredLost } from '../../cluster/liveness.js';
import { type JobRecord, type MetadataStore, isTerminal } from '../../metadata/index.js';
import { FlinkError, IllegalJobStateError } from '../../util/errors.js';
import { say, warn } from '../output.js';
import { waitForCommand } from '../wait-for-command.js';
import { withStore } from './open-store.js';

/** How long `flink cancel` waits for the job to confirm. */
const CANCEL_TIMEOUT_MS = 60_000;

/**
 * `flink cancel <jobId>`: asks the job's process to cancel it and waits until it has. A job
 * declared lost whose process is still alive (frozen, hung) cannot answer: its process is
 * stopped instead — also when it is declared lost while the cancel waits.
 */
export async function cancelCommand(jobIdOrPrefix: string): Promise<number> {
  return withStore(async (store) => {
    const jobId = store.resolveJobId(jobIdOrPrefix);
    const job = declareIfLost(store, store.getJob(jobId)!);
    if (isTerminal(job.status)) return stopLost(job, () => refuse(job));
    say(`Cancelling job ${jobId}.`);
    const commandId = store.submitCommand(jobId, 'cancel');
    try {
      await waitForCommand(store, jobId, commandId, { what: 'cancel', timeoutMs: CANCEL_TIMEOUT_MS, endsWith: 'CANCELED' });
    } catch (err) {
      if (!(err instanceof FlinkError && err.code === 'job.lost')) throw err;
      return stopLost(latest(store, job), () => {
        throw err;
      });
    }
    say(`Cancelled job ${jobId}.`);
    return 0;
  });
}

/** Stops the still-alive process of a job declared lost; `otherwise` if there is none. */
async function stopLost(job: JobRecord, otherwise: () => never): Promise<number> {
  const proc = jobProcess(job);
  const state = proc ? processState(proc) : 'gone';
  const stoppedToDeclare = stoppedToDeclareLost(job.jobId) !== undefined;
  if (!wasDeclaredLost(job) || (state === 'gone' && !stoppedToDeclare)) otherwise();
  if (stoppedToDeclare) warn(`Job ${job.jobId}'s process ${job.pid} was frozen while writing to flink.db, which kept every other process from writing; it was stopped with SIGKILL to declare the job lost.`);
  else await stopLostProcess(job, state, { log: warn });
  say(`Stopped process ${job.pid} of job ${job.jobId}; the job stays FAILED (${job.failureCause}). 'flink run -s ${job.jobId} <job.ts>' restores it.`);
  return 0;
}

function refuse(job: JobRecord): never {
  const cause = job.failureCause ? ` (${job.failureCause})` : '';
  throw new IllegalJobStateError(`Job ${job.jobId} is ${job.status}${cause}; only a running job can be cancelled.`);
}

function latest(store: MetadataStore, job: JobRecord): JobRecord {
  return store.getJob(job.jobId) ?? job;
}
