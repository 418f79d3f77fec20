import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, realpathSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StateFileRef } from '../state/index.js';
import { FlinkError } from '../util/errors.js';
import { isFileUri } from '../util/file-uri.js';
import { echo } from '../util/sanitize.js';
import { isSavepoint } from './completed-checkpoint.js';
import { METADATA_FILE, metadataPath } from './paths.js';
import { readSnapshotMetadata, snapshotDirOf } from './snapshot-loader.js';
import type { SnapshotMetadata } from './snapshot-metadata.js';

/**
 * Disposing of a savepoint (`flink savepoint -d`). A savepoint is whatever its `_metadata` names,
 * not the directory it sits in: the directory may have been copied into, or be a place the user
 * keeps other files. So exactly the files `_metadata` names are deleted — `_metadata` first, so
 * an interrupted disposal never leaves something that looks restorable — each only if it is the
 * file the savepoint recorded (a regular file of its size and checksum: a `_metadata` written or
 * copied by someone else could name a file of the user's), and the directory only if nothing
 * else is left in it.
 */

/** What a disposal deletes: absolute paths, in order. */
export interface DisposalPlan {
  /** The savepoint directory, every symbolic link on the way resolved. */
  readonly dir: string;
  readonly files: readonly string[];
}

/** The files of the savepoint in `dir` described by `metadata`: `_metadata`, then each state file once. */
export function planDisposal(dir: string, metadata: SnapshotMetadata): DisposalPlan {
  const names = new Set<string>();
  for (const op of metadata.operators) for (const h of op.subtasks) names.add(h.file);
  return { dir, files: [metadataPath(dir), ...[...names].sort().map((name) => join(dir, name))] };
}

/** What a disposal did. */
export interface DisposalResult {
  readonly dir: string;
  /** The directory as the user named it, made absolute (before symbolic links were resolved). */
  readonly givenDir: string;
  /** Files deleted, `_metadata` included. */
  readonly deleted: number;
  /** State files that could not be deleted (e.g. a directory in a state file's place) or were kept as not the savepoint's, with why. */
  readonly failed: readonly string[];
  /** Entries left in the directory (not part of the savepoint), so the directory was kept. */
  readonly leftInDir: number;
}

function refuse(input: string, reason: string): FlinkError {
  return new FlinkError('savepoint.notSavepoint', `Refusing to dispose ${echo(input)}: ${reason}.`);
}

/**
 * The savepoint's directory for what the user gave (a directory, its `_metadata`, a `file:` URI
 * of either, possibly through symbolic links), and its validated metadata.
 *
 * @throws FlinkError `savepoint.notSavepoint` for anything that is not a valid savepoint
 */
function locate(input: string): { dir: string; givenDir: string; metadata: SnapshotMetadata } {
  const shown = isFileUri(input) ? input : resolve(input);
  let givenDir: string;
  let dir: string;
  let metadata: SnapshotMetadata;
  try {
    givenDir = snapshotDirOf(input);
    dir = realpathSync(givenDir);
    // A `_metadata` that is itself a link would make another directory's files look like ours.
    const meta = metadataPath(dir);
    if (lstatSync(meta, { throwIfNoEntry: false })?.isSymbolicLink()) {
      throw refuse(shown, `its ${METADATA_FILE} is a symbolic link; dispose of the savepoint it points to (${echo(realpathSync(meta))})`);
    }
    metadata = readSnapshotMetadata(dir);
  } catch (err) {
    if (err instanceof FlinkError && err.code === 'savepoint.notSavepoint') throw err;
    if (err instanceof FlinkError && err.code === 'path.invalidUri') throw err;
    const reason = err instanceof Error ? err.message.replace(/^Cannot restore from [^:]*: /, '').replace(/\.$/, '') : String(err);
    throw refuse(shown, `it is not a valid savepoint (${reason})`);
  }
  if (!isSavepoint(metadata.kind)) {
    throw refuse(dir, `it is a ${metadata.kind.toLowerCase().replace('_', ' ')}, not a savepoint`);
  }
  return { dir, givenDir, metadata };
}

/**
 * Deletes the savepoint at `input`: the files its `_metadata` names, `_metadata` first, then the
 * directory if it is empty. Symbolic links are followed to the real directory (the links
 * themselves are left). Once `_metadata` is gone the savepoint counts as disposed; state files
 * that could not be deleted after it are reported in `failed`.
 *
 * @throws FlinkError `savepoint.notSavepoint` (nothing deleted) unless `input` is a valid savepoint,
 *   `savepoint.disposeFailed` (nothing deleted) if its `_metadata` cannot be deleted
 */
export async function disposeSavepoint(input: string): Promise<DisposalResult> {
  const { dir, givenDir, metadata } = locate(input);
  const [metadataFile, ...stateFiles] = planDisposal(dir, metadata).files;
  const recorded = new Map<string, StateFileRef>(metadata.operators.flatMap((op) => op.subtasks.map((h) => [join(dir, h.file), h] as const)));
  try {
    await fsp.unlink(metadataFile!);
  } catch (err) {
    // Nothing else is touched: the savepoint stays whole and restorable.
    throw new FlinkError('savepoint.disposeFailed', `Cannot dispose ${echo(dir)}: its ${METADATA_FILE} cannot be deleted (${errorCode(err)}).`);
  }
  let deleted = 1;
  const failed: string[] = [];
  for (const file of stateFiles) {
    try {
      const why = await notAsRecorded(file, recorded.get(file)!);
      if (why !== undefined) {
        failed.push(`${file} (kept: ${why})`);
        continue;
      }
      await fsp.unlink(file);
      deleted++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') failed.push(`${file} (${errorCode(err)})`);
    }
  }
  let leftInDir = 0;
  try {
    await fsp.rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') leftInDir = (await fsp.readdir(dir)).length;
    else if (code !== 'ENOENT') failed.push(`${dir} (${errorCode(err)})`);
  }
  return { dir, givenDir, deleted, failed, leftInDir };
}

/** Why `file` is not the state file `ref` records (so it is kept), or undefined if it is (or is gone already: the unlink says so). */
async function notAsRecorded(file: string, ref: StateFileRef): Promise<string | undefined> {
  const st = await fsp.lstat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (st === undefined) return undefined;
  if (!st.isFile()) return 'not a regular file';
  if (st.size !== ref.size) return `${st.size} bytes, where the savepoint recorded ${ref.size}`;
  if ((await sha256OfFile(file)) !== ref.checksum) return 'its content is not what the savepoint recorded (checksum)';
  return undefined;
}

/** The hex sha256 of a file's content, read as a stream (state files can be large). */
async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}
