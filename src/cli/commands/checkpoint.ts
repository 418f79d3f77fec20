import { say } from '../output.js';
import { waitForCommand } from '../wait-for-command.js';
import { withStore } from './open-store.js';
import { requireRunningJob } from './running-job.js';

/** How long `flink checkpoint` waits (the default checkpoint timeout). */
const CHECKPOINT_WAIT_MS = 10 * 60_000;

/** `flink checkpoint <jobId> [--full]`: the job takes a checkpoint now; prints its id and path. */
export async function checkpointCommand(jobIdOrPrefix: string, full: boolean): Promise<number> {
  return withStore(async (store) => {
    const job = requireRunningJob(store, jobIdOrPrefix, 'checkpointed');
    const commandId = store.submitCommand(job.jobId, 'checkpoint', { full });
    const result = (await waitForCommand(store, job.jobId, commandId, { what: 'complete a checkpoint', timeoutMs: CHECKPOINT_WAIT_MS })) as {
      checkpointId: number;
      path: string;
    };
    say(`Checkpoint ${result.checkpointId} for job ${job.jobId} completed. Path: ${result.path}`);
    return 0;
  });
}
