import type { JobRun } from '../runtime/index.js';
import { FlinkError, messageOf } from '../util/errors.js';
import type { JobCheckpointing } from './job-checkpointing.js';

/**
 * Stop with savepoint, the job then FINISHED. Suspended (no --drain): sources stop emitting, a
 * savepoint is taken (its barriers follow the last records), nothing is processed after it; if
 * the savepoint fails, the sources resume and the job keeps running. Drained (Flink's order):
 * sources stop and end their input (the maximum watermark, due timers fire, every operator
 * finishes), then the savepoint, as the final checkpoint: it holds the drained state and its
 * completion commits the drained output. The input cannot come back after a drain: a
 * savepoint that fails then fails the job (restarted from its last checkpoint, as in Flink).
 */
export async function stopWithSavepoint(
  execution: JobRun,
  /** The run's end. */
  ended: Promise<void>,
  checkpointing: JobCheckpointing,
  dir: string | undefined,
  drain: boolean,
): Promise<{ checkpointId: number; path: string }> {
  // As Flink's stop does, no checkpoint is taken while the job stops: one taken after the
  // sources paused or drained would be restored, should the savepoint fail, in place of the
  // state the job ran with before the stop.
  checkpointing.suspendPeriodic();
  execution.pauseSources();
  // A stop that fails lets the job go on: its sources read again, its checkpoints run again.
  const goOn = (): void => {
    execution.pauseSources(false);
    checkpointing.resumePeriodic();
  };
  let result: { checkpointId: number; path: string };
  // Flink's names: a drained job terminates, an undrained one is suspended (to be resumed).
  if (drain) {
    try {
      result = await execution.drain(() => checkpointing.savepoint(dir, 'SAVEPOINT_TERMINATE'));
    } catch (err) {
      // Refused before it ended anything (the tasks still open), or the job fails and restarts
      // from its last checkpoint: either way checkpoints go on.
      goOn();
      throw err;
    }
  } else {
    try {
      result = await checkpointing.savepoint(dir, 'SAVEPOINT_SUSPEND');
    } catch (err) {
      goOn();
      throw err;
    }
    execution.suspend();
  }
  // The stop succeeded only if the run then ends well (its sinks' commits of the savepoint
  // included); otherwise the job FAILS, and a run from the savepoint commits what is left.
  await ended.catch((err: unknown) => {
    throw stopFailure(result.path, err);
  });
  return result;
}

/** The failure of a job whose stop-with-savepoint completed its savepoint but not its end. */
export function stopFailure(path: string, err: unknown): FlinkError {
  return new FlinkError(
    'job.stopFailed',
    `The savepoint ${path} completed, but the job failed while it stopped: ${messageOf(err)}. The job is not restarted; resume it from the savepoint (flink run -s ${path}), which commits what the savepoint recorded.`,
    { cause: err },
  );
}
