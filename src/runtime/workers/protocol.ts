import type { MessagePort } from 'node:worker_threads';
import type { CheckpointOptions, DeclineCause, OperatorRestoreState, StateBackendSettings, TaskAcknowledgement } from '../../state/index.js';
import { FlinkError, JobCancelledError, JobFileError, SinkTargetError, SnapshotRestoreError, StateMigrationError, asError } from '../../util/errors.js';
import type { TaskMetricsReading } from '../metrics/io-metrics.js';
import type { SourceEvent } from '../sources/source-coordinator.js';

/*
 * What the main thread (the JobMaster's side) and a worker say to each other. Functions never
 * cross: a worker builds the job's graph itself from the job file, and everything here is data.
 */

/** What a worker starts with (its `workerData`): the same for every run (attempt) of the job. */
export interface WorkerBootstrap {
  readonly jobFile: string;
  readonly args: readonly string[];
  /** Which `execute()` call of the job file (0 = the first) this job is. */
  readonly executeIndex: number;
  /** The main thread's {@link jobGraphHash}: the worker refuses to run a different graph. */
  readonly graphHash: string;
  /** `-p` / `parallelism.default` and `pipeline.max-parallelism`, as the main thread compiled with. */
  readonly parallelismDefaults: { readonly parallelism?: number; readonly maxParallelism?: number };
  readonly jobId: string;
  /** This worker's slot, and how many there are: it runs subtask i of every vertex where i mod slots = slot. */
  readonly slot: number;
  readonly slots: number;
  readonly channelCapacity: number;
  readonly batchSize: number;
  /** Where checkpoints go (`execution.checkpointing.dir`); unset = no checkpoints. */
  readonly checkpointsDir: string | undefined;
  /** Periodic checkpoints are on: sinks commit through a final checkpoint at end of input. */
  readonly periodicCheckpoints: boolean;
  readonly stateBackend: StateBackendSettings;
  readonly autoWatermarkIntervalMs: number;
  /** `pipeline.object-reuse` as the job runs with it (its code's setting, else the configured one). */
  readonly objectReuse: boolean;
  /**
   * The global job parameters the main thread's job code set: a worker's functions read these,
   * not what its own import of the job file set, so every subtask sees the same values.
   */
  readonly globalJobParameters?: Readonly<Record<string, string>>;
  /** Jobs a restore must leave alone: they may still write (see SinkWriterContext.jobsStillWriting). */
  readonly jobsStillWriting?: readonly string[];
  /** Jobs that can never commit what they staged: a restore drops it (see SinkWriterContext.jobsAbandoned). */
  readonly jobsAbandoned?: readonly string[];
  /** Int32 words: [0] set once the job's process is fenced; [1] request sequence; [2] answer (0 ok, 1 fenced). */
  readonly fence: SharedArrayBuffer;
  /** The job is tracked: sinks must confirm ownership with the main thread before they commit. */
  readonly fenced: boolean;
}

/** One run (attempt) of the job in a worker: its channels to the other workers and the state it starts from. */
export interface Deployment {
  readonly attemptNumber: number;
  /** The producing (`out`) and consuming (`in`) ends this worker holds, by {@link channelKey}. */
  readonly ports: ReadonlyArray<readonly [key: string, end: 'out' | 'in', port: MessagePort]>;
  /** The state this worker's subtasks start from: [uid, subtask, state]. */
  readonly restore: ReadonlyArray<readonly [uid: string, subtask: number, state: OperatorRestoreState]>;
  readonly restored: boolean;
}

/** The fence words (see {@link WorkerBootstrap.fence}). */
export const FENCED = 0;
export const FENCE_SEQ = 1;
export const FENCE_ANSWER = 2;

/** The key of the channel from subtask `producer` to subtask `consumer` of the job's `edge`-th edge. */
export function channelKey(edge: number, producer: number, consumer: number): string {
  return `${edge}/${producer}/${consumer}`;
}

