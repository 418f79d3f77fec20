/**
 * The sink contract used by `sinkTo` (after Flink's Sink V2): one writer per parallel subtask.
 * Exactly-once sinks pre-commit at a checkpoint barrier and commit when the checkpoint is
 * complete; the hooks for that are optional so simple sinks stay simple.
 *
 * A writer is driven synchronously, record by record, and must never make the engine await per
 * record. A writer over an asynchronous system (a database) buffers records and sends them in
 * batches in the background; four optional hooks let it take part asynchronously:
 * - `open()` may be asynchronous: connect, check the target, finish what restored state left;
 * - `pendingWork()` returns a promise when the writer wants the engine to wait (backpressure:
 *   too many batches in flight) — asked after each batch of records, never per record;
 * - `prepareCommit(n)` is the asynchronous half of the barrier: `snapshotState(n)` cuts
 *   synchronously (the state names what is being pre-committed), and the task acknowledges
 *   checkpoint n only once `prepareCommit(n)` resolves (a rejection declines it and fails the job);
 *   records after the barrier keep flowing meanwhile;
 * - `notifyCheckpointComplete(n)` may return a promise (the commit): a rejection fails the job
 *   (which restores from that checkpoint and commits again), and `close()` waits for it, so a
 *   job never ends before its commits settle.
 */

/** What a sink writer knows of where it runs. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly jobId: string;
  /** The sink operator's uid; stable across restarts, so usable in file names. */
  readonly operatorUid: string;
  /** Which run of the job in this process (0, then one more per failover); with `jobId` it names the run. */
  readonly attemptNumber?: number;
  /**
   * Throws unless this process still owns the job (its fencing epoch): a sink calls it right
   * before it commits on its own (e.g. committing or rolling back what a restore left), so a
   * process that lost the job commits nothing. Absent for untracked runs.
   */
  readonly checkOwnership?: (action: string) => void;
  /**
   * Jobs other than this one that may still be writing into the files this run's restore finds:
   * the restored snapshot's job when nothing tells that it has stopped (flink.db does not know it,
   * as for a snapshot taken under another FLINK_TS_HOME). A sink's restore must not cut back,
   * rename away or delete what they may still write. Absent: none (every job whose files a
   * restore finds can no longer write: `flink run -s` waits for, or refuses, a known one).
   */
  readonly jobsStillWriting?: readonly string[];
  /**
   * Jobs that can never commit what they staged: `flink run -s <job>` of a job that died before
   * a checkpoint or savepoint of its own restores the snapshot that job was restored from, and
   * no snapshot names what that job staged (rows, hidden part files) as pending. A sink's restore
   * drops it, as it drops what the snapshot's job staged after the snapshot. Never a job in
   * `jobsStillWriting`. Absent: none.
   */
  readonly jobsAbandoned?: readonly string[];
  /**
   * True when the job checkpoints: then `endOfInput` only pre-commits, and a final checkpoint
   * commits (so a crash while the job finishes never leaves output beyond its last checkpoint).
   */
  readonly checkpointing: boolean;
  /**
   * Processing time and timers (Flink's `Sink.ProcessingTimeService`), e.g. for a file sink's
   * time-based rolling. Absent where nothing drives time (a writer driven by hand).
   */
  readonly processingTimeService?: SinkProcessingTimeService;
}

/** What a sink writer knows of the record it is writing (Flink's `SinkWriter.Context`). */
export interface SinkWriterRecordContext {
  /** The sink's current watermark (`Number.MIN_SAFE_INTEGER` before the first). */
  currentWatermark(): number;
  /** The record's timestamp, or `null` if it has none (no timestamp assigner upstream). */
  timestamp(): number | null;
}

/** Processing time for a sink writer (Flink's `Sink.ProcessingTimeService`). */
export interface SinkProcessingTimeService {
  /**
   * The current processing time in ms. Cheap enough to ask per record: the task's clock reading
   * for the records it is processing (it reads the clock once per batch, not per record).
   */
  getCurrentProcessingTime(): number;
  /**
   * Calls `callback(time)` once processing time reaches `time`, on the writer's task, between
   * records. Timers are not part of the writer's state, and are dropped at the end of input.
   */
  registerProcessingTimer(time: number, callback: (time: number) => void): void;
}

/** One parallel instance of a sink. */
export interface SinkWriter<T> {
  /**
   * Called once, after `restoreState` (if restored) and before the first `write`; the job
   * starts only when it resolves. A rejection fails the start.
   */
  open?(): void | Promise<void>;
  /**
   * Writes one record. `context` (Flink's `SinkWriter.Context`) gives the record's timestamp and
   * the sink's current watermark; it is one object reused for every record, valid during the call.
   */
  write(value: T, context?: SinkWriterRecordContext): void;
  /**
   * Asynchronous work the writer started that must settle before more records come, or
   * undefined to go on. Asked after every batch of `write`s (and after `endOfInput`); a
   * rejection fails the job.
   */
  pendingWork?(): Promise<unknown> | undefined;
  /**
   * Called at end of input: everything written must become visible — at once (work it starts
   * is awaited through `pendingWork`), or (with `checkpointing`) when the final checkpoint completes.
   */
  endOfInput(): void;
  /** Called at a checkpoint barrier; returns the writer's state to snapshot. Must be cheap. */
  snapshotState?(checkpointId: number): unknown[];
  /**
   * The asynchronous pre-commit of what `snapshotState(checkpointId)` closed (e.g. flushing
   * and preparing a transaction). The checkpoint is acknowledged only once it resolves.
   */
  prepareCommit?(checkpointId: number): Promise<void>;
  /** Called when checkpoint `checkpointId` is complete: commit what it covered. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /** Restores the writer from a snapshot before `open` and any `write`. */
  restoreState?(state: unknown[]): void;
  /** Releases the writer; also after a failure. Waits for commits in flight. */
  close(): void | Promise<void>;
}

/** A sink for `DataStream.sinkTo`. */
export interface Sink<T> {
  createWriter(context: SinkWriterContext): SinkWriter<T>;
}
