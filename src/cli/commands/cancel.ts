import { reconcileLiveness } from '../../cluster/liveness.js';
import { isTerminal } from '../../metadata/index.js';
import { IllegalJobStateError } from '../../util/errors.js';
import { say } from '../output.js';
import { waitForCommand } from '../wait-for-command.js';
import { withStore } from './open-store.js';

/** How long `flink cancel` waits for the job to confirm. */
const CANCEL_TIMEOUT_MS = 60_000;

/** `flink cancel <jobId>`: asks the job's process to cancel it and waits until it has. */
export async function cancelCommand(jobIdOrPrefix: string): Promise<number> {
  return withStore(async (store) => {
    const jobId = store.resolveJobId(jobIdOrPrefix);
    const [job] = reconcileLiveness(store, [store.getJob(jobId)!]);
    if (isTerminal(job!.status)) {
      const cause = job!.failureCause ? ` (${job!.failureCause})` : '';
      throw new IllegalJobStateError(`Job ${jobId} is ${job!.status}${cause}; only a running job can be cancelled.`);
    }
    say(`Cancelling job ${jobId}.`);
    const commandId = store.submitCommand(jobId, 'cancel');
    await waitForCommand(store, jobId, commandId, { what: 'cancel', timeoutMs: CANCEL_TIMEOUT_MS, endsWith: 'CANCELED' });
    say(`Cancelled job ${jobId}.`);
    return 0;
  });
}
