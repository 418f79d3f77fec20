/** The SQLite metadata store (flink.db): the only code that writes SQL. */
export { MetadataStore, JOB_PROCESS_LOST, type OpenOptions } from './metadata-store.js';
export {
  type JobStatus,
  JOB_STATUSES,
  ACTIVE_STATUSES,
  TERMINAL_STATUSES,
  canTransition,
  decideStatusChange,
  isTerminal,
  isJobStatus,
} from './job-status.js';
export {
  isSavepointKind,
  type JobRecord,
  type JobConfigRecord,
  type NewJob,
  type JobPatch,
  type TransitionFields,
  type StatusChange,
  type JobOwner,
  type JobEventKind,
  type JobEventRecord,
  type NewJobEvent,
  type CheckpointKind,
  type CheckpointStatus,
  type CheckpointRecord,
  type NewCheckpoint,
  type CheckpointPatch,
  type CheckpointHistoryFix,
  type CommandKind,
  type CommandStatus,
  type CommandRecord,
  type Continuation,
} from './records.js';
export { MIGRATIONS, SCHEMA_VERSION, type Migration } from './schema.js';
export { GLOBAL_JOB_PARAMETERS_KEY, globalJobParametersOf, withGlobalJobParameters } from './global-job-parameters.js';
export {
  NO_WATERMARK,
  sampleOf,
  type JobPlan,
  type JobPlanNode,
  type JobPlanInput,
  type JobPlanOperator,
  type JobMetricsSnapshot,
  type JobScopeMetrics,
  type TaskMetrics,
  type OperatorMetrics,
  type UserHistogram,
  type MetricSample,
  type VertexSample,
} from './metric-records.js';
export { ENDED_JOB_SAMPLES, METRIC_HISTORY_MS, type CheckpointCounts } from './metrics-table.js';
export { ENDED_CHECKPOINTS_KEPT } from './checkpoint-table.js';
export { BUSY_TIMEOUT_MS } from './open.js';
