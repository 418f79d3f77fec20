import { SnapshotRestoreError } from '../checkpoint/index.js';
import { type FlinkError, JobFileError, SinkTargetError, StateMigrationError } from '../util/errors.js';

/** How deep a `cause` chain is followed (guards against cycles). */
const MAX_CAUSE_DEPTH = 16;

/**
 * The error behind `failure` that no restart can fix, or undefined if a restart may help.
 * Restored state that does not fit the job (StateMigrationError) or a snapshot that cannot be
 * restored (SnapshotRestoreError) fail every attempt the same way, so the job must fail at once
 * rather than burn through its restart strategy; so does a job file that a worker thread cannot
 * load or that builds a different graph there (JobFileError), and a sink's target that does not
 * fit it (SinkTargetError: e.g. a missing table). Such errors usually arrive wrapped (e.g. in the
 * UserCodeError of the operator whose open() registered the state), so the `cause` chain is
 * searched.
 */
export function unrecoverableCause(failure: unknown): FlinkError | undefined {
  let err: unknown = failure;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && err instanceof Error; depth++) {
    if (err instanceof StateMigrationError || err instanceof SnapshotRestoreError || err instanceof JobFileError || err instanceof SinkTargetError) return err;
    err = err.cause;
  }
  return undefined;
}
