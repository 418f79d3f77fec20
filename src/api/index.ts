export { StreamExecutionEnvironment, type StateBackendName, type StateBackendOptions } from './stream-execution-environment.js';
export { DataStream, SingleOutputStreamOperator, DataStreamSink, KeyedStream } from './data-stream.js';
export { AsyncDataStream } from './async-data-stream.js';
export { ConnectedStreams } from './connected-streams.js';
export { BroadcastStream, BroadcastConnectedStream } from './broadcast-stream.js';
export { IntervalJoin, IntervalJoined } from './interval-join.js';
export { CoGroupedStreams, CoGroupWithWindow, type CoGroupWhere, JoinedStreams, JoinWithWindow, type JoinWhere, type TaggedUnion } from './co-grouped-streams.js';
export { WindowedStream, AllWindowedStream, type KeyedWindowFunction, type AllWindowFunctionLike } from './windowed-stream.js';
export { type NumericField, type ComparableField, type FieldOf, type Comparable } from './field-aggregations.js';
export {
  CheckpointConfig,
  CheckpointingMode,
  ExternalizedCheckpointRetention,
  type CheckpointSettings,
} from './checkpoint-config.js';
export { RestartStrategies, type RestartStrategyConfiguration } from './restart-strategies.js';
export { ExecutionConfig, type GlobalJobParameters, type GlobalJobParametersLike } from './execution-config.js';
export { ParameterTool } from './parameter-tool.js';
export { Duration, Time } from '../util/time.js';
export { MemorySize } from '../util/memory-size.js';
export {
  type JobClient,
  JobExecutionResult,
  type JobSettings,
  jobClient,
  type Pipeline,
  type PipelineExecutor,
  setContextExecutor,
  setDefaultExecutor,
} from './pipeline-executor.js';
export type { CloseableIterator } from './collect-result-iterator.js';
