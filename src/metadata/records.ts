import type { JobId } from '../util/ids.js';
import type { JobStatus } from './job-status.js';

/**
 * Row types of the metadata store, camelCase, with `null` for unset columns so that records
 * serialise to JSON (`flink list --json`) without losing fields. Times are epoch ms.
 */

/** A job's configuration as recorded: flat Flink keys, durations in ms. */
export type JobConfigRecord = Record<string, string | number | boolean>;

/** One row of `jobs`. */
export interface JobRecord {
  readonly jobId: JobId;
  readonly name: string;
  /** Absolute path of the job's `.ts` file. */
  readonly jobFile: string;
  readonly args: string[];
  readonly status: JobStatus;
  /** The OS process running the job, if any. */
  readonly pid: number | null;
  /** When process `pid` started (clock ticks since boot on Linux): tells the job's process from a later one with its pid. */
  readonly pidStart: number | null;
  /**
   * The job's fencing token: taken by the process that runs the job, bumped by whoever declares
   * it lost. Only the process holding the current epoch may change the job's status or commit.
   */
  readonly epoch: number;
  readonly parallelism: number | null;
  readonly config: JobConfigRecord;
  readonly startTime: number;
  readonly endTime: number | null;
  /** Last liveness signal from the job's process. */
  readonly heartbeat: number | null;
  /** The savepoint or checkpoint path the job was started from. */
  readonly restoredFrom: string | null;
  readonly failureCause: string | null;
  readonly failureStack: string | null;
  readonly lastCheckpointId: number | null;
  readonly lastCheckpointPath: string | null;
  readonly lastCheckpointTime: number | null;
  /** The job's latest completed savepoint (e.g. from `flink stop`). */
  readonly savepointPath: string | null;
}

/** What {@link MetadataStore.createJob} takes; omitted fields start empty. */
export interface NewJob {
  readonly jobId: JobId;
  readonly name: string;
  readonly jobFile: string;
  readonly args?: readonly string[];
  /** Defaults to CREATED. */
  readonly status?: JobStatus;
  readonly pid?: number | null;
  readonly pidStart?: number | null;
  readonly parallelism?: number | null;
  readonly config?: JobConfigRecord;
  /** Defaults to the store's clock. */
  readonly startTime?: number;
  readonly restoredFrom?: string | null;
}

/** Fields that may change outside a status transition. */
export interface JobPatch {
  readonly name?: string;
  readonly pid?: number | null;
  readonly pidStart?: number | null;
  readonly parallelism?: number | null;
  readonly config?: JobConfigRecord;
  readonly restoredFrom?: string | null;
}

/** Fields written together with a status change. */
export interface TransitionFields {
  /** Defaults to now when `to` is terminal; left as is otherwise. */
  readonly endTime?: number;
  readonly failureCause?: string | null;
  readonly failureStack?: string | null;
  readonly pid?: number | null;
}

/**
 * What a status compare-and-set did: `moved` from `from`; `refused` because the transition table
 * allows no move from the job's status (it has moved on, e.g. another process failed it);
 * `fenced` because the job's epoch is not the caller's (another process owns or declared it).
 * `job` is the record after the attempt.
 */
export type StatusChange =
  | { readonly outcome: 'moved'; readonly from: JobStatus; readonly job: JobRecord }
  | { readonly outcome: 'refused'; readonly job: JobRecord }
  | { readonly outcome: 'fenced'; readonly job: JobRecord };

/** The process that takes over a CREATED job ({@link MetadataStore.acquireJob}). */
export interface JobOwner {
  readonly pid: number;
  readonly pidStart: number | null;
  /** Its first heartbeat. */
  readonly heartbeat: number;
}

export type JobEventKind = 'restart' | 'failure' | 'status';

/** One row of `job_events`: status changes, failures and restarts (Flink's exception history). */
export interface JobEventRecord {
  readonly id: number;
  readonly jobId: JobId;
  readonly time: number;
  readonly kind: JobEventKind;
  readonly statusFrom: JobStatus | null;
  readonly statusTo: JobStatus | null;
  readonly cause: string | null;
  readonly stack: string | null;
  /** Restart attempt number (restart and failure events). */
  readonly attempt: number | null;
}

/** What {@link MetadataStore.recordEvent} takes. */
export interface NewJobEvent {
  readonly jobId: JobId;
  readonly kind: JobEventKind;
  /** Defaults to the store's clock. */
  readonly time?: number;
  readonly statusFrom?: JobStatus | null;
  readonly statusTo?: JobStatus | null;
  readonly cause?: string | null;
  readonly stack?: string | null;
  readonly attempt?: number | null;
}

/** Flink's checkpoint types, plus the two stop-with-savepoint flavours. */
export type CheckpointKind = 'CHECKPOINT' | 'FULL_CHECKPOINT' | 'SAVEPOINT' | 'SAVEPOINT_SUSPEND' | 'SAVEPOINT_TERMINATE';
/** Flink's checkpoint statuses; a completed checkpoint that was deleted since is `discarded`. */
export type CheckpointStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** True for the savepoint kinds. */
export function isSavepointKind(kind: CheckpointKind): boolean {
  return kind.startsWith('SAVEPOINT');
}

