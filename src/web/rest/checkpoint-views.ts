import type { CheckpointCounts, CheckpointRecord, JobConfigRecord, JobEventRecord, JobPlan, JobRecord } from '../../metadata/index.js';
import { isSavepointKind } from '../../metadata/index.js';

/**
 * Flink's REST shapes for checkpoints (`GET /jobs/:jobid/checkpoints`, `.../config`,
 * `.../details/:id`), built from the job's rows in flink.db.
 */

/** How many checkpoints `history` lists, newest first: Flink's `web.checkpoints.history` default. */
export const CHECKPOINT_HISTORY_SIZE = 10;


/** Flink's RestAPICheckpointType: stop-with-savepoint is a synchronous savepoint. */
function checkpointType(c: CheckpointRecord): 'CHECKPOINT' | 'SAVEPOINT' | 'SYNC_SAVEPOINT' {
  if (c.kind === 'SAVEPOINT') return 'SAVEPOINT';
  if (isSavepointKind(c.kind)) return 'SYNC_SAVEPOINT';
  return 'CHECKPOINT';
}

/** One checkpoint as Flink's CheckpointStatistics (with its `@class` discriminator). */
export function checkpointStatistics(c: CheckpointRecord, subtasks: number) {
  const status = c.status;
  const savepoint = isSavepointKind(c.kind);
  const base = {
    '@class': status === 'COMPLETED' ? 'completed' : status === 'FAILED' ? 'failed' : 'in_progress',
    id: c.checkpointId,
    status,
    is_savepoint: savepoint,
    savepointFormat: savepoint ? 'CANONICAL' : null,
    trigger_timestamp: c.triggerTime,
    latest_ack_timestamp: c.endTime ?? -1,
    checkpointed_size: c.checkpointedSize ?? 0,
    state_size: c.stateSize ?? 0,
    end_to_end_duration: c.durationMs ?? (c.endTime === null ? -1 : c.endTime - c.triggerTime),
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: subtasks,
    num_acknowledged_subtasks: status === 'COMPLETED' ? subtasks : 0,
    checkpoint_type: checkpointType(c),
    tasks: {},
  };
  if (status === 'COMPLETED') return { ...base, external_path: c.path ?? '', discarded: c.discarded };
  if (status === 'FAILED') return { ...base, failure_timestamp: c.endTime ?? -1, failure_message: c.failureReason ?? '' };
  return base;
}

/** Flink's StatsSummaryDto over `values` (percentiles by nearest rank). */
function summary(values: readonly number[]) {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return {
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    avg: Math.round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    p50: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    p999: at(0.999),
  };
}

/**
 * `GET /jobs/:jobid/checkpoints` (Flink's CheckpointingStatistics): counts, a summary of the
 * completed ones, the latest completed/savepoint/failed/restored, and the newest
 * {@link CHECKPOINT_HISTORY_SIZE} of `rows` (the job's rows flink.db keeps, newest first: see
 * ENDED_CHECKPOINTS_KEPT).
 */
export function checkpointingStatistics(
  job: JobRecord,
  plan: JobPlan | undefined,
  rows: readonly CheckpointRecord[],
  counts: CheckpointCounts,
  /** Every restore, oldest first: the job's start from a snapshot, then its failovers'. */
  restores: readonly Restore[],
) {
  const subtasks = plan?.nodes.reduce((n, v) => n + v.parallelism, 0) ?? 0;
  const completed = rows.filter((c) => c.status === 'COMPLETED');
  const latestOf = (pick: (c: CheckpointRecord) => boolean) => {
    const c = rows.find(pick);
    return c === undefined ? null : checkpointStatistics(c, subtasks);
  };
  return {
    counts: {
      restored: restores.length,
      total: counts.total,
      in_progress: counts.inProgress,
      completed: counts.completed,
      failed: counts.failed,
    },
    summary: {
      checkpointed_size: summary(completed.map((c) => c.checkpointedSize ?? 0)),
      state_size: summary(completed.map((c) => c.stateSize ?? 0)),
      end_to_end_duration: summary(completed.map((c) => c.durationMs ?? 0)),
      alignment_buffered: summary([]),
      processed_data: summary([]),
      persisted_data: summary([]),
    },
    latest: {
      // One found damaged is not the latest completed checkpoint `flink run -s <jobId>` or `flink list` name.
      completed: latestOf((c) => c.status === 'COMPLETED' && c.restoreProblem === null && !isSavepointKind(c.kind)),
      savepoint: latestOf((c) => c.status === 'COMPLETED' && isSavepointKind(c.kind)),
      failed: latestOf((c) => c.status === 'FAILED'),
      restored: restoredView(restores.at(-1)),
    },
    history: rows.slice(0, CHECKPOINT_HISTORY_SIZE).map((c) => checkpointStatistics(c, subtasks)),
  };
}

