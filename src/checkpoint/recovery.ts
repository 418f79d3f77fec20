import { statSync } from 'node:fs';
import {
  type FoundCheckpoint,
  type JobSnapshot,
  type ObservedSnapshots,
  type RecordedSnapshot,
  type SnapshotVerdict,
  jobSnapshots,
  walkResult,
  walkSnapshots,
} from './checkpoint-reconciliation.js';
import { type CompletedCheckpoint, completedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import type { SnapshotKind } from './snapshot-metadata.js';
import { metadataPath } from './paths.js';
import { type SnapshotProblem, checkMetadataFile, lookAtRecorded, scanCheckpointDirectory, verdictOf } from './published-snapshots.js';
import { type LoadedSnapshot, SnapshotRestoreError, loadSnapshot, readSnapshotMetadata, snapshotDirOf, verifySnapshot } from './snapshot-loader.js';

/**
 * Recovery: choosing the snapshot a job resumes from — after a failure in its own process (the
 * retained checkpoints) or in a new process (`flink run -s <jobId>`: what flink.db recorded and
 * what is on disk) — falling back to older ones when the newest cannot be restored; and what
 * becomes of a job's checkpoints when it ends.
 */

/** A snapshot restored: which one, and the newer ones skipped because they could not be restored. */
export interface RecoveredState<T> {
  readonly checkpointId: number;
  readonly path: string;
  readonly state: T;
  /** One line per newer snapshot that could not be used: its id, path and the problem. */
  readonly skipped: readonly string[];
}

/** A snapshot that may be restored from. */
export interface RestoreCandidate {
  readonly checkpointId: number;
  readonly path: string;
  /** Named in messages (a savepoint is called one); a checkpoint if not known. */
  readonly kind?: SnapshotKind;
}

/**
 * Tries `candidates` newest first (highest checkpoint id, by number) and returns the first that
 * `attempt` restores, with one line per newer one that failed. Undefined if there are none;
 * throws `checkpoint.recoveryFailed` — `noneRestorable`, then each one tried and its problem —
 * if none can be restored.
 */
export function restoreNewest<T>(
  candidates: readonly RestoreCandidate[],
  attempt: (c: RestoreCandidate) => T,
  noneRestorable: string,
): RecoveredState<T> | undefined {
  const problems: string[] = [];
  for (const c of [...candidates].sort((a, b) => b.checkpointId - a.checkpointId)) {
    try {
      return { checkpointId: c.checkpointId, path: c.path, state: attempt(c), skipped: problems };
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
      const what = `${c.kind !== undefined && isSavepoint(c.kind) ? 'savepoint' : 'checkpoint'} ${c.checkpointId}`;
      problems.push(message.includes(c.path) ? `${what}: ${message}` : `${what} (${c.path}): ${message}`);
    }
  }
  if (problems.length === 0) return undefined;
  throw new SnapshotRestoreError(`${noneRestorable}; ${problems.join('; ')}`, 'checkpoint.recoveryFailed');
}

/**
 * The state a run after a failure starts from: the newest of the job's `retained` checkpoints
 * that `load`s and `assign`s without error — a damaged latest checkpoint must not leave the job
 * unable to restart when an older retained one is intact. Undefined if none completed yet.
 *
 * @throws SnapshotRestoreError (`checkpoint.recoveryFailed`) naming each one tried, if none can be used
 */
export function recoverFromRetained<S, T>(
  retained: readonly CompletedCheckpoint[],
  load: (path: string) => S,
  assign: (snapshot: S) => T,
): RecoveredState<T> | undefined {
  return restoreNewest(retained, (c) => assign(load(c.path)), 'Cannot recover the job: no retained checkpoint can be restored');
}

/** Loads the snapshot at `input` (a directory, its `_metadata`, or a `file:` URI), checking the file type first. */
export function loadSnapshotChecked(input: string): LoadedSnapshot {
  const dir = snapshotDirOf(input);
  checkMetadataFile(dir);
  return loadSnapshot(dir);
}

/** Where the snapshots of a job whose process ended may be: what flink.db recorded, and its checkpoint directory. */
export interface JobSnapshots {
  readonly jobId: string;
  /** Completed checkpoints and savepoints flink.db recorded for the job (not discarded). */
  readonly recorded: readonly RecordedSnapshot[];
  /** The job's checkpoint directory (`<execution.checkpointing.dir>/<jobId>`). */
  readonly checkpointsDir: string;
}

/**
 * What `flink run -s <jobId>` restores: the newest snapshot of the job that can be restored —
 * recorded in flink.db or found on disk, whichever is newer — falling back to older ones when
 * the newest is deleted or damaged. A `chk-<n>` found on disk must hold that job's checkpoint n.
 * Only call this once the job's process can no longer publish or delete checkpoints.
 *
 * @param observe given what was found on the way (before the result or the error), for flink.db to record
 * @param nextStep what the caller can do instead when the job has no snapshot at all, said after the error
 * @throws SnapshotRestoreError `snapshot.none` if the job has no snapshot at all,
 * `checkpoint.recoveryFailed` (naming each one tried) if none can be restored
 */
export function restoreLatestOfJob(
  job: JobSnapshots,
  load: (path: string) => LoadedSnapshot = loadSnapshotChecked,
  observe: (observed: ObservedSnapshots) => void = () => {},
  nextStep?: string,
): RecoveredState<LoadedSnapshot> {
  const snapshots = jobSnapshots(job.recorded, scanCheckpointDirectory(job.checkpointsDir));
  const { found, refused } = readFoundCheckpoints(job.jobId, snapshots);
  let restored: LoadedSnapshot | undefined;
  const verdicts = walkSnapshots(snapshots, 'snapshot', (s) =>
    judged(s, refused, (path) => {
      restored = load(path);
    }),
  );
  const chosen = walkResult(snapshots, verdicts, 'snapshot');
  const skipped = snapshots.flatMap((s) => {
    const v = verdicts.get(s.path);
    if (v === undefined || v.status === 'usable') return [];
    const what = `${s.savepoint ? 'savepoint' : 'checkpoint'} ${s.checkpointId}`;
    return [v.problem.includes(s.path) ? `${what}: ${v.problem}` : `${what} (${s.path}): ${v.problem}`];
  });
  observe({ snapshots, found, verdicts });
  if (snapshots.length === 0) {
    const none = `Job ${job.jobId} has no completed checkpoint or savepoint to restore from`;
    throw new SnapshotRestoreError(nextStep === undefined ? `${none}.` : `${none}; ${nextStep}.`, 'snapshot.none');
  }
  if (!chosen || restored === undefined) {
    throw new SnapshotRestoreError(`Cannot restore job ${job.jobId}: none of its checkpoints and savepoints can be restored; ${skipped.join('; ')}`, 'checkpoint.recoveryFailed');
  }
  return { checkpointId: chosen.checkpointId, path: chosen.path, state: restored, skipped };
}

/**
 * The snapshot a listing names as the job's latest checkpoint, read as little as it takes: a
 * recorded one is taken as the coordinator recorded it (its `_metadata` must still be there,
 * and no earlier read found it damaged), one found on disk only once every state file checks
 * out — nobody vouched for it. `flink run -s <jobId>` reads every one it tries in full, and what
 * it finds is recorded, so the listing follows.
 */
export function surveyLatestOfJob(jobId: string, snapshots: readonly JobSnapshot[]): ObservedSnapshots {
  const { found, refused } = readFoundCheckpoints(jobId, snapshots);
  const verdicts = walkSnapshots(snapshots, 'checkpoint', (s) => (s.recorded ? lookAtRecorded(s) : judged(s, refused, verifySnapshot)));
  return { snapshots, found, verdicts };
}

/** Reads a snapshot with `read`, unless its `_metadata` already showed it is not one of this job's (see {@link readFoundCheckpoints}). */
function judged(s: JobSnapshot, refused: ReadonlyMap<string, SnapshotProblem>, read: (path: string) => unknown): SnapshotVerdict {
  const known = refused.get(s.path);
  if (known !== undefined) return known;
  try {
    read(s.path);
    return { status: 'usable' };
  } catch (err) {
    return verdictOf(err);
  }
}

/**
 * The `_metadata` of each snapshot found on disk that flink.db did not record: `found`, as a
 * checkpoint to record; `refused`, why it is not one of this job's (another job's, another
 * checkpoint's, invalid) or is gone.
 */
function readFoundCheckpoints(jobId: string, snapshots: readonly JobSnapshot[]): { found: Map<string, FoundCheckpoint>; refused: Map<string, SnapshotProblem> } {
  const found = new Map<string, FoundCheckpoint>();
  const refused = new Map<string, SnapshotProblem>();
  for (const s of snapshots) {
    if (s.recorded) continue;
    try {
      checkMetadataFile(s.path);
      const m = readSnapshotMetadata(s.path);
      if (m.jobId !== jobId || m.checkpointId !== s.checkpointId) {
        refused.set(s.path, { status: 'foreign', problem: `${s.path} holds checkpoint ${m.checkpointId} of job ${m.jobId}, not this job's checkpoint ${s.checkpointId}` });
        continue;
      }
      const c = completedCheckpoint(m, { path: s.path, triggerTime: m.timestamp, completedAt: Math.round(statSync(metadataPath(s.path)).mtimeMs) });
      found.set(s.path, { checkpointId: c.checkpointId, path: c.path, kind: c.kind, triggerTime: c.triggerTime, completedAt: c.completedAt, stateSize: c.stateSize, checkpointedSize: c.checkpointedSize });
    } catch (err) {
      const v = verdictOf(err);
      refused.set(s.path, v.status === 'gone' ? v : { status: 'foreign', problem: v.problem });
    }
  }
  return { found, refused };
}

/** How a job ended, for what happens to its checkpoints. */
export type JobOutcome = 'FINISHED' | 'CANCELED' | 'FAILED';

/** `execution.checkpointing.externalized-checkpoint-retention`. */
export type CheckpointRetentionPolicy = 'RETAIN_ON_CANCELLATION' | 'DELETE_ON_CANCELLATION' | 'NO_EXTERNALIZED_CHECKPOINTS';

/**
 * Whether a job's retained checkpoints are deleted when it ends (Flink's externalized checkpoint
 * retention). Those of a failed job are always kept: they are what it is recovered from.
 */
export function discardsCheckpointsOnEnd(outcome: JobOutcome, retention: CheckpointRetentionPolicy): boolean {
  if (outcome === 'CANCELED') return retention !== 'RETAIN_ON_CANCELLATION';
  if (outcome === 'FINISHED') return retention === 'NO_EXTERNALIZED_CHECKPOINTS';
  return false;
}
