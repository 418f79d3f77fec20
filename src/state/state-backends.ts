import type { Clock } from '../util/clock.js';
import { STATE_BACKEND_NAMES, type StateBackendName } from '../util/state-backend-names.js';
import { HeapTableStore } from './heap-table-store.js';
import type { KeyGroupRange } from './key-groups.js';
import { KeyedStateBackend } from './keyed-state-backend.js';
import { LmdbStateStore } from './lmdb/lmdb-state-store.js';
import type { StateTableStore } from './state-table.js';

export { STATE_BACKEND_NAMES, type StateBackendName };

/** How a job's keyed state backends are built (`state.backend.*`, `execution.checkpointing.incremental`). */
export interface StateBackendSettings {
  readonly type: StateBackendName;
  /** Checkpoints write only what changed since the previous one. */
  readonly incremental: boolean;
  /** Parent directory of the lmdb backend's working files. */
  readonly localDirectory: string;
  /** lmdb: entries held in memory before they go to disk (default 50,000). */
  readonly lmdbCacheEntries?: number;
}

/** True if `name` names a state backend. */
export function isStateBackendName(name: unknown): name is StateBackendName {
  return (STATE_BACKEND_NAMES as readonly unknown[]).includes(name);
}

/** The keyed state backend of one subtask: `keyGroupRange` of `maxParallelism` key groups, in the store `settings` name. */
export function createKeyedStateBackend(settings: StateBackendSettings, maxParallelism: number, keyGroupRange: KeyGroupRange, clock: Clock): KeyedStateBackend {
  return new KeyedStateBackend(maxParallelism, keyGroupRange, { clock, incremental: settings.incremental, store: createStore(settings, maxParallelism, keyGroupRange) });
}

function createStore(settings: StateBackendSettings, maxParallelism: number, range: KeyGroupRange): StateTableStore {
  switch (settings.type) {
    case 'hashmap':
      return new HeapTableStore(range, maxParallelism);
    case 'lmdb':
      return new LmdbStateStore(settings.localDirectory, range, settings.lmdbCacheEntries);
  }
}
