import { resolve } from 'node:path';
import type { Sink, SinkWriter, SinkWriterContext } from '../graph/index.js';
import type { BucketAssignerContext, BucketAssignerObject } from './file-sink-bucket-assigners.js';
import { FileSinkWriter } from './file-sink-writer.js';
import type { DurationLike } from '../util/time.js';
import { OnCheckpointRollingPolicy, type RollingPolicy } from './file-sink-rolling-policy.js';
import { positiveMillis } from './positive-setting.js';
import { OutputFileConfig, type OutputFileConfigOptions, outputFileConfigOf } from './file-sink-output-file-config.js';
import { type Encoder, type EncoderObject, encoderOf } from './file-sink-encoders.js';

/**
 * Picks the bucket (a sub-directory of the sink's directory) of a record; '' = the directory
 * itself. A function, or an object with Flink's `getBucketId(element, context)` such as
 * `new DateTimeBucketAssigner()`.
 */
export type BucketAssigner<T> = ((element: T, context: BucketAssignerContext) => string) | BucketAssignerObject<T>;

/** Flink's default bucket check interval: how often parts are asked whether they roll on processing time. */
const DEFAULT_BUCKET_CHECK_INTERVAL = 60_000;

/** How a FileSink writes, as its builder configured it. */
export interface FileSinkSettings<T> {
  readonly encoder: Encoder<T>;
  readonly fileConfig: OutputFileConfig;
  readonly bucketAssigner: ((element: T, context: BucketAssignerContext) => string) | undefined;
  readonly rollingPolicy: RollingPolicy<T>;
  readonly bucketCheckInterval: number;
}

/**
 * Writes records as lines into part files under a directory, exactly once. Files being written
 * or waiting for a checkpoint are hidden (their names start with `.`) and become visible,
 * renamed to their final name, only when the checkpoint covering them completes, or at end of
 * input. So every visible file under the directory is committed output. One job per directory.
 *
 * @example
 * stream.sinkTo(FileSink.forRowFormat<string>('out/counts').build()).uid('sink');
 */
export class FileSink<T> implements Sink<T> {
  private constructor(
    readonly directory: string,
    private readonly settings: FileSinkSettings<T>,
  ) {}

  /**
   * Starts a row-format file sink writing to `directory`; `encoder` (a function, or an object
   * with `encode` such as Flink's `new SimpleStringEncoder()`) defaults to the text of the record.
   */
  static forRowFormat<T>(directory: string, encoder?: Encoder<T> | EncoderObject<T>): FileSinkBuilder<T> {
    return new FileSinkBuilder<T>(directory, encoderOf(encoder));
  }

  /** @internal used by the builder */
  static create<T>(dir: string, settings: FileSinkSettings<T>): FileSink<T> {
    return new FileSink(resolve(dir), settings);
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    return new FileSinkWriter(this.directory, this.settings, context);
  }
}

/** Configures a {@link FileSink}. */
export class FileSinkBuilder<T> {
  private fileConfig = OutputFileConfig.builder().build();
  private bucketAssigner: ((element: T, context: BucketAssignerContext) => string) | undefined;
  private rollingPolicy: RollingPolicy<T> = OnCheckpointRollingPolicy.build<T>();
  private bucketCheckInterval = DEFAULT_BUCKET_CHECK_INTERVAL;

  constructor(
    private readonly directory: string,
    private readonly encoder: Encoder<T>,
  ) {}

  /**
   * Sets the prefix and suffix of part file names: `OutputFileConfig.builder().withPartPrefix(p)
   * .withPartSuffix(s).build()`, as in Flink, or `{ partPrefix, partSuffix }`.
   */
  withOutputFileConfig(config: OutputFileConfig | OutputFileConfigOptions): this {
    this.fileConfig = outputFileConfigOf(config, 'withOutputFileConfig');
    return this;
  }

  /** Writes each record into the sub-directory the assigner names. */
  withBucketAssigner(assigner: BucketAssigner<T>): this {
    if (typeof assigner === 'function') {
      this.bucketAssigner = assigner;
    } else if (typeof (assigner as Partial<BucketAssignerObject<T>> | null)?.getBucketId === 'function') {
      this.bucketAssigner = (element, context) => assigner.getBucketId(element, context);
    } else {
      throw new TypeError('withBucketAssigner takes a function (record, context) => bucket or a BucketAssigner such as new DateTimeBucketAssigner().');
    }
    return this;
  }

  /**
   * When parts roll: `OnCheckpointRollingPolicy.build()` (the default here; at every checkpoint)
   * or `DefaultRollingPolicy.builder()…build()` (by size, age and inactivity; a part then stays
   * open across checkpoints until it rolls).
   */
  withRollingPolicy(policy: RollingPolicy<T>): this {
    const p = policy as Partial<RollingPolicy<T>> | null;
    if (typeof p?.shouldRollOnCheckpoint !== 'function' || typeof p.shouldRollOnEvent !== 'function' || typeof p.shouldRollOnProcessingTime !== 'function') {
      throw new TypeError('withRollingPolicy takes a RollingPolicy, e.g. DefaultRollingPolicy.builder().build() or OnCheckpointRollingPolicy.build().');
    }
    this.rollingPolicy = policy;
    return this;
  }

  /** How often open parts are asked whether they roll on processing time: a Duration, Time or ms (default 60 000, as Flink's). */
  withBucketCheckInterval(interval: number | DurationLike): this {
    this.bucketCheckInterval = positiveMillis('withBucketCheckInterval', interval);
    return this;
  }

  build(): FileSink<T> {
    const { encoder, fileConfig, bucketAssigner, rollingPolicy, bucketCheckInterval } = this;
    return FileSink.create(this.directory, { encoder, fileConfig, bucketAssigner, rollingPolicy, bucketCheckInterval });
  }
}

