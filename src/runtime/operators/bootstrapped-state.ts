import type { BootstrappedSubtaskState } from '../../graph/index.js';
import { type StateFileParts, encodeStateFile } from '../../state/index.js';
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
  parts: Pick<StateFileParts, 'kinds' | 'keyGroups' | 'lists'>,
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
