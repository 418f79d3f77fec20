export { CollectionSource, type CollectionSplit } from './collection-source.js';
export { NumberSequenceSource } from './number-sequence-source.js';
export { DataGeneratorSource, type DataGeneratorOptions, RateLimiterStrategy } from './data-generator-source.js';
export { TextFileSource, type TextFileSplit } from './text-file-source.js';
export { SocketTextSource, type SocketSplit } from './socket-text-source.js';
export type { IndexSplit } from './index-range-reader.js';
export { FileSink, FileSinkBuilder, type BucketAssigner } from './file-sink.js';
export { SimpleStringEncoder, type Encoder, type EncoderObject } from './file-sink-encoders.js';
export { OutputFileConfig, OutputFileConfigBuilder, type OutputFileConfigOptions } from './file-sink-output-file-config.js';
export { BasePathBucketAssigner, DateTimeBucketAssigner, type BucketAssignerContext, type BucketAssignerObject } from './file-sink-bucket-assigners.js';
export {
  type RollingPolicy,
  type PartFileInfo,
  CheckpointRollingPolicy,
  OnCheckpointRollingPolicy,
  DefaultRollingPolicy,
  DefaultRollingPolicyBuilder,
} from './file-sink-rolling-policy.js';
export { WatermarkStrategy } from './watermark-strategy.js';
export { SqliteSink, type SqliteSinkOptions, type SqlValue } from './sqlite-sink.js';
export { FileSource, FileSourceBuilder, type DirectorySplit, type FileEnumeratorState, type FileSourceSplit, type FileSplit } from './file-source.js';
export { TextLineInputFormat } from './text-line-input-format.js';
export { JdbcSink, type JdbcSinkOptions, type JdbcExactlyOnceSinkOptions } from './jdbc-sink.js';
export type { JdbcValue } from './jdbc-sink-encoding.js';
export * from './nexmark/index.js';