/** A restore of a job from a snapshot: at its start (`-s`) or at a failover. */
export interface Restore {
  /** The snapshot's checkpoint id; -1 if flink.db does not know it. */
  readonly id: number;
  readonly path: string;
  readonly time: number;
  readonly isSavepoint: boolean;
}

function restoredView(r: Restore | undefined) {
  return r === undefined ? null : { id: r.id, restore_timestamp: r.time, is_savepoint: r.isSavepoint, external_path: r.path };
}

/**
 * A job's restores, oldest first, from its record and events: the snapshot it started from,
 * then each restart's (a restart that started over restored nothing). `kindOf` finds a
 * snapshot's kind by its path (undefined if flink.db does not know it).
 */
export function restoresOf(job: JobRecord, events: readonly JobEventRecord[], kindOf: (path: string) => CheckpointRecord | undefined): Restore[] {
  const restores: Restore[] = [];
  const add = (path: string, id: number | undefined, time: number) => {
    const known = kindOf(path);
    restores.push({ id: id ?? known?.checkpointId ?? -1, path, time, isSavepoint: known !== undefined && isSavepointKind(known.kind) });
  };
  if (job.restoredFrom !== null) add(job.restoredFrom, undefined, job.startTime);
  for (const e of events) {
    if (e.kind === 'restart' && e.restoredPath !== null) add(e.restoredPath, e.restoredId ?? undefined, e.restoredTime ?? e.time);
  }
  return restores;
}

function num(config: JobConfigRecord, key: string, fallback: number): number {
  const v = config[key];
  return typeof v === 'number' ? v : fallback;
}

/** `GET /jobs/:jobid/checkpoints/config` (Flink's CheckpointConfigInfo), from the job's recorded configuration. */
export function checkpointConfig(job: JobRecord) {
  const c = job.config;
  const retention = String(c['execution.checkpointing.externalized-checkpoint-retention'] ?? 'RETAIN_ON_CANCELLATION');
  const interval = c['execution.checkpointing.interval'];
  return {
    mode: String(c['execution.checkpointing.mode'] ?? 'EXACTLY_ONCE').toLowerCase(),
    // Flink reports Long.MAX_VALUE for a job without periodic checkpoints.
    interval: typeof interval === 'number' ? interval : 9223372036854775807,
    timeout: num(c, 'execution.checkpointing.timeout', 600_000),
    min_pause: num(c, 'execution.checkpointing.min-pause', 0),
    max_concurrent: num(c, 'execution.checkpointing.max-concurrent-checkpoints', 1),
    externalization: {
      enabled: retention !== 'NO_EXTERNALIZED_CHECKPOINTS',
      delete_on_cancellation: retention === 'DELETE_ON_CANCELLATION',
    },
    state_backend: String(c['state.backend.type'] ?? 'hashmap'),
    checkpoint_storage: 'FileSystemCheckpointStorage',
    unaligned_checkpoints: false,
    tolerable_failed_checkpoints: num(c, 'execution.checkpointing.tolerable-failed-checkpoints', 0),
    aligned_checkpoint_timeout: 0,
    checkpoints_after_tasks_finish: true,
    state_changelog_enabled: false,
  };
}
