export * from './handles.js';
export * from './checkpoint-protocol.js';
export * from './key-group-block.js';
export {
  STATE_FILE_FORMAT,
  NO_LISTS,
  type OperatorLists,
  type StateFileContent,
  type StateFileParts,
  type StateFileSource,
  type StoredTimer,
  decodeStateFile,
  encodeLists,
  encodeStateFile,
  keyKindsOfFiles,
  recordedKeyKinds,
  recordedKeyKindsOfFiles,
  userKeyKindsOfFiles,
} from './state-file.js';
export * from './restore-state.js';
export * from './timers-state.js';
