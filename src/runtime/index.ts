export { JobExecution, type JobExecutionOptions } from './job-execution.js';
export { DEFAULT_CHANNEL_SETTINGS, type ChannelSettings } from './execution-graph.js';

export * from './channel-events.js';
export { encodeEvent, decodeEvent } from './batch-codec.js';
export { LocalChannel } from './local-channel.js';
export type { CheckpointOptions } from './channel-events.js';
export {
  type CheckpointStorageWorker,
  type OperatorRestoreState,
  type OperatorStateHandle,
  type OperatorLists,
  type StoredTimer,
  type StateFileContent,
  type KeyGroupBlock,
  decodeStateFile,
} from './checkpointing/operator-snapshot.js';
export { type CheckpointResponder, type TaskAcknowledgement, stateFileName } from './checkpointing/snapshot-driver.js';
export type { RestoreAssignment, StateBackendSettings } from './execution-graph.js';
export { SOURCE_SPLITS_STATE } from './tasks/source-stream-task.js';
export type { TaskMetricsReading } from './metrics/io-metrics.js';
