export { JobExecution, type JobExecutionOptions } from './job-execution.js';
export type { JobRun } from './job-run.js';
export { TaskSlotPool, WorkerPoolExecution, type WorkerJobSpec, type WorkerPoolOptions, type WorkerBootstrap, type WorkerStorage, serveWorker, serializeError } from './workers/index.js';
export type { InputChannel, ResultSubpartition } from './channel.js';
export { DEFAULT_CHANNEL_SETTINGS, type ChannelSettings, type ChannelEnds, type Placement, subtaskCount } from './execution-graph.js';

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
