export { JobExecution, type JobExecutionOptions } from './job-execution.js';
export { DEFAULT_CHANNEL_SETTINGS, type ChannelSettings } from './execution-graph.js';

export * from './channel-events.js';
export { encodeEvent, decodeEvent } from './batch-codec.js';
export { LocalChannel } from './local-channel.js';
export { SOURCE_SPLITS_STATE } from './tasks/source-stream-task.js';
// The snapshot format and checkpoint protocol live in state/; re-exported for the cluster.
export type {
  CheckpointOptions,
  CheckpointResponder,
  CheckpointStorageWorker,
  RestoreAssignment,
  StateBackendSettings,
  TaskAcknowledgement,
} from '../state/index.js';
export type { TaskMetricsReading } from './metrics/io-metrics.js';
