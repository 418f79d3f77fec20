import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SnapshotRestoreError } from '../util/errors.js';
import type { JobSnapshot, SnapshotVerdict } from './checkpoint-reconciliation.js';
import { fileKind } from '../util/regular-file.js';
import { noMetadataError } from './no-metadata.js';
import { METADATA_FILE, metadataPath, parseCheckpointDirName } from './paths.js';

/**
 * What a look at the file system (no state file read) says of published snapshots: a job's
 * `chk-<n>` directories and whether a snapshot's `_metadata` is there. Kept apart from the
 * loader so that `flink list` can look without loading the engine.
 */

/** A snapshot directory and the checkpoint id it holds (by its name, for one found on disk). */
export interface PublishedSnapshot {
  readonly checkpointId: number;
  readonly path: string;
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

/** True if `dir` has a `_metadata` entry at all (of any type): a published snapshot, or the remains of one. */
export function hasMetadata(dir: string): boolean {
  try {
    lstatSync(metadataPath(dir));
    return true;
  } catch {
    return false;
  }
}

/**
 * The `chk-<n>` directories in a job's checkpoint directory that have a `_metadata`, unverified
 * (none if it does not exist); one without is an unfinished checkpoint, not a snapshot. A
 * checkpoint whose `_metadata` was published just before the job's process died may never have
 * reached flink.db, so this scan is the other witness.
 */
export function scanCheckpointDirectory(dir: string): PublishedSnapshot[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: PublishedSnapshot[] = [];
  for (const name of names) {
    const id = parseCheckpointDirName(name);
    if (id !== undefined && hasMetadata(join(dir, name))) found.push({ checkpointId: id, path: join(dir, name) });
  }
  return found;
}

/** What keeps a snapshot from being restored. */
export type SnapshotProblem = Exclude<SnapshotVerdict, { readonly status: 'usable' }>;

/** The verdict for an error reading a snapshot: gone if its `_metadata` is not there, damaged otherwise. */
export function verdictOf(err: unknown): SnapshotProblem {
  const problem = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ');
  const code = err instanceof SnapshotRestoreError ? err.code : undefined;
  return code === 'snapshot.noMetadata' || code === 'snapshot.notFound' ? { status: 'gone', problem } : { status: 'damaged', problem };
}

/**
 * A recorded snapshot, without reading its state: known damaged (an earlier read found it),
 * gone (its `_metadata` is not there), or taken as its job's coordinator recorded it.
 */
export function lookAtRecorded(s: JobSnapshot): SnapshotVerdict {
  if (s.restoreProblem !== null) return { status: 'damaged', problem: s.restoreProblem };
  try {
    checkMetadataFile(s.path);
    return { status: 'usable' };
  } catch (err) {
    return verdictOf(err);
  }
}
