import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Sink, SinkWriter, SinkWriterContext } from '../graph/index.js';
import { formatRecord } from '../util/format-record.js';

/** Turns a record into one line of text (the sink adds the newline). */
export type Encoder<T> = (element: T) => string;

/**
 * Names of part files: `<partPrefix>-<run>-<subtask>-<counter><partSuffix>`, where `<run>` is the
 * first 12 characters of the job id, 8 hex digits naming the sink (from its uid) and 8 random hex
 * digits (one run of one subtask).
 */
export interface OutputFileConfig {
  readonly partPrefix?: string;
  readonly partSuffix?: string;
}

/** Picks the bucket (a sub-directory of the sink's directory) of a record; '' = the directory itself. */
export type BucketAssigner<T> = (element: T) => string;

const FLUSH_BYTES = 1 << 16;

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

  /** Closes the file durably; it stays hidden until committed. */
  closeDurably(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Closes and deletes the file: its records come after the last checkpoint and will be replayed. */
  discard(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.hiddenPath, { force: true });
  }
}

/**
 * Recorded with the pending files at every snapshot: the job whose part files these are, as it
 * appears in their names. A restore deletes that job's unreferenced hidden files (written after
 * the snapshot), and no other job's.
 */
interface WrittenBy {
  readonly writtenBy: string;
}

/** How long the job part of a run name is. */
const JOB_TOKEN_LENGTH = 12;
/** How long the sink part of a run name is (it follows the job part). */
const SINK_TOKEN_LENGTH = 8;

/** The job part of run names: the job id's first characters (safe in a file name, fixed length). */
function jobToken(jobId: string): string {
  return jobId.toLowerCase().replace(/[^0-9a-z]/g, '').slice(0, JOB_TOKEN_LENGTH).padEnd(JOB_TOKEN_LENGTH, '0');
}

/**
 * The sink part of run names, from the sink's uid: two sinks of one job may share a directory,
 * and a restore of one must not take the other's files for its own leftovers.
 */
function sinkToken(operatorUid: string): string {
  return createHash('sha256').update(operatorUid).digest('hex').slice(0, SINK_TOKEN_LENGTH);
}

/** A closed part file waiting for its checkpoint to complete; this is the sink's state. */
interface PendingFile {
  /** Hidden name while pending (relative to the sink's directory). */
  readonly pending: string;
  /** Visible name once committed (relative to the sink's directory). */
  readonly final: string;
  /** The checkpoint that commits it; null until the next snapshot (a part pre-committed at end of input). */
  checkpointId: number | null;
}

/**
 * One subtask's writer. Two-phase commit: at checkpoint n's barrier every open part is closed
 * and renamed to `.<name>.pending` (pre-commit); when n completes, pending parts of n and
 * earlier are renamed to their visible name (commit). On restore, the pending parts the
 * checkpoint recorded are committed, and parts written after it are deleted (they are replayed).
 * At end of input, parts are committed at once without checkpointing, and by the job's final
 * checkpoint with it.
 *
 * Each run's files carry its job in their names, and a restore deletes only leftovers of the
 * job that took the snapshot and of the restoring job (its earlier attempts) — both of which can
 * no longer write: the restore starts only once the snapshot's job is stopped or fenced. So a
 * process that lost its job can never delete or rename another job's files.
 */
class FileSinkWriter<T> implements SinkWriter<T> {
  private readonly parts = new Map<string, InProgressPart>();
  private pendingFiles: PendingFile[] = [];
  private readonly jobToken: string;
  private readonly sinkToken: string;
  private readonly runId: string;
  private counter = 0;
  private restored = false;

