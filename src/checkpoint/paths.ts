import { createHash, randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Every path of a snapshot, in one place (Flink's layout):
 *   <checkpointing.dir>/<jobId>/chk-<n>/_metadata + state files
 *   <checkpointing.dir>/<jobId>/shared/
 *   <savepoint-dir>/savepoint-<first 6 of jobId>-<12 hex>/_metadata + state files
 */
export const METADATA_FILE = '_metadata';

/** The directory of one job's checkpoints. */
export function jobCheckpointsDir(baseDir: string, jobId: string): string {
  return join(baseDir, jobId);
}

/** The directory of checkpoint `n` of a job. */
export function checkpointDir(baseDir: string, jobId: string, checkpointId: number): string {
  return join(jobCheckpointsDir(baseDir, jobId), `chk-${checkpointId}`);
}

/** The name of the directory, next to a job's `chk-<n>` directories, of files incremental checkpoints share. */
const SHARED_DIR = 'shared';

/** Files shared between incremental checkpoints of a job. */
export function sharedStateDir(baseDir: string, jobId: string): string {
  return join(jobCheckpointsDir(baseDir, jobId), SHARED_DIR);
}

/** Where a shared file named in the `_metadata` of checkpoint directory `snapshotDir` lives. */
export function sharedFilePath(snapshotDir: string, file: string): string {
  return join(dirname(snapshotDir), SHARED_DIR, file);
}

/** The file name of an operator subtask's state: derived from the uid, never taken from data. */
export function stateFileName(uid: string, subtask: number): string {
  return `op-${uidHash(uid)}-${subtask}.state`;
}

/** The name of an incremental keyed snapshot's file in `shared/`: unique per checkpoint and subtask. */
export function sharedStateFileName(uid: string, subtask: number, checkpointId: number, form: 'full' | 'delta'): string {
  return `op-${uidHash(uid)}-${subtask}-chk${checkpointId}-${randomBytes(4).toString('hex')}.${form}`;
}

function uidHash(uid: string): string {
  return createHash('sha256').update(uid).digest('hex').slice(0, 20);
}

/** A new savepoint directory under `baseDir`. */
export function newSavepointDir(baseDir: string, jobId: string): string {
  return join(baseDir, `savepoint-${jobId.slice(0, 6)}-${randomBytes(6).toString('hex')}`);
}

/** The `_metadata` file of a snapshot directory. */
export function metadataPath(snapshotDir: string): string {
  return join(snapshotDir, METADATA_FILE);
}

/** A hidden temporary name next to `path`, for write-then-rename. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${randomBytes(4).toString('hex')}`);
}

/** A state file name from `_metadata` is safe only if it names a file directly inside the snapshot. */
export function isSafeFileName(name: unknown): name is string {
  return typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name) && name !== METADATA_FILE;
}

/** The checkpoint id of a `chk-<n>` directory name, or undefined. */
export function parseCheckpointDirName(name: string): number | undefined {
  const m = /^chk-(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
