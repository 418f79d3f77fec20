import type { BootstrappedSubtaskState } from '../../graph/index.js';
import { type KeyGroupRange, type PendingKeyedSnapshot, type StateFileParts, encodeStateFile } from '../../state/index.js';
import type { TaskInfo } from '../runtime-context.js';

/**
 * What a bootstrap subtask hands the savepoint writer at the end of its input: its state file
 * (a full one, as a savepoint's) of operator `uid`, with what `_metadata` records of it.
 *
 * @param keyGroupRange the subtask's key groups for keyed state; null for operator state
 */
export function bootstrappedState(
  info: TaskInfo,
  uid: string,
  name: string,
  parts: Pick<StateFileParts, 'kinds' | 'keyGroups' | 'lists' | 'keyKinds' | 'userKeyKinds'>,
  keyGroupRange: readonly [number, number] | null,
): BootstrappedSubtaskState {
  const chunks = encodeStateFile({ uid, subtask: info.subtaskIndex, delta: false, ...parts });
  return {
    uid,
    name,
    subtask: info.subtaskIndex,
    parallelism: info.parallelism,
    maxParallelism: info.maxParallelism,
    keyGroupRange,
    stateNames: Object.keys(parts.kinds),
    bytes: Buffer.concat(chunks),
  };
}

/**
 * {@link bootstrappedState} of a keyed bootstrap: the full cut `keyed` taken after its last
 * record (nothing changes it any more, so it is encoded at once and released), and the
 * operator lists encoded at that cut.
 */
export function keyedBootstrappedState(info: TaskInfo, uid: string, name: string, keyed: PendingKeyedSnapshot, lists: Uint8Array, range: KeyGroupRange): BootstrappedSubtaskState {
  try {
    keyed.encodeUntil(Infinity, () => 0);
    return bootstrappedState(info, uid, name, { kinds: keyed.kinds, keyGroups: keyed.keyGroups(), lists, keyKinds: keyed.keyKinds, userKeyKinds: keyed.userKeyKinds }, [range.start, range.end]);
  } finally {
    keyed.release();
  }
}