/** Main thread → worker. Messages other than `deploy` go to the run in progress (none: ignored). */
export type ToWorker =
  | { readonly t: 'deploy'; readonly deployment: Deployment }
  /** The job has ended: the worker ends its thread. */
  | { readonly t: 'shutdown' }
  /**
   * `enumerators`: each source enumerator's state for this checkpoint, taken on the main thread
   * as it posted this message: what it assigns after reaches the worker after this message.
   */
  | {
      readonly t: 'trigger';
      readonly id: number;
      readonly timestamp: number;
      readonly options: CheckpointOptions;
      readonly location: string | undefined;
      readonly enumerators?: ReadonlyArray<readonly [uid: string, state: unknown]>;
    }
  /** The source coordinator of `uid` sends the reader of `subtask` splits or the end of them. */
  | { readonly t: 'sourceEvent'; readonly uid: string; readonly subtask: number; readonly event: SourceEvent }
  | { readonly t: 'complete'; readonly id: number }
  | { readonly t: 'abort'; readonly id: number }
  | { readonly t: 'pause'; readonly paused: boolean }
  | { readonly t: 'finishAfterSavepoint'; readonly drain: boolean }
  | { readonly t: 'cancel' }
  | { readonly t: 'fail'; readonly error: SerializedError }
  | { readonly t: 'metrics' }
  /** The lowest watermark of alignment group `group` changed. */
  | { readonly t: 'align'; readonly group: string; readonly lowest: number }
  /** Every worker's tasks are open: the run starts. */
  | { readonly t: 'start' }
  /** Every worker's tasks have finished (and the final checkpoint, if any, is done): close. */
  | { readonly t: 'release'; readonly error?: SerializedError };

/** Worker → main thread. */
export type FromWorker =
  /** Every task of this worker is open; it waits for `start`. */
  | { readonly t: 'opened' }
  | { readonly t: 'ack'; readonly ack: TaskAcknowledgement }
  | { readonly t: 'decline'; readonly id: number; readonly task: number; readonly reason: string; readonly cause?: DeclineCause }
  | { readonly t: 'metrics'; readonly readings: TaskMetricsReading[] }
  /** Every task of this worker has finished; it waits for `release`. */
  | { readonly t: 'finished' }
  | { readonly t: 'checkOwnership'; readonly action: string }
  /** The reader of subtask `subtask` of source `uid` asks its coordinator for a split. */
  | { readonly t: 'splitRequest'; readonly uid: string; readonly subtask: number }
  /** An aligned source subtask's watermark (`member`: uid#subtask), every update interval. */
  | { readonly t: 'watermark'; readonly group: string; readonly member: string; readonly watermark: number }
  /** The run ended; the worker waits for the next `deploy`. */
  | { readonly t: 'done' }
  | { readonly t: 'failed'; readonly error: SerializedError }
  /** The worker cannot run the job at all (its job file, its graph): it ends. */
  | { readonly t: 'unusable'; readonly error: SerializedError };

/** An error as data: its class is carried by what the main thread must know of it. */
export interface SerializedError {
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly details?: string;
  /** A failure no restart can fix (restored state that does not fit, a job file that cannot run in a worker, a sink's target that does not fit). */
  readonly unrecoverable?: 'state' | 'snapshot' | 'jobFile' | 'sinkTarget';
}

/** How deep a `cause` chain is searched for an unrecoverable error. */
const MAX_CAUSE_DEPTH = 16;

export function serializeError(err: unknown): SerializedError {
  const e = asError(err);
  let unrecoverable: SerializedError['unrecoverable'];
  let c: unknown = e;
  for (let d = 0; d < MAX_CAUSE_DEPTH && c instanceof Error && !unrecoverable; d++, c = c.cause) {
    if (c instanceof StateMigrationError) unrecoverable = 'state';
    else if (c instanceof SnapshotRestoreError) unrecoverable = 'snapshot';
    else if (c instanceof JobFileError) unrecoverable = 'jobFile';
    else if (c instanceof SinkTargetError) unrecoverable = 'sinkTarget';
  }
  return {
    message: e.message,
    ...(e instanceof FlinkError ? { code: e.code, ...(e.details !== undefined ? { details: e.details } : {}) } : {}),
    ...(e.stack !== undefined ? { stack: e.stack } : {}),
    ...(unrecoverable ? { unrecoverable } : {}),
  };
}

/** The unrecoverable classes that come back as a cause (the job file's comes back as the error itself). */
const UNRECOVERABLE: Record<string, ((message: string) => Error) | undefined> = {
  state: (m) => new StateMigrationError(m),
  snapshot: (m) => new SnapshotRestoreError(m),
  sinkTarget: (m) => new SinkTargetError('connector.targetMisfit', m),
};

/**
 * The error a worker's failure fails the job with on the main thread: a FlinkError keeps its
 * code and message; one no restart can fix stays recognisable as such (its cause is of the
 * class the restart decision looks for).
 */
export function deserializeError(s: SerializedError): Error {
  if (s.code === 'job.cancelled') return new JobCancelledError(s.message);
  if (s.unrecoverable === 'jobFile') return new JobFileError(s.code ?? 'job.threw', s.message, { details: s.details });
  const cause = UNRECOVERABLE[s.unrecoverable ?? '']?.(s.message);
  if (s.code !== undefined) return new FlinkError(s.code, s.message, { ...(cause ? { cause } : {}), details: s.details });
  const err = new Error(s.message, cause ? { cause } : undefined);
  if (s.stack !== undefined) err.stack = s.stack;
  return err;
}