  constructor(
    private readonly directory: string,
    private readonly encoder: Encoder<T>,
    private readonly fileConfig: Required<OutputFileConfig>,
    private readonly bucketAssigner: BucketAssigner<T> | undefined,
    private readonly context: SinkWriterContext,
  ) {
    this.jobToken = jobToken(context.jobId);
    this.sinkToken = sinkToken(context.operatorUid);
    this.runId = `${this.jobToken}${this.sinkToken}${randomBytes(4).toString('hex')}`;
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

  snapshotState(checkpointId: number): unknown[] {
    this.preCommit(checkpointId);
    for (const f of this.pendingFiles) f.checkpointId ??= checkpointId;
    const writtenBy: WrittenBy = { writtenBy: this.jobToken };
    return [...this.pendingFiles.map((f) => ({ ...f })), writtenBy];
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const [due, later] = partition(this.pendingFiles, (f) => f.checkpointId !== null && f.checkpointId <= checkpointId);
    // The job checked its fence before it told its tasks; a process frozen since (a task on a
    // worker takes the word a few ms later) must find out before it commits, not after.
    if (due.length > 0) this.context.checkOwnership?.(`commit checkpoint ${checkpointId} of sink '${this.context.operatorUid}'`);
    for (const f of due) this.commit(f);
    this.pendingFiles = later;
  }

  /**
   * A restarted run that restored nothing (no checkpoint had completed): the hidden files of
   * this job are what earlier runs wrote or pre-committed for checkpoints that never completed,
   * so they are deleted, as a restore deletes those written after its checkpoint. Every subtask
   * opens before any writes, so none of this run's files exists yet.
   */
  open(): void {
    if (!this.restored && (this.context.attemptNumber ?? 0) > 0 && this.context.subtaskIndex === 0) {
      this.removeLeftovers(new Set(), new Set([this.jobToken]));
    }
  }

  restoreState(state: unknown[]): void {
    this.restored = true;
    // Union state: every subtask sees every pending file of the checkpoint; commits are idempotent.
    const recorded = state.filter(isPendingFile);
    if (recorded.length > 0) this.context.checkOwnership?.(`commit what the restored checkpoint left pending in sink '${this.context.operatorUid}'`);
    for (const f of recorded) this.commit(f);
    if (this.context.subtaskIndex === 0) {
      const jobs = new Set([this.jobToken, ...state.filter(isWrittenBy).map((w) => w.writtenBy)]);
      this.removeLeftovers(new Set(recorded.map((f) => f.pending)), jobs);
    }
  }

  endOfInput(): void {
    if (this.context.checkpointing) {
      // Committed by the job's final checkpoint: a crash before it completes leaves nothing
      // visible beyond the last checkpoint, so a restore replays without duplicates.
      this.preCommit(null);
      return;
    }
    this.context.checkOwnership?.(`commit the parts of sink '${this.context.operatorUid}' at the end of input`);
    for (const part of this.parts.values()) {
      part.closeDurably();
      renameSync(part.hiddenPath, part.finalPath);
    }
    this.parts.clear();
    for (const f of this.pendingFiles) this.commit(f);
    this.pendingFiles = [];
  }

  /** Closes every open part durably and makes it pending for `checkpointId` (null = the next one). */
  private preCommit(checkpointId: number | null): void {
    for (const part of this.parts.values()) {
      part.closeDurably();
      const pending = part.hiddenPath.replace(/\.inprogress$/, '.pending');
      renameSync(part.hiddenPath, pending);
      this.pendingFiles.push({ pending: this.rel(pending), final: this.rel(part.finalPath), checkpointId });
    }
    this.parts.clear();
  }

  close(): void {
    // Parts still open were never pre-committed (cancel or failure): their records come after
    // the last checkpoint. Pending parts stay: a restore from their checkpoint commits them.
    for (const part of this.parts.values()) part.discard();
    this.parts.clear();
  }

  /**
   * Renames a pending part to its final name; idempotent. After a restore every subtask commits
   * every recorded part (union state), at once, on worker threads too: a rename that finds the
   * part gone while its final name exists lost the race to another subtask, which committed it.
   */
  private commit(f: PendingFile): void {
    const from = this.abs(f.pending);
    const to = this.abs(f.final);
    try {
      renameSync(from, to);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (!existsSync(to)) process.stderr.write(`FileSink: pending file ${from} is gone; its records are lost.\n`);
    }
  }

  /**
   * Deletes the hidden files of this sink in `jobs` that the restored checkpoint does not
   * reference (written after it); other jobs' and other sinks' files are left alone.
   */
  private removeLeftovers(keep: ReadonlySet<string>, jobs: ReadonlySet<string>): void {
    const prefix = `.${this.fileConfig.partPrefix}-`;
    for (const entry of readdirSync(this.directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.startsWith(prefix)) continue;
      if (!/\.(inprogress|pending)$/.test(entry.name)) continue;
      if (!jobs.has(entry.name.slice(prefix.length, prefix.length + JOB_TOKEN_LENGTH))) continue;
      if (!this.isThisSinks(entry.name.slice(prefix.length + JOB_TOKEN_LENGTH), entry.name.endsWith('.pending'))) continue;
      const path = join(entry.parentPath, entry.name);
      if (!keep.has(this.rel(path))) rmSync(path, { force: true });
    }
  }

  /**
   * Whether a hidden part whose name goes on with `rest` after its job part is this sink's.
   * Names written before sinks were named (a run of 20 characters, then `-`) name no sink: an
   * in-progress one is no checkpoint's, so it is taken as any sink's of its job; a pending one
   * may be another sink's, recorded in the same checkpoint (that sink's restore commits it), so
   * it is left alone (hidden, never visible).
   */
  private isThisSinks(rest: string, pending: boolean): boolean {
    if (rest[SINK_TOKEN_LENGTH] === '-') return !pending;
    return rest.startsWith(this.sinkToken);
  }

  private rel(path: string): string {
    return relative(this.directory, path);
  }

  private abs(rel: string): string {
    const path = resolve(this.directory, rel);
    // State is data: never follow a recorded name out of the sink's directory.
    if (path !== this.directory && !path.startsWith(this.directory + sep)) throw new Error(`FileSink state names a file outside ${this.directory}: ${rel}`);
    return path;
  }

  private openPart(bucket: string): InProgressPart {
    const dir = bucket ? this.bucketDir(bucket) : this.directory;
    if (bucket) mkdirSync(dir, { recursive: true });
    const { partPrefix, partSuffix } = this.fileConfig;
    const name = `${partPrefix}-${this.runId}-${this.context.subtaskIndex}-${this.counter++}${partSuffix}`;
    return new InProgressPart(join(dir, `.${name}.inprogress`), join(dir, name));
  }

  /**
   * The directory of `bucket`, which must stay inside the sink's directory: the assigner is user
   * code fed with record data, and a name like `../x` or `/etc` would write outside it.
   */
  private bucketDir(bucket: unknown): string {
    const refuse = (why: string): never => {
      throw new Error(`FileSink: the bucket assigner returned ${JSON.stringify(bucket)}, ${why}; a bucket must be a relative path inside ${this.directory}.`);
    };
    if (typeof bucket !== 'string') return refuse('not a string');
    if (bucket.includes('\0')) refuse('which contains a NUL character');
    if (isAbsolute(bucket) || /^[\\/]/.test(bucket) || /^[A-Za-z]:/.test(bucket)) refuse('an absolute path');
    if (bucket.split(/[\\/]/).includes('..')) refuse("which contains a '..' segment");
    const dir = resolve(this.directory, bucket);
    if (dir !== this.directory && !dir.startsWith(this.directory + sep)) refuse('which leads outside the sink directory');
    return dir;
  }
}

function isWrittenBy(v: unknown): v is WrittenBy {
  return typeof (v as WrittenBy | null)?.writtenBy === 'string';
}

function isPendingFile(v: unknown): v is PendingFile {
  const f = v as PendingFile | null;
  return typeof f?.pending === 'string' && typeof f.final === 'string';
}

function partition<T>(items: readonly T[], pred: (t: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const i of items) (pred(i) ? yes : no).push(i);
  return [yes, no];
}
