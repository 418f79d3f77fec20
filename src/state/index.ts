export * from './descriptors.js';
export * from './state.js';
export * from './key-groups.js';
export { HeapKeyedStateBackend, type KeyContext } from './heap-keyed-state-backend.js';
export { PendingKeyedSnapshot, type StateKinds } from './keyed-state-snapshot.js';
export { StateTable, type SnapshotGuard } from './state-table.js';
export * from './operator-state-store.js';
