import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Sink, SinkWriter, SinkWriterContext } from '../graph/index.js';
import { formatRecord } from '../util/format-record.js';

/** Turns a record into one line of text (the sink adds the newline). */
export type Encoder<T> = (element: T) => string;

/** Names of part files: `<partPrefix>-<run>-<subtask>-<counter><partSuffix>`. */
export interface OutputFileConfig {
  readonly partPrefix?: string;
  readonly partSuffix?: string;
}

/** Picks the bucket (a sub-directory of the sink's directory) of a record; '' = the directory itself. */
export type BucketAssigner<T> = (element: T) => string;

const FLUSH_BYTES = 1 << 16;

/**
 * Writes records as lines into part files under a directory. Files being written are hidden
 * (their names start with `.`) and become visible, renamed to their final name, only when
 * complete — at end of input, and (with checkpointing) when the checkpoint covering them
 * completes. So every visible file under the directory is committed output.
 *
 * @example
 * stream.sinkTo(FileSink.forRowFormat<string>('out/counts').build()).uid('sink');
 */
export class FileSink<T> implements Sink<T> {
  private constructor(
    readonly directory: string,
    private readonly encoder: Encoder<T>,
    private readonly fileConfig: Required<OutputFileConfig>,
    private readonly bucketAssigner: BucketAssigner<T> | undefined,
  ) {}

  /** Starts a row-format file sink writing to `directory`; `encoder` defaults to text of the record. */
  static forRowFormat<T>(directory: string, encoder?: Encoder<T>): FileSinkBuilder<T> {
    return new FileSinkBuilder<T>(directory, encoder ?? formatRecord);
  }

  /** @internal used by the builder */
  static create<T>(dir: string, enc: Encoder<T>, cfg: Required<OutputFileConfig>, buckets: BucketAssigner<T> | undefined): FileSink<T> {
    return new FileSink(resolve(dir), enc, cfg, buckets);
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    return new FileSinkWriter(this.directory, this.encoder, this.fileConfig, this.bucketAssigner, context);
  }
}

/** Configures a {@link FileSink}. */
export class FileSinkBuilder<T> {
  private fileConfig: Required<OutputFileConfig> = { partPrefix: 'part', partSuffix: '' };
  private bucketAssigner: BucketAssigner<T> | undefined;

  constructor(
    private readonly directory: string,
    private readonly encoder: Encoder<T>,
  ) {}

  /** Sets the prefix and suffix of part file names. */
  withOutputFileConfig(config: OutputFileConfig): this {
    this.fileConfig = { partPrefix: config.partPrefix ?? 'part', partSuffix: config.partSuffix ?? '' };
    return this;
  }

  /** Writes each record into the sub-directory the assigner names. */
  withBucketAssigner(assigner: BucketAssigner<T>): this {
    this.bucketAssigner = assigner;
    return this;
  }

  build(): FileSink<T> {
    return FileSink.create(this.directory, this.encoder, this.fileConfig, this.bucketAssigner);
  }
}

/** One open, hidden part file. */
class InProgressPart {
  private fd: number;
  private pending = '';

  constructor(
    readonly hiddenPath: string,
    readonly finalPath: string,
  ) {
    this.fd = openSync(hiddenPath, 'wx', 0o644);
  }

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, this.pending);
    this.pending = '';
  }

  /** Makes the file durable and visible. */
  commit(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(this.hiddenPath, this.finalPath);
  }

  abandon(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

class FileSinkWriter<T> implements SinkWriter<T> {
  private readonly parts = new Map<string, InProgressPart>();
  private readonly runId = randomBytes(4).toString('hex');
  private counter = 0;

  constructor(
    private readonly directory: string,
    private readonly encoder: Encoder<T>,
    private readonly fileConfig: Required<OutputFileConfig>,
    private readonly bucketAssigner: BucketAssigner<T> | undefined,
    private readonly context: SinkWriterContext,
  ) {
    mkdirSync(directory, { recursive: true });
  }

  write(value: T): void {
    const bucket = this.bucketAssigner ? this.bucketAssigner(value) : '';
    let part = this.parts.get(bucket);
    if (!part) {
      part = this.openPart(bucket);
      this.parts.set(bucket, part);
    }
    part.write(`${this.encoder(value)}\n`);
  }

  endOfInput(): void {
    for (const part of this.parts.values()) part.commit();
    this.parts.clear();
  }

  close(): void {
    // Parts still open here were never committed (cancel or failure): they stay hidden.
    for (const part of this.parts.values()) part.abandon();
    this.parts.clear();
  }

  private openPart(bucket: string): InProgressPart {
    const dir = bucket ? join(this.directory, bucket) : this.directory;
    if (bucket) mkdirSync(dir, { recursive: true });
    const { partPrefix, partSuffix } = this.fileConfig;
    const name = `${partPrefix}-${this.runId}-${this.context.subtaskIndex}-${this.counter++}${partSuffix}`;
    return new InProgressPart(join(dir, `.${name}.inprogress`), join(dir, name));
  }
}