/** One row of `checkpoints`: a checkpoint's or savepoint's stats. Sizes in bytes. */
export interface CheckpointRecord {
  readonly jobId: JobId;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  readonly status: CheckpointStatus;
  /** A completed checkpoint whose files were deleted since (by retention or `savepoint -d`). */
  readonly discarded: boolean;
  readonly triggerTime: number;
  readonly endTime: number | null;
  readonly durationMs: number | null;
  readonly syncMs: number | null;
  readonly asyncMs: number | null;
  readonly alignmentMs: number | null;
  readonly maxPauseMs: number | null;
  /** All the state the checkpoint stands for (an incremental chain counted in full). */
  readonly stateSize: number | null;
  /** What taking the checkpoint wrote. */
  readonly checkpointedSize: number | null;
  readonly path: string | null;
  readonly failureReason: string | null;
}

/** What {@link MetadataStore.insertCheckpoint} takes. */
export interface NewCheckpoint {
  readonly jobId: JobId;
  readonly checkpointId: number;
  readonly kind: CheckpointKind;
  /** Defaults to IN_PROGRESS. */
  readonly status?: CheckpointStatus;
  readonly triggerTime: number;
  readonly path?: string | null;
}

/** Columns {@link MetadataStore.updateCheckpoint} may set; omitted ones keep their value. */
export interface CheckpointPatch {
  readonly status?: CheckpointStatus;
  readonly discarded?: boolean;
  readonly endTime?: number;
  readonly durationMs?: number;
  readonly syncMs?: number;
  readonly asyncMs?: number;
  readonly alignmentMs?: number;
  readonly maxPauseMs?: number;
  readonly stateSize?: number;
  readonly checkpointedSize?: number;
  readonly path?: string;
  readonly failureReason?: string;
}

export type CommandKind = 'cancel' | 'savepoint' | 'stop' | 'checkpoint';
export type CommandStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';

/** One row of `commands`: a request from the CLI that the job's JobMaster answers. */
export interface CommandRecord {
  readonly id: number;
  readonly jobId: JobId;
  readonly kind: CommandKind;
  readonly args: Record<string, unknown>;
  readonly status: CommandStatus;
  readonly created: number;
  readonly updated: number;
  /** JSON result written by {@link MetadataStore.completeCommand}. */
  readonly result: unknown;
  readonly error: string | null;
}

// ---- row mapping (snake_case SQLite rows → records) ----

/** A raw SQLite row. */
export type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function json<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export function toJobRecord(r: Row): JobRecord {
  return {
    jobId: r['job_id'] as JobId,
    name: String(r['name']),
    jobFile: String(r['job_file']),
    args: json<string[]>(r['args'], []),
    status: r['status'] as JobStatus,
    pid: num(r['pid']),
    pidStart: num(r['pid_start']),
    epoch: Number(r['epoch'] ?? 0),
    parallelism: num(r['parallelism']),
    config: json<JobConfigRecord>(r['config'], {}),
    startTime: Number(r['start_time']),
    endTime: num(r['end_time']),
    heartbeat: num(r['heartbeat']),
    restoredFrom: str(r['restored_from']),
    failureCause: str(r['failure_cause']),
    failureStack: str(r['failure_stack']),
    lastCheckpointId: num(r['last_checkpoint_id']),
    lastCheckpointPath: str(r['last_checkpoint_path']),
    lastCheckpointTime: num(r['last_checkpoint_time']),
    savepointPath: str(r['savepoint_path']),
  };
}

export function toEventRecord(r: Row): JobEventRecord {
  return {
    id: Number(r['id']),
    jobId: r['job_id'] as JobId,
    time: Number(r['time']),
    kind: r['kind'] as JobEventKind,
    statusFrom: str(r['status_from']) as JobStatus | null,
    statusTo: str(r['status_to']) as JobStatus | null,
    cause: str(r['cause']),
    stack: str(r['stack']),
    attempt: num(r['attempt']),
  };
}

export function toCheckpointRecord(r: Row): CheckpointRecord {
  return {
    jobId: r['job_id'] as JobId,
    checkpointId: Number(r['checkpoint_id']),
    kind: r['kind'] as CheckpointKind,
    status: r['status'] as CheckpointStatus,
    discarded: r['discarded'] === 1,
    triggerTime: Number(r['trigger_time']),
    endTime: num(r['end_time']),
    durationMs: num(r['duration_ms']),
    syncMs: num(r['sync_ms']),
    asyncMs: num(r['async_ms']),
    alignmentMs: num(r['alignment_ms']),
    maxPauseMs: num(r['max_pause_ms']),
    stateSize: num(r['state_size']),
    checkpointedSize: num(r['checkpointed_size']),
    path: str(r['path']),
    failureReason: str(r['failure_reason']),
  };
}

export function toCommandRecord(r: Row): CommandRecord {
  return {
    id: Number(r['id']),
    jobId: r['job_id'] as JobId,
    kind: r['kind'] as CommandKind,
    args: json<Record<string, unknown>>(r['args'], {}),
    status: r['status'] as CommandStatus,
    created: Number(r['created']),
    updated: Number(r['updated']),
    result: json<unknown>(r['result'], null),
    error: str(r['error']),
  };
}
