export * from './descriptors.js';
export * from './state.js';
export * from './key-groups.js';
export { HeapKeyedStateBackend, type KeyContext } from './heap-keyed-state-backend.js';
export { StateTable } from './state-table.js';
export * from './operator-state-store.js';
