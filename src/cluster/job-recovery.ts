import { assignState } from '../checkpoint/index.js';
import type { JobGraph } from '../graph/index.js';
import type { RestoreAssignment } from '../runtime/index.js';
import { messageOf } from '../util/errors.js';
import type { JobId } from '../util/ids.js';
import type { JobCheckpointing } from './job-checkpointing.js';
import type { RestoreSettings } from './job-master.js';

/** What a restarted run starts from: its state, and the snapshot it came from (none: the job's start, without one). */
export interface Recovery {
  readonly state: RestoreAssignment | undefined;
  readonly from?: { readonly id: number; readonly path: string };
}

/** What choosing a restarted run's state needs to know about the job. */
export interface RecoveryContext {
  readonly jobId: JobId;
  readonly jobGraph: JobGraph;
  readonly checkpointing: JobCheckpointing;
  /** The snapshot the job started from (`flink run -s`), if any, and its state as mapped at the start. */
  readonly initial: RestoreSettings | undefined;
  readonly initialState: RestoreAssignment | undefined;
  readonly log: (line: string) => void;
}

/**
 * The state a restarted run starts from (Flink's CheckpointCoordinator#restoreLatestCheckpointedState):
 * the newest retained checkpoint (or savepoint, while none is newer) that can be loaded (older
 * ones if newer are damaged or gone), else the initial state if none completed yet. The
 * snapshot the job started from, claimed and so retained, is mapped as the start did (`-n`).
 *
 * @throws FlinkError if checkpoints completed but none of them can be restored
 */
export function recoveryAssignment(ctx: RecoveryContext): Recovery {
  const { initial, checkpointing, log } = ctx;
  const fromStart: Recovery = {
    state: ctx.initialState,
    ...(initial ? { from: { id: initial.snapshot.metadata.checkpointId, path: initial.snapshot.dir } } : {}),
  };
  let recovered;
  try {
    recovered = checkpointing.recover((snapshot) =>
      assignState(snapshot, ctx.jobGraph, { allowNonRestoredState: initial !== undefined && snapshot.dir === initial.snapshot.dir && initial.allowNonRestoredState }),
    );
  } catch (err) {
    // Only a savepoint could be restored (no checkpoint completed yet, none claimed) and it is
    // gone or damaged: fall back to what a restart without it starts from, as a deleted
    // savepoint falls back to the checkpoint before it.
    if (checkpointing.store.all().length > 0) throw err;
    log(`Skipping a snapshot that cannot be restored: ${messageOf(err)}`);
    log(
      `Recovering job ${ctx.jobId} from ${ctx.initialState ? 'the snapshot it started from' : 'its initial state'}, older than the newest savepoint: output that sinks committed after it may be written again.`,
    );
    return fromStart;
  }
  if (!recovered) return fromStart;
  for (const problem of recovered.skipped) log(`Skipping a snapshot that cannot be restored: ${problem}`);
  if (recovered.skipped.length > 0) {
    log(
      `Recovering job ${ctx.jobId} from checkpoint ${recovered.checkpointId} (${recovered.path}), older than the newest: output that sinks committed after it may be written again.`,
    );
  }
  return { state: recovered.state, from: { id: recovered.checkpointId, path: recovered.path } };
}
