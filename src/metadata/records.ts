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

/** Fields that may change outside a status transition, as the job record types them. */
export type JobPatch = Partial<Pick<JobRecord, 'name' | 'pid' | 'pidStart' | 'parallelism' | 'config' | 'restoredFrom'>>;

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
  /** A restart's restored snapshot (id, path, when the job ran again); null if it started over. */
  readonly restoredId: number | null;
  readonly restoredPath: string | null;
  readonly restoredTime: number | null;
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
  /** Why a completed one cannot be restored, as reading it found (damaged state files); null if nothing is known against it. */
  readonly restoreProblem: string | null;
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

/**
 * What {@link MetadataStore.reconcileCheckpoints} writes for a job whose process has ended, so
 * that its history says what its checkpoint directory does.
 */
export interface CheckpointHistoryFix {
  /** Checkpoints found published that flink.db lacks (or has IN_PROGRESS): recorded as completed. */
  readonly completed: readonly {
    readonly checkpointId: number;
    readonly kind: CheckpointKind;
    readonly triggerTime: number;
    readonly endTime: number;
    readonly stateSize: number;
    readonly checkpointedSize: number;
    readonly path: string;
    readonly restoreProblem: string | null;
  }[];
  /** Paths of completed snapshots whose files are gone: marked discarded. */
  readonly discarded: readonly string[];
  /** Completed snapshots (by path) whose restore problem is now the one given. */
  readonly restoreProblems: readonly { readonly path: string; readonly problem: string | null }[];
  /** Checkpoints left IN_PROGRESS that never completed: failed, with `reason`, at `endTime`. */
  readonly failed: readonly { readonly checkpointId: number; readonly kind: CheckpointKind }[];
  readonly failedReason: string;
  readonly failedAt: number;
  /** The job's latest checkpoint, when it changes; null when none can be restored. */
  readonly lastCheckpoint?: { readonly id: number; readonly path: string; readonly time: number | null } | null;
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

function parseJson<T>(v: unknown, fallback: () => T): T {
  if (typeof v !== 'string') return fallback();
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback();
  }
}

/** Reads one column's value into a record field. */
type Read<V> = (value: unknown) => V;

/** A column whose value is already the field's (ids, statuses and kinds the schema constrains). */
const as = <T>(v: unknown): T => v as T;
/** A JSON column; `fallback()` (a fresh value each time) where it is missing or unreadable. */
const json = <T>(fallback: () => T): Read<T> => (v) => parseJson(v, fallback);

/**
 * The mapper of rows to records of type `R`: each field is read from the column of the same
 * name in snake_case (`checkpointId` from `checkpoint_id`), by its reader. Every field of `R`
 * must have one, and the record's keys come in the order given.
 */
function rowMapper<R>(fields: { readonly [K in keyof R]-?: Read<R[K]> }): (row: Row) => R {
  const columns = Object.entries<Read<unknown>>(fields).map(([field, read]) => {
    const column = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return [field, column, read] as const;
  });
  return (row) => {
    const record: Record<string, unknown> = {};
    for (const [field, column, read] of columns) record[field] = read(row[column]);
    return record as R;
  };
}

export const toJobRecord = rowMapper<JobRecord>({
  jobId: as<JobId>,
  name: String,
  jobFile: String,
  args: json<string[]>(() => []),
  status: as<JobStatus>,
  pid: num,
  pidStart: num,
  epoch: (v) => Number(v ?? 0),
  parallelism: num,
  config: json<JobConfigRecord>(() => ({})),
  startTime: Number,
  endTime: num,
  heartbeat: num,
  restoredFrom: str,
  failureCause: str,
  failureStack: str,
  lastCheckpointId: num,
  lastCheckpointPath: str,
  lastCheckpointTime: num,
  savepointPath: str,
});

export const toEventRecord = rowMapper<JobEventRecord>({
  id: Number,
  jobId: as<JobId>,
  time: Number,
  kind: as<JobEventKind>,
  statusFrom: str as Read<JobStatus | null>,
  statusTo: str as Read<JobStatus | null>,
  cause: str,
  stack: str,
  attempt: num,
  restoredId: num,
  restoredPath: str,
  restoredTime: num,
});

export const toCheckpointRecord = rowMapper<CheckpointRecord>({
  jobId: as<JobId>,
  checkpointId: Number,
  kind: as<CheckpointKind>,
  status: as<CheckpointStatus>,
  discarded: (v) => v === 1,
  triggerTime: Number,
  endTime: num,
  durationMs: num,
  syncMs: num,
  asyncMs: num,
  alignmentMs: num,
  maxPauseMs: num,
  stateSize: num,
  checkpointedSize: num,
  path: str,
  failureReason: str,
  restoreProblem: str,
});

export const toCommandRecord = rowMapper<CommandRecord>({
  id: Number,
  jobId: as<JobId>,
  kind: as<CommandKind>,
  args: json<Record<string, unknown>>(() => ({})),
  status: as<CommandStatus>,
  created: Number,
  updated: Number,
  result: json<unknown>(() => null),
  error: str,
});

/**
 * Who continues a job from its snapshot (`flink run -s` of its checkpoint or savepoint): the
 * restoring process and, once it has one, its job. All null when nobody ever did.
 */
export interface Continuation {
  readonly job: JobId | null;
  readonly pid: number | null;
  readonly pidStart: number | null;
}
