import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isJobId } from '../util/ids.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { METADATA_FILE, metadataPath, parseCheckpointDirName } from './paths.js';

/** How many snapshots inside a directory a message names. */
const NAMED = 5;

function hasMetadataFile(dir: string): boolean {
  try {
    return lstatSync(metadataPath(dir)).isFile();
  } catch {
    return false;
  }
}

/**
 * The snapshots directly inside `dir`: its `chk-<n>` directories (by number) or else its
 * `savepoint-*` directories, each with a `_metadata`. A user who gives a job's checkpoint
 * directory (the parent of `chk-8`) or a savepoint directory's parent meant one of these.
 */
export function snapshotsInside(dir: string): { kind: 'checkpoints' | 'savepoints'; names: string[] } | undefined {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return undefined;
  }
  const checkpoints = names
    .map((name) => ({ name, id: parseCheckpointDirName(name) }))
    .filter((c): c is { name: string; id: number } => c.id !== undefined && hasMetadataFile(join(dir, c.name)))
    .sort((a, b) => a.id - b.id)
    .map((c) => c.name);
  if (checkpoints.length > 0) return { kind: 'checkpoints', names: checkpoints };
  const savepoints = names.filter((n) => n.startsWith('savepoint-') && hasMetadataFile(join(dir, n))).sort();
  return savepoints.length > 0 ? { kind: 'savepoints', names: savepoints } : undefined;
}

/**
 * The error for a directory without `_metadata`. When it holds snapshots — a job's checkpoint
 * directory, a savepoint directory's parent — it names them and says which to give instead.
 */
export function noMetadataError(dir: string): SnapshotRestoreError {
  const inside = snapshotsInside(dir);
  if (inside === undefined) {
    return new SnapshotRestoreError(
      `Cannot restore from ${dir}: it has no ${METADATA_FILE}, so it is not a complete checkpoint or savepoint.`,
      'snapshot.noMetadata',
    );
  }
  const { kind, names } = inside;
  const newest = names.at(-1)!;
  const listed = names.length > NAMED ? `${names.slice(-NAMED).join(', ')} and ${names.length - NAMED} older` : names.join(', ');
  const jobId = basename(dir);
  const what =
    kind === 'checkpoints'
      ? `it is a job's checkpoint directory, not a checkpoint: it holds ${listed}`
      : `it is not a savepoint but holds ${names.length === 1 ? 'one' : names.length}: ${listed}`;
  const byJob = kind === 'checkpoints' && isJobId(jobId) ? `, or the job id ${jobId} for its newest checkpoint` : '';
  const give = names.length === 1 ? `Give that one: ${join(dir, newest)}` : `Give one of them, e.g. the newest: ${join(dir, newest)}`;
  return new SnapshotRestoreError(`Cannot restore from ${dir}: ${what}. ${give}${byJob}.`, 'snapshot.noMetadata');
}
