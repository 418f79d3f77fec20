/**
 * flink-ts: Apache Flink's DataStream API and its guarantees, for TypeScript.
 *
 * @packageDocumentation
 */
import { setDefaultExecutor } from './api/pipeline-executor.js';
import { LocalExecutor } from './cluster/local-executor.js';

// A job run as a plain program (`npx tsx job.ts`) runs locally; `flink run` installs its own.
setDefaultExecutor(new LocalExecutor());

export * from './api/index.js';
export {
  type AggregateFunction,
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
  type AggregatingState,
  type ListState,
  type MapState,
  type ReducingState,
  type State,
  type ValueState,
  type OperatorStateStore,
  StateTtlConfig,
  StateTtlConfigBuilder,
  StateVisibility,
  UpdateType,
  AvroSerializer,
  type AvroSchema,
  MessagePackSerializer,
  registerSerializer,
  type SchemaCompatibility,
  type SerializerSnapshot,
  type TypeSerializer,
} from './state/index.js';
export {
  AbstractRichFunction,
  KeyedProcessFunction,
  ProcessFunction,
  RichFilterFunction,
  RichFlatMapFunction,
  RichMapFunction,
  RichReduceFunction,
  RichSinkFunction,
  type CheckpointedFunction,
  type CheckpointListener,
  type Collector,
  type FilterFunction,
  type FlatMapFunction,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type KeyedProcessContext,
  type KeySelector,
  type MapFunction,
  type OnTimerContext,
  type OpenContext,
  type ProcessContext,
  type ReduceFunction,
  type RuntimeContext,
  type SinkFunction,
  type TimeDomain,
  type TimerService,
  type Boundedness,
  type InputStatus,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type Sink,
  type SinkWriter,
  type SinkWriterContext,
} from './graph/index.js';
export {
  DataGeneratorSource,
  type DataGeneratorOptions,
  FileSink,
  FileSinkBuilder,
  type BucketAssigner,
  type Encoder,
  type OutputFileConfig,
  WatermarkStrategy,
  SqliteSink,
  type SqliteSinkOptions,
  type SqlValue,
  FileSource,
  FileSourceBuilder,
  JdbcSink,
  type JdbcSinkOptions,
  type JdbcExactlyOnceSinkOptions,
  type JdbcValue,
} from './connectors/index.js';
export { FlinkError, UserCodeError, JobCancelledError } from './util/errors.js';
