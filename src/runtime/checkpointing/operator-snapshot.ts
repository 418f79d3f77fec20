import { NO_LISTS, type PendingKeyedSnapshot, type PendingOperatorLists, type StateFileParts } from '../../state/index.js';

/**
 * What one operator subtask captured at a checkpoint's synchronous cut. Operator lists and keyed
 * state (timers included) are pending snapshots, each state frozen at the cut and encoded
 * afterwards.
 */
export interface OperatorSnapshot {
  readonly uid: string;
  readonly name: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** Operator lists, encoded after the cut into the snapshot format's lists section. */
  readonly lists: PendingOperatorLists;
  readonly keyed: PendingKeyedSnapshot | undefined;
  /** No state at all (a stateless operator): nothing is written or recorded for it. */
  readonly empty: boolean;
}

/** The operator's own state file: lists and, unless it went to `shared/`, its keyed state. */
export function stateFileParts(s: OperatorSnapshot): StateFileParts {
  const inline = s.keyed?.form.kind === 'self-contained';
  return {
    uid: s.uid,
    subtask: s.subtask,
    kinds: s.keyed?.kinds ?? {},
    keyGroups: inline ? s.keyed!.keyGroups() : [],
    delta: false,
    lists: s.lists.chunks(),
    ...(inline ? { keyKinds: s.keyed!.keyKinds, userKeyKinds: s.keyed!.userKeyKinds } : {}),
  };
}

/** The `shared/` file of an incremental keyed snapshot (a base or a delta): keyed state only. */
export function sharedStateFileParts(s: OperatorSnapshot, keyed: PendingKeyedSnapshot): StateFileParts {
  return { uid: s.uid, subtask: s.subtask, kinds: keyed.kinds, keyGroups: keyed.keyGroups(), delta: keyed.isDelta, lists: NO_LISTS, keyKinds: keyed.keyKinds, userKeyKinds: keyed.userKeyKinds };
}
