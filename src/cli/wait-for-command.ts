import { setTimeout as sleep } from 'node:timers/promises';
import ora, { type Ora } from 'ora';
import { declareIfLost } from '../cluster/liveness.js';
import { type JobStatus, type MetadataStore, isTerminal } from '../metadata/index.js';
import { FlinkError } from '../util/errors.js';
import type { JobId } from '../util/ids.js';

const POLL_MS = 50;

/**
 * The spinner shown on `stream` while a command waits: silent unless `stream` is a terminal that
 * reports a width. ora divides by the width to count the lines it must clear, so on a terminal of
 * 0 columns (a pseudo-terminal whose size was never set, as `script` makes when it is not run
 * from a terminal) it would clear lines forever and the command would never end.
 */
export function waitSpinner(text: string, stream: NodeJS.WriteStream = process.stderr): Ora {
  const drawable = stream.isTTY === true && (stream.columns ?? 80) > 0;
  return ora({ text, stream, isSilent: !drawable });
}

/**
 * Waits until the job answers command `commandId`, showing a spinner on a terminal. Fails
 * clearly if the job's process dies meanwhile or the wait times out.
 */
export async function waitForCommand(
  store: MetadataStore,
  jobId: JobId,
  commandId: number,
  opts: {
    readonly what: string;
    readonly timeoutMs: number;
    /**
     * The job reaching this final status also answers the command: a second `cancel` of a job
     * that another one is cancelling may never be read by the job before it ends.
     */
    readonly endsWith?: JobStatus;
  },
): Promise<unknown> {
  const spinner = waitSpinner(`Waiting for the job to ${opts.what}…`);
  spinner.start();
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (let i = 0; ; i++) {
      const cmd = store.getCommand(commandId);
      if (cmd?.status === 'DONE') return cmd.result;
      if (cmd?.status === 'FAILED') throw new FlinkError('command.failed', `Job ${jobId} could not ${opts.what}: ${cmd.error ?? 'unknown error'}`);
      if (i % 10 === 0) {
        const job = store.getJob(jobId);
        if (opts.endsWith !== undefined && job?.status === opts.endsWith && store.getCommand(commandId)?.status !== 'FAILED') return undefined;
        // Declared lost only if its process is gone or silent past its heartbeat timeout.
        const after = job && !isTerminal(job.status) ? declareIfLost(store, job) : undefined;
        if (after && after !== job && after.status === 'FAILED') {
          throw new FlinkError('job.lost', `Job ${jobId} could not ${opts.what}: ${after.failureCause ?? 'job process lost'}.`);
        }
      }
      if (Date.now() > deadline) {
        throw new FlinkError(
          'command.timeout',
          `Job ${jobId} did not ${opts.what} within ${Math.round(opts.timeoutMs / 1000)} s. Check its state with 'flink list'.`,
        );
      }
      await sleep(POLL_MS);
    }
  } finally {
    spinner.stop();
  }
}
