import { randomBytes } from 'node:crypto';
import { type Stats, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { SinkProcessingTimeService, SinkWriter, SinkWriterContext, SinkWriterRecordContext } from '../graph/index.js';
import { MIN_TIMESTAMP } from '../util/time.js';
import type { FileSinkSettings } from './file-sink.js';
import type { BucketAssignerContext } from './file-sink-bucket-assigners.js';
import { InProgressPart, cutRecordedPart, pendingPathOf } from './file-sink-part.js';
import { type RecordedFiles, recordedDirectoryOf, resolveRecordedPart } from './file-sink-recorded-files.js';
import { OnCheckpointRollingPolicy } from './file-sink-rolling-policy.js';
import { type RestoreScope, copyInProgressPathOf, copyRecordedPrefix, copyPathOf, decideRestoreScope, liveWriterOf } from './file-sink-live-writers.js';
import { writeWarning } from '../util/warning.js';
import { makeDirectoriesSync } from '../util/make-directories.js';
import {
  JOB_TOKEN_LENGTH,
  type PendingFile,
  type RecordedPart,
  SINK_TOKEN_LENGTH,
  type WrittenBy,
  isJobToken,
  isPendingFile,
  isRecordedPart,
  isWrittenBy,
  jobToken,
  ownerOf,
  partition,
  sinkToken,
} from './file-sink-state.js';

/**
 * One subtask's writer. Two-phase commit: a part that rolls (at checkpoint n's barrier, or
 * between checkpoints as its rolling policy says) is closed and renamed to `.<name>.pending`
 * (pre-commit) for the next checkpoint; when that completes, it is renamed to its visible name
 * (commit). A part that does not roll at a barrier stays open, and the checkpoint records its
 * durable length. On restore, the pending parts the checkpoint recorded are committed, the open
 * ones it recorded are cut back to their recorded length and committed, and parts written after
 * it are deleted (they are replayed). At end of input, parts are committed at once without
 * checkpointing, and by the job's final checkpoint with it. A snapshot records the sink's
 * directory with its files, so a restore with another directory commits them where they were
 * written (file-sink-recorded-files.ts) and deletes leftovers in its own directory only.
 *
 * Each run's files carry its job in their names, and a restore deletes only leftovers of the
 * job that took the snapshot, of the restoring job (its earlier attempts) and of the jobs the
 * context names abandoned (`jobsAbandoned`: no snapshot names their files), and cuts back only
 * that job's parts — once it can no longer write: `flink run -s` of a job flink.db knows starts
 * only once that job is stopped or fenced, and is refused while it runs. A snapshot's job that
 * flink.db does not know (another FLINK_TS_HOME's) may still be writing: the context names it
 * (`jobsStillWriting`), and its files are left alone (file-sink-live-writers.ts). So a restore
 * never deletes, cuts or renames away a file a running job may still write.
 */
export class FileSinkWriter<T> implements SinkWriter<T> {
  private readonly parts = new Map<string, InProgressPart>();
  private pendingFiles: PendingFile[] = [];
  private readonly jobToken: string;
  private readonly sinkToken: string;
  private readonly runId: string;
  private counter = 0;
  private restored = false;
  /** Set at the end of input: parts no longer roll on processing time (none is left open). */
  private ended = false;
  private readonly time: SinkProcessingTimeService;
  /** The context of the record being written (none when driven by hand: no timestamp, no watermark yet). */
  private record: SinkWriterRecordContext = NO_RECORD_CONTEXT;
  /** What a bucket assigner sees besides the record (Flink's BucketAssigner.Context). */
  private readonly assignerContext: BucketAssignerContext = {
    currentProcessingTime: () => this.time.getCurrentProcessingTime(),
    currentWatermark: () => this.record.currentWatermark(),
    timestamp: () => this.record.timestamp(),
  };

  constructor(
    private readonly directory: string,
    private readonly settings: FileSinkSettings<T>,
    private readonly context: SinkWriterContext,
  ) {
    this.jobToken = jobToken(context.jobId);
    this.sinkToken = sinkToken(context.operatorUid);
    this.runId = `${this.jobToken}${this.sinkToken}${randomBytes(4).toString('hex')}`;
    // A writer driven by hand has no timers: its parts roll on size and checkpoints only.
    this.time = context.processingTimeService ?? { getCurrentProcessingTime: () => Date.now(), registerProcessingTimer: () => undefined };
    makeDirectoriesSync(directory, 0o777);
  }

  write(value: T, context?: SinkWriterRecordContext): void {
    const { bucketAssigner, rollingPolicy, encoder } = this.settings;
    this.record = context ?? NO_RECORD_CONTEXT;
    const now = this.time.getCurrentProcessingTime();
    const bucket = bucketAssigner ? bucketAssigner(value, this.assignerContext) : '';
    let part = this.parts.get(bucket);
    // As Flink's FileWriterBucket.write: the policy is asked before the record is written.
    if (part && rollingPolicy.shouldRollOnEvent(part, value)) {
      this.roll(part, null);
      part = undefined;
    }
    if (!part) {
      part = this.openPart(bucket, now);
      this.parts.set(bucket, part);
    }
    part.write(`${encoder(value)}\n`, now);
  }

  snapshotState(checkpointId: number): unknown[] {
    const recorded: RecordedPart[] = [];
    for (const part of [...this.parts.values()]) {
      if (this.settings.rollingPolicy.shouldRollOnCheckpoint(part)) this.roll(part, null);
      else recorded.push({ inProgress: this.rel(part.hiddenPath), final: this.rel(part.finalPath), length: part.persist(), directory: this.directory });
    }
    for (const f of this.pendingFiles) f.checkpointId ??= checkpointId;
    const writtenBy: WrittenBy = { writtenBy: this.jobToken };
    // Each file with the directory it is in, as Flink's committables carry full paths: a restore
    // into another directory commits them where they were written.
    return [...this.pendingFiles.map((f) => ({ ...f, directory: this.directory })), ...recorded, writtenBy];
  }

  notifyCheckpointComplete(checkpointId: number): void {
    const [due, later] = partition(this.pendingFiles, (f) => f.checkpointId !== null && f.checkpointId <= checkpointId);
    // The job checked its fence before it told its tasks; a process frozen since (a task on a
    // worker takes the word a few ms later) must find out before it commits, not after.
    if (due.length > 0) this.context.checkOwnership?.(`commit checkpoint ${checkpointId} of sink '${this.context.operatorUid}'`);
    for (const f of due) this.commit(this.abs(f.pending), this.abs(f.final));
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
    // Flink's FileWriter checks its buckets every interval; OnCheckpointRollingPolicy never rolls on time.
    if (!(this.settings.rollingPolicy instanceof OnCheckpointRollingPolicy)) this.scheduleCheck();
  }

  /** Asks each open part whether it rolls at processing time `time`, then schedules the next check. */
  private onProcessingTime(time: number): void {
    if (this.ended) return;
    for (const part of [...this.parts.values()]) {
      if (this.settings.rollingPolicy.shouldRollOnProcessingTime(part, time)) this.roll(part, null);
    }
    this.scheduleCheck();
  }

  private scheduleCheck(): void {
    this.time.registerProcessingTimer(this.time.getCurrentProcessingTime() + this.settings.bucketCheckInterval, (t) => this.onProcessingTime(t));
  }

  restoreState(state: unknown[]): void {
    this.restored = true;
    const writers = state.filter(isWrittenBy).map((w) => w.writtenBy);
    // Every recorded name is resolved and checked before anything is renamed.
    const recorded = state.filter(isPendingFile).map((f) => this.recordedFiles(f, f.pending, f.final, '.pending', writers));
    const open = state.filter(isRecordedPart).map((p) => ({ ...this.recordedFiles(p, p.inProgress, p.final, '.inprogress', writers), length: p.length, name: p.inProgress }));
    // Union state: every subtask sees every pending file of the checkpoint; commits are idempotent.
    // An open part is cut and renamed by one subtask (chosen by its name), not by every one at once.
    const mine = open.filter((p) => ownerOf(p.name, this.context.parallelism) === this.context.subtaskIndex);
    if (recorded.length + mine.length > 0) this.context.checkOwnership?.(`commit what the restored checkpoint left pending in sink '${this.context.operatorUid}'`);
    const scope = decideRestoreScope({
      own: this.jobToken,
      writers,
      stillWriting: new Set((this.context.jobsStillWriting ?? []).map(jobToken)),
      abandoned: (this.context.jobsAbandoned ?? []).map(jobToken),
    });
    const gone = this.unusableDirectories(recorded, open);
    // The copy this job makes of each open part a job that may still write wrote (none: cut back).
    const copies = new Map(open.map((p) => [p, this.copyOf(p, scope)]));
    // Cut back or copied durably first; asked again right before the renames, after the fsyncs
    // (milliseconds each): a process frozen in one must not commit on waking.
    const renames = mine.filter((p) => !gone.has(p.directory)).map((p) => this.prepareOpen(p, copies.get(p)));
    if (recorded.length + mine.length > 0) this.context.checkOwnership?.(`commit what the restored checkpoint left pending in sink '${this.context.operatorUid}'`);
    for (const f of recorded) if (!gone.has(f.directory)) this.commit(f.hidden, f.final);
    for (const rename of renames) rename?.();
    if (this.context.subtaskIndex === 0) {
      // Leftovers are deleted in the current directory only; files recorded in another one are
      // committed there and nothing else in it is touched.
      const here = (f: RecordedFiles) => f.directory === this.directory;
      // An open part may have rolled (been renamed to .pending) after the checkpoint: keep both
      // names; a copy of another job's part (this job's name) may be being made by another subtask.
      const keep = [...recorded.filter(here).map((f) => f.hidden), ...open.filter(here).flatMap((p) => {
          const copy = copies.get(p);
          return [p.hidden, pendingPathOf(p.hidden), ...(copy === undefined ? [] : [copyInProgressPathOf(copy)])];
        })];
      const spared = this.removeLeftovers(new Set(keep.map((path) => this.rel(path))), scope.leftoversOf, new Set(scope.live));
      const copied = open.filter((p) => !gone.has(p.directory) && copies.get(p) !== undefined).length;
      if (copied + spared > 0) {
        const jobs = (this.context.jobsStillWriting ?? []).filter((id) => scope.live.includes(jobToken(id)));
        writeWarning(
          `FileSink: job ${jobs.join(', ')}, whose snapshot this job restored, is unknown to this FLINK_TS_HOME's flink.db and may still be running, into ${this.directory}: ` +
            `its files are left as they are (${copied} in-progress parts copied up to their recorded length instead of cut back, ${spared} hidden files written after the snapshot not deleted). If it runs, both jobs write what comes after the snapshot.`,
        );
      }
    }
  }

  /**
   * Makes a recorded open part ready to commit — cut back, or, another job's that may still
   * write it, copied — durably; returns the rename that commits it.
   */
  private prepareOpen(p: RecordedFiles & { readonly length: number }, copy: string | undefined): (() => void) | undefined {
    if (copy === undefined) return cutRecordedPart(p.hidden, p.final, p.length);
    return copyRecordedPrefix(p.hidden, p.final, p.length, copy);
  }

  /** The copy this job makes of a recorded open part a job that may still write wrote (undefined if it is cut back). */
  private copyOf(p: RecordedFiles, scope: RestoreScope): string | undefined {
    const writer = liveWriterOf(basename(p.final), scope.live);
    return writer === undefined ? undefined : copyPathOf(p.final, writer, this.jobToken);
  }

  /**
   * Where a recorded part is: in the directory its entry records (checked; the name must be a
   * part file of the snapshot's jobs there), or, for an entry from before directories were
   * recorded, in the current directory as before.
   */
  private recordedFiles(entry: { readonly directory?: unknown }, hidden: string, final: string, suffix: '.pending' | '.inprogress', writers: readonly string[]): RecordedFiles {
    const directory = recordedDirectoryOf(entry, this.directory);
    const jobs = entry.directory === undefined ? null : new Set(writers.filter(isJobToken));
    return resolveRecordedPart(directory, hidden, final, suffix, jobs);
  }

  /**
   * The recorded directories other than the current one that no longer exist, or are no longer
   * directories (a regular file in their place holds none of their parts: as lost as a deleted
   * directory, so the restore goes on, as for one — a restore that failed instead could only be
   * made to go on by removing the file). Their parts' records are lost; subtask 0 says so in one
   * line per directory (every subtask sees every entry), instead of one line per part. Checked
   * before anything is renamed.
   */
  private unusableDirectories(pending: readonly RecordedFiles[], open: readonly RecordedFiles[]): Map<string, string> {
    const unusable = new Map<string, string>();
    for (const { directory } of [...pending, ...open]) {
      if (directory === this.directory || unusable.has(directory)) continue;
      const st = statOrNone(directory);
      if (st === undefined) unusable.set(directory, 'is gone');
      else if (!st.isDirectory()) unusable.set(directory, 'is no longer a directory');
    }
    if (this.context.subtaskIndex === 0) {
      for (const [dir, why] of unusable) {
        const count = (files: readonly RecordedFiles[]) => files.filter((f) => f.directory === dir).length;
        writeWarning(`FileSink: the output directory ${dir} the restored checkpoint wrote to ${why}; the records of its ${count(pending)} pending and ${count(open)} in-progress part files are lost.`);
      }
    }
    return unusable;
  }

  endOfInput(): void {
    this.ended = true;
    if (this.context.checkpointing) {
      // Committed by the job's final checkpoint: a crash before it completes leaves nothing
      // visible beyond the last checkpoint, so a restore replays without duplicates.
      this.preCommit(null);
      return;
    }
    // Every part is made durable before the fence is asked: fsyncs take milliseconds (more on a
    // loaded disk), and a process frozen in one, asked before it, renamed on waking after it was
    // declared lost. After the answer come only the renames.
    for (const part of this.parts.values()) part.closeDurably();
    try {
      this.context.checkOwnership?.(`commit the parts of sink '${this.context.operatorUid}' at the end of input`);
    } catch (err) {
      // Nothing records these parts (no checkpointing): they go, as close() drops unrecorded ones.
      for (const part of this.parts.values()) rmSync(part.hiddenPath, { force: true });
      this.parts.clear();
      throw err;
    }
    for (const part of this.parts.values()) renameSync(part.hiddenPath, part.finalPath);
    this.parts.clear();
    for (const f of this.pendingFiles) this.commit(this.abs(f.pending), this.abs(f.final));
    this.pendingFiles = [];
  }

  /** Closes every open part durably and makes it pending for `checkpointId` (null = the next one). */
  private preCommit(checkpointId: number | null): void {
    for (const part of [...this.parts.values()]) this.roll(part, checkpointId);
  }

  /** Closes `part` durably and makes it pending for `checkpointId` (null = the next checkpoint). */
  private roll(part: InProgressPart, checkpointId: number | null): void {
    part.closeDurably();
    const pending = pendingPathOf(part.hiddenPath);
    renameSync(part.hiddenPath, pending);
    this.pendingFiles.push({ pending: this.rel(pending), final: this.rel(part.finalPath), checkpointId });
    this.parts.delete(part.bucketId);
  }

  close(): void {
    // Parts still open (cancel or failure): one no checkpoint recorded holds only records after
    // the last checkpoint and is deleted; a recorded one stays for a restore from its checkpoint,
    // as pending parts do.
    for (const part of this.parts.values()) part.abandon();
    this.parts.clear();
  }

  /**
   * Renames a pending part to its final name; idempotent. After a restore every subtask commits
   * every recorded part (union state), at once, on worker threads too: a rename that finds the
   * part gone while its final name exists lost the race to another subtask, which committed it.
   */
  private commit(from: string, to: string): void {
    try {
      renameSync(from, to);
    } catch (err) {
      // ENOTDIR: a bucket folder that is a file now holds the part no more than a deleted one.
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      if (!existsSync(to)) writeWarning(`FileSink: pending file ${from} is gone; its records are lost.`);
    }
  }

  /**
   * Deletes the hidden files of this sink in `jobs` that the restored checkpoint does not
   * reference (written after it); other jobs' and other sinks' files are left alone. Returns how
   * many it would have deleted of the jobs in `spare`, which may still write them.
   */
  private removeLeftovers(keep: ReadonlySet<string>, jobs: ReadonlySet<string>, spare: ReadonlySet<string> = new Set()): number {
    const prefix = `.${this.settings.fileConfig.partPrefix}-`;
    let spared = 0;
    for (const entry of readdirSync(this.directory, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.startsWith(prefix)) continue;
      if (!/\.(inprogress|pending)$/.test(entry.name)) continue;
      const job = entry.name.slice(prefix.length, prefix.length + JOB_TOKEN_LENGTH);
      if (!jobs.has(job) && !spare.has(job)) continue;
      if (!this.isThisSinks(entry.name.slice(prefix.length + JOB_TOKEN_LENGTH), entry.name.endsWith('.pending'))) continue;
      const path = join(entry.parentPath, entry.name);
      if (keep.has(this.rel(path))) continue;
      if (jobs.has(job)) rmSync(path, { force: true });
      else spared++;
    }
    return spared;
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

  private openPart(bucket: string, now: number): InProgressPart {
    // '' is the sink's directory; anything else, a non-string included (0 and undefined too), is checked.
    const dir = bucket === '' ? this.directory : this.bucketDir(bucket);
    if (dir !== this.directory) makeDirectoriesSync(dir, 0o777);
    const { partPrefix, partSuffix } = this.settings.fileConfig;
    const name = `${partPrefix}-${this.runId}-${this.context.subtaskIndex}-${this.counter++}${partSuffix}`;
    return new InProgressPart(bucket, join(dir, `.${name}.inprogress`), join(dir, name), now);
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

/** The stat of `path`, or undefined where existsSync says false (gone, or under a path that is a file now, or unreadable). */
function statOrNone(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A record written without a context (a writer driven by hand): no timestamp, no watermark yet. */
const NO_RECORD_CONTEXT: SinkWriterRecordContext = { currentWatermark: () => MIN_TIMESTAMP, timestamp: () => null };

