/**
 * The sink contract used by `sinkTo` (after Flink's Sink V2): one writer per parallel subtask.
 * Exactly-once sinks pre-commit at a checkpoint barrier and commit when the checkpoint is
 * complete; the hooks for that are optional so simple sinks stay simple.
 */

/** What a sink writer knows of where it runs. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly jobId: string;
  /** The sink operator's uid; stable across restarts, so usable in file names. */
  readonly operatorUid: string;
  /**
   * True when the job checkpoints: then `endOfInput` only pre-commits, and a final checkpoint
   * commits (so a crash while the job finishes never leaves output beyond its last checkpoint).
   */
  readonly checkpointing: boolean;
}

/** One parallel instance of a sink. */
export interface SinkWriter<T> {
  write(value: T): void;
  /**
   * Called at end of input: everything written must become visible — at once, or (with
   * `checkpointing`) when the final checkpoint completes.
   */
  endOfInput(): void;
  /** Called at a checkpoint barrier; returns the writer's state to snapshot. */
  snapshotState?(checkpointId: number): unknown[];
  /** Called when checkpoint `checkpointId` is complete: commit what it covered. */
  notifyCheckpointComplete?(checkpointId: number): void;
  /** Restores the writer from a snapshot before any `write`. */
  restoreState?(state: unknown[]): void;
  close(): void;
}

/** A sink for `DataStream.sinkTo`. */
export interface Sink<T> {
  createWriter(context: SinkWriterContext): SinkWriter<T>;
}
