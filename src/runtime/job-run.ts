import type { CheckpointOptions } from '../state/index.js';
import type { TaskMetricsReading } from './metrics/io-metrics.js';

/**
 * One run (attempt) of a job as the JobMaster and the checkpoint coordinator drive it: every
 * subtask on the main thread (JobExecution) or on worker threads (WorkerPoolExecution).
 */
export interface JobRun {
  /** The number of subtasks; each acknowledges every checkpoint once. */
  readonly taskCount: number;
  /**
   * What every task's counters read (the metrics reporter calls this once a second): now on the
   * main thread; on workers, their answers to the previous call, so up to one reporting interval old.
   */
  readMetrics(): TaskMetricsReading[];
  /** Starts checkpoint `checkpointId` (sources emit its barrier; finished tasks snapshot at once). */
  triggerCheckpoint(checkpointId: number, timestamp: number, options: CheckpointOptions): void;
  /** Checkpoint `checkpointId` is complete: operators may commit. */
  notifyCheckpointComplete(checkpointId: number): void;
  /** Checkpoint `checkpointId` was aborted: its unfinished snapshot work is dropped; the split enumerators and the tasks are told. */
  abortCheckpoint(checkpointId: number): void;
  /**
   * True while the trigger of checkpoint `checkpointId` is held back for tasks still starting
   * (worker threads that have not all opened): no task has seen it yet. Absent where a trigger
   * before the start is refused instead (on the main thread).
   */
  isTriggerHeld?(checkpointId: number): boolean;
  /** Sources stop (or resume) emitting: the first step of stop-with-savepoint. */
  pauseSources(paused?: boolean): void;
  /** Ends the run after a stop-with-savepoint without draining: nothing is processed after the savepoint. */
  suspend(): void;
  /**
   * `flink stop --drain`: ends the input now and, once every task has finished, takes
   * `savepoint` as the run's final checkpoint (see DrainRequest); rejects if the run ends first,
   * and at once, ending nothing, while its tasks still open or once it ended (see drainRefused).
   */
  drain<T>(savepoint: () => Promise<T>): Promise<T>;
  /** Fails the run from outside (e.g. too many failed checkpoints, fenced). */
  fail(err: unknown): void;
  /** Asks the run to stop; `run` then rejects with JobCancelledError. */
  cancel(): void;
  /** Runs the job to its end; rejects with the first failure, or JobCancelledError. */
  run(): Promise<void>;
}
