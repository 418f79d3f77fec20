/** Why a checkpoint did not complete (after Flink's CheckpointFailureReason). */
export const CheckpointFailureReason = {
  EXPIRED: 'Checkpoint expired before completing.',
  EXPIRED_BEFORE_RUNNING: 'Checkpoint expired before completing, its trigger still waiting for the tasks to start.',
  TASK_DECLINED: 'A task declined the checkpoint',
  IO_EXCEPTION: 'An error occurred while writing the checkpoint',
  JOB_ENDED: 'The job ended before the checkpoint completed.',
  NOT_RUNNING: 'The job is not running yet or any more.',
  TOO_MANY_CONCURRENT: 'Too many checkpoints are in progress.',
  TOO_MANY_CHECKPOINT_REQUESTS: 'Too many checkpoint requests are waiting for room (1000): wait for some to complete.',
  SUBSUMED: 'A newer checkpoint completed first (subsumed).',
  COORDINATOR_SUSPENDED: 'Checkpoints are suspended while the job stops with a savepoint.',
  SHARED_STATE_DISCARDED: 'The checkpoint builds on shared state files that were already discarded',
} as const;

/** A checkpoint that failed, with a reason for `flink checkpoints` and the CLI. */
export class CheckpointFailedError extends Error {
  constructor(
    readonly checkpointId: number | undefined,
    readonly reason: string,
  ) {
    super(checkpointId === undefined ? reason : `Checkpoint ${checkpointId} failed: ${reason}`);
  }
}
