import { declareIfLost } from '../../cluster/liveness.js';
import type { JobRecord, MetadataStore } from '../../metadata/index.js';
import { IllegalJobStateError } from '../../util/errors.js';

/** The job a command acts on, which must be running (its process alive); else one clear error. */
export function requireRunningJob(store: MetadataStore, jobIdOrPrefix: string, action: string): JobRecord {
  const jobId = store.resolveJobId(jobIdOrPrefix);
  const job = declareIfLost(store, store.getJob(jobId)!);
  if (job.status !== 'RUNNING') {
    const cause = job.failureCause ? ` (${job.failureCause})` : '';
    throw new IllegalJobStateError(`Job ${jobId} is ${job.status}${cause}; only a running job can be ${action}.`);
  }
  return job;
}
