import { CheckpointFailureReason } from '../checkpoint/checkpoint-failure.js';
import {
  type JobSnapshot,
  type ObservedSnapshots,
  type ReconciliationFacts,
  type RecordedSnapshot,
  isEmptyPlan,
  jobSnapshots,
  planReconciliation,
  walkSnapshots,
} from '../checkpoint/checkpoint-reconciliation.js';
import { jobCheckpointsDir } from '../checkpoint/paths.js';
import { lookAtRecorded, scanCheckpointDirectory } from '../checkpoint/published-snapshots.js';
import { CheckpointingOptions } from '../config/options.js';
import { type CheckpointRecord, type JobRecord, type MetadataStore, isSavepointKind, isTerminal } from '../metadata/index.js';
import { processState } from './job-process.js';
import { decideTakeover } from './job-takeover.js';
import { jobProcess, wasDeclaredLost } from './liveness.js';

/**
 * Where flink.db is brought level with a job's checkpoint directory (see
 * checkpoint/checkpoint-reconciliation.ts for why and what): once the job has ended and no
 * process of it can publish or delete a checkpoint any more, the first command that reads the
 * job's checkpoints (`flink list`, `flink checkpoints`) or restores it (`flink run -s <jobId>`)
 * records what it finds, so every later reader sees the same latest checkpoint. Not while the
 * job runs: its own process records its checkpoints, and the disk is still changing.
 *
 * Loads no engine module unless a checkpoint flink.db lacks is on disk (its state files must
 * then be read before it may be named the latest).
 */

/**
 * True once a job's checkpoints can no longer change: it has ended, and no process of it can
 * publish or delete one — the process ended it itself (its checkpointing stopped first), or it
 * was declared lost and its process is gone.
 */
export function checkpointsSettled(job: JobRecord): boolean {
  if (!isTerminal(job.status)) return false;
  const proc = jobProcess(job);
  return decideTakeover({ status: job.status, declaredLost: wasDeclaredLost(job), process: proc ? processState(proc) : 'gone' }).action === 'proceed';
}

/** The job's checkpoint directory: under the checkpoint directory it ran with (as recorded), else under `defaultBase`. */
export function checkpointsDirOf(job: JobRecord, defaultBase: string): string {
  const configured = job.config[CheckpointingOptions.CHECKPOINTS_DIRECTORY.key];
  return jobCheckpointsDir(typeof configured === 'string' ? configured : defaultBase, job.jobId);
}

/** What flink.db holds of a job's snapshots, for a walk: its completed ones, and those still in progress. */
export interface RecordedHistory {
  readonly recorded: readonly RecordedSnapshot[];
  readonly inProgress: ReconciliationFacts['inProgress'];
}

/** The job's completed (not discarded) snapshots and its checkpoints still in progress, as flink.db has them. */
export function recordedHistory(store: MetadataStore, job: JobRecord): RecordedHistory {
  const rows = store.checkpointsToReconcile(job.jobId);
  const completed = rows.filter((c): c is CheckpointRecord & { path: string } => c.status === 'COMPLETED' && c.path !== null);
  return {
    recorded: completed.map((c) => ({
      checkpointId: c.checkpointId,
      path: c.path,
      savepoint: isSavepointKind(c.kind),
      restoreProblem: c.restoreProblem,
      completedAt: c.endTime,
    })),
    inProgress: rows.filter((c) => c.status === 'IN_PROGRESS').map((c) => ({ checkpointId: c.checkpointId, kind: c.kind })),
  };
}

/**
 * Writes what a walk over the job's snapshots found (see planReconciliation); nothing if flink.db
 * already agrees. Returns the job as it is afterwards.
 */
export function recordFindings(store: MetadataStore, job: JobRecord, history: RecordedHistory, observed: ObservedSnapshots): JobRecord {
  const last = job.lastCheckpointId !== null && job.lastCheckpointPath !== null ? { checkpointId: job.lastCheckpointId, path: job.lastCheckpointPath } : null;
  const plan = planReconciliation({ ...observed, inProgress: history.inProgress, lastCheckpoint: last });
  if (isEmptyPlan(plan)) return job;
  store.reconcileCheckpoints(job.jobId, {
    completed: plan.record.map(({ checkpoint: c, restoreProblem }) => ({
      checkpointId: c.checkpointId,
      kind: c.kind,
      triggerTime: c.triggerTime,
      endTime: c.completedAt,
      stateSize: c.stateSize,
      checkpointedSize: c.checkpointedSize,
      path: c.path,
      restoreProblem,
    })),
    discarded: plan.discard.map((s) => s.path),
    restoreProblems: plan.restoreProblems.map((p) => ({ path: p.snapshot.path, problem: p.problem })),
    failed: plan.failInProgress,
    failedReason: CheckpointFailureReason.JOB_ENDED,
    failedAt: job.endTime ?? Date.now(),
    ...(plan.lastCheckpoint !== undefined && {
      lastCheckpoint: plan.lastCheckpoint && { id: plan.lastCheckpoint.checkpointId, path: plan.lastCheckpoint.path, time: plan.lastCheckpoint.time },
    }),
  });
  return store.getJob(job.jobId) ?? job;
}

/**
 * Brings flink.db level with the checkpoint directory of `job` if its checkpoints are settled
 * (see {@link checkpointsSettled}); `defaultBase` is the checkpoint directory for a job that
 * recorded none. Returns the job as it is afterwards.
 */
export async function reconcileCheckpoints(store: MetadataStore, job: JobRecord, defaultBase: string): Promise<JobRecord> {
  if (!checkpointsSettled(job)) return job;
  const history = recordedHistory(store, job);
  const snapshots = jobSnapshots(history.recorded, scanCheckpointDirectory(checkpointsDirOf(job, defaultBase)));
  const observed = snapshots.some((s) => !s.recorded) ? await surveyWithStateFiles(job, snapshots) : lookAtRecordedOnly(snapshots);
  return recordFindings(store, job, history, observed);
}

function lookAtRecordedOnly(snapshots: readonly JobSnapshot[]): ObservedSnapshots {
  return { snapshots, found: new Map(), verdicts: walkSnapshots(snapshots, 'checkpoint', lookAtRecorded) };
}

/** A checkpoint flink.db lacks is on disk: its state files are read, which takes the engine's decoders. */
async function surveyWithStateFiles(job: JobRecord, snapshots: readonly JobSnapshot[]): Promise<ObservedSnapshots> {
  const { surveyLatestOfJob } = await import('../checkpoint/recovery.js');
  return surveyLatestOfJob(job.jobId, snapshots);
}
