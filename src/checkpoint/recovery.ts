import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileKind } from '../util/regular-file.js';
import { type CompletedCheckpoint, isSavepoint } from './completed-checkpoint.js';
import type { SnapshotKind } from './snapshot-metadata.js';
import { noMetadataError } from './no-metadata.js';
import { METADATA_FILE, metadataPath, parseCheckpointDirName } from './paths.js';
import { type LoadedSnapshot, SnapshotRestoreError, loadSnapshot, readSnapshotMetadata, snapshotDirOf } from './snapshot-loader.js';

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

/**
 * Throws unless the snapshot directory's `_metadata` is a regular file: reading a FIFO or a
 * device would block or never end, and a symlink could lead outside the snapshot.
 */
export function checkMetadataFile(dir: string): void {
  let st;
  try {
    st = lstatSync(metadataPath(dir));
  } catch {
    throw noMetadataError(dir);
  }
  if (!st.isFile()) throw new SnapshotRestoreError(`Cannot restore from ${dir}: its ${METADATA_FILE} is ${fileKind(st)}, not a regular file.`);
}

/** Loads the snapshot at `input` (a directory, its `_metadata`, or a `file:` URI), checking the file type first. */
export function loadSnapshotChecked(input: string): LoadedSnapshot {
  const dir = snapshotDirOf(input);
  checkMetadataFile(dir);
  return loadSnapshot(dir);
}

/**
 * The `chk-<n>` directories in a job's checkpoint directory that have a `_metadata`, unverified
 * (none if it does not exist); one without is an unfinished checkpoint, not a snapshot. A
 * checkpoint whose `_metadata` was published just before the job's process died may never have
 * reached flink.db, so this scan is the other witness.
 */
export function scanCheckpointDirectory(dir: string): RestoreCandidate[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: RestoreCandidate[] = [];
  for (const name of names) {
    const id = parseCheckpointDirName(name);
    if (id !== undefined && hasMetadata(join(dir, name))) found.push({ checkpointId: id, path: join(dir, name) });
  }
  return found;
}

function hasMetadata(dir: string): boolean {
  try {
    lstatSync(metadataPath(dir));
    return true;
  } catch {
    return false;
  }
}

/** Where the snapshots of a job whose process ended may be: what flink.db recorded, and its checkpoint directory. */
export interface JobSnapshots {
  readonly jobId: string;
  /** Completed checkpoints and savepoints flink.db recorded for the job. */
  readonly recorded: readonly RestoreCandidate[];
  /** The job's checkpoint directory (`<execution.checkpointing.dir>/<jobId>`). */
  readonly checkpointsDir: string;
}

/**
 * What `flink run -s <jobId>` restores: the newest snapshot of the job that can be restored —
 * recorded in flink.db or found on disk, whichever is newer — falling back to older ones when
 * the newest is deleted or damaged. A `chk-<n>` found on disk must hold that job's checkpoint n.
 * Only call this once the job's process can no longer publish or delete checkpoints.
 *
 * @throws SnapshotRestoreError `snapshot.none` if the job has no snapshot at all,
 * `checkpoint.recoveryFailed` (naming each one tried) if none can be restored
 */
export function restoreLatestOfJob(job: JobSnapshots, load: (path: string) => LoadedSnapshot = loadSnapshotChecked): RecoveredState<LoadedSnapshot> {
  const recorded = new Set(job.recorded.map((c) => c.path));
  const onDisk = scanCheckpointDirectory(job.checkpointsDir).filter((c) => !recorded.has(c.path));
  const attempt = (c: RestoreCandidate): LoadedSnapshot => {
    if (!recorded.has(c.path)) {
      checkMetadataFile(c.path);
      const m = readSnapshotMetadata(c.path);
      if (m.jobId !== job.jobId || m.checkpointId !== c.checkpointId) {
        throw new SnapshotRestoreError(`${c.path} holds checkpoint ${m.checkpointId} of job ${m.jobId}, not this job's checkpoint ${c.checkpointId}`);
      }
    }
    return load(c.path);
  };
  const restored = restoreNewest([...job.recorded, ...onDisk], attempt, `Cannot restore job ${job.jobId}: none of its checkpoints and savepoints can be restored`);
  if (!restored) throw new SnapshotRestoreError(`Job ${job.jobId} has no completed checkpoint or savepoint to restore from.`, 'snapshot.none');
  return restored;
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
