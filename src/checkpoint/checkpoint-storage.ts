import * as fsp from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CheckpointStorageWorker, StateFileOwner, StateFileRef } from '../state/index.js';
import { makeDirectories } from '../util/make-directories.js';
import { type WriteSteps, nodeWriteSteps, writeFileAtomic, writeFileDurable } from './atomic-write.js';
import type { CompletedCheckpoint } from './completed-checkpoint.js';
import { checkpointDir, jobCheckpointsDir, metadataPath, newSavepointDir, sharedStateDir, sharedStateFileName, stateFileName } from './paths.js';
import { planDisposal } from './savepoint-disposal.js';
import { type SnapshotMetadata, encodeMetadata } from './snapshot-metadata.js';

/**
 * Where a job's snapshots go (Flink's CheckpointStorage on a file system): the coordinator's
 * view creates a snapshot's directory, publishes `_metadata` last and atomically, and deletes;
 * the tasks' view writes state files into it. A directory without a valid `_metadata` is not a
 * snapshot, so a crash at any moment before the final rename leaves no snapshot, never half a
 * one; a deletion removes `_metadata` first, so it never leaves half a snapshot either. Every
 * write and delete goes through the injectable steps, and none blocks the event loop (a
 * user-given directory may hang, e.g. under /proc or on a dead network mount).
 */
export class FsCheckpointStorage implements CheckpointStorageWorker {
  private readonly locations = new Map<number, string>();
  /** State files being written, per checkpoint: a discard waits for them before deleting. */
  private readonly writing = new Map<number, Set<Promise<unknown>>>();
  /** Files of `shared/` written for checkpoints not yet published: deleted if they are discarded. */
  private readonly sharedWritten = new Map<number, string[]>();
  /** The job's `shared/` directory (incremental checkpoints). */
  readonly sharedDir: string;

  constructor(
    /** `execution.checkpointing.dir` */
    readonly baseDir: string,
    readonly jobId: string,
    private readonly steps: WriteSteps = nodeWriteSteps,
  ) {
    this.sharedDir = sharedStateDir(baseDir, jobId);
  }

  /**
   * Creates the directory of checkpoint `checkpointId` — `chk-<n>` under the job's directory, or
   * a new `savepoint-…` directory under `savepointBaseDir` — and returns it.
   */
  async initializeLocation(checkpointId: number, savepointBaseDir?: string): Promise<string> {
    const dir = savepointBaseDir ? newSavepointDir(savepointBaseDir, this.jobId) : checkpointDir(this.baseDir, this.jobId, checkpointId);
    await makeDirectories(dirname(dir));
    await fsp.mkdir(dir, { mode: 0o700 });
    this.locations.set(checkpointId, dir);
    return dir;
  }

  /** In a worker thread: checkpoint `checkpointId`'s state files go into `dir`, which the coordinator created. */
  adoptLocation(checkpointId: number, dir: string): void {
    this.locations.set(checkpointId, dir);
  }

  /** In a worker thread: checkpoint `checkpointId` ended; the coordinator's storage publishes or deletes it. */
  forgetLocation(checkpointId: number): void {
    this.locations.delete(checkpointId);
    this.sharedWritten.delete(checkpointId);
  }

  location(checkpointId: number): string | undefined {
    return this.locations.get(checkpointId);
  }

  async writeStateFile(checkpointId: number, owner: StateFileOwner, chunks: readonly Uint8Array[]): Promise<StateFileRef> {
    const dir = this.locations.get(checkpointId);
    if (!dir) throw new Error(`checkpoint ${checkpointId} has no storage location (aborted?)`);
    const file = stateFileName(owner.uid, owner.subtask);
    return { file, ...(await this.track(checkpointId, writeFileDurable(join(dir, file), chunks, this.steps))) };
  }

  async writeSharedStateFile(checkpointId: number, owner: StateFileOwner, form: 'full' | 'delta', chunks: readonly Uint8Array[]): Promise<StateFileRef> {
    if (!this.locations.has(checkpointId)) throw new Error(`checkpoint ${checkpointId} has no storage location (aborted?)`);
    const file = sharedStateFileName(owner.uid, owner.subtask, checkpointId, form);
    const path = join(this.sharedDir, file);
    let list = this.sharedWritten.get(checkpointId);
    if (!list) this.sharedWritten.set(checkpointId, (list = []));
    list.push(path);
    const write = makeDirectories(this.sharedDir).then(() => writeFileDurable(path, chunks, this.steps));
    return { file, ...(await this.track(checkpointId, write)) };
  }

  private async track<T>(checkpointId: number, write: Promise<T>): Promise<T> {
    let set = this.writing.get(checkpointId);
    if (!set) this.writing.set(checkpointId, (set = new Set()));
    set.add(write);
    try {
      return await write;
    } finally {
      set.delete(write);
      if (set.size === 0) this.writing.delete(checkpointId);
    }
  }

  /** Publishes the snapshot: state files durable, then `_metadata` written atomically. */
  async finalize(checkpointId: number, metadata: SnapshotMetadata): Promise<string> {
    const dir = this.locations.get(checkpointId);
    if (!dir) throw new Error(`checkpoint ${checkpointId} has no storage location (aborted?)`);
    await this.steps.syncDir(dir);
    if (this.sharedWritten.has(checkpointId)) await this.steps.syncDir(this.sharedDir);
    await writeFileAtomic(metadataPath(dir), encodeMetadata(metadata), this.steps);
    await this.steps.syncDir(dirname(dir));
    this.locations.delete(checkpointId);
    return dir;
  }

  /**
   * A published checkpoint now belongs to the retained checkpoints: from here on their
   * references decide when its shared files go (CompletedCheckpointStore).
   */
  released(checkpointId: number): void {
    this.sharedWritten.delete(checkpointId);
  }

  /** Deletes a checkpoint published but aborted meanwhile (its `_metadata` was being written), with its shared files. */
  async discardPublished(checkpointId: number, dir: string): Promise<void> {
    const shared = this.sharedWritten.get(checkpointId) ?? [];
    this.sharedWritten.delete(checkpointId);
    await this.discardDirectory(dir);
    await Promise.all(shared.map((p) => this.steps.remove(p)));
  }

  /**
   * Deletes an unfinished checkpoint's directory — after the state files still being written to
   * it are done, so none lands in a directory already deleted (which would leave it behind).
   */
  async discard(checkpointId: number): Promise<void> {
    const dir = this.locations.get(checkpointId);
    this.locations.delete(checkpointId);
    await Promise.allSettled([...(this.writing.get(checkpointId) ?? [])]);
    const shared = this.sharedWritten.get(checkpointId) ?? [];
    this.sharedWritten.delete(checkpointId);
    await Promise.all(shared.map((p) => this.steps.remove(p)));
    if (dir) await this.discardDirectory(dir);
  }

  /**
   * Deletes a completed checkpoint (retention); its shared files are the store's to decide. A
   * directory of this job's own checkpoints holds nothing else and goes whole. Any other — a
   * snapshot claimed on restore (`--claim-mode claim`), which may be a directory the user keeps
   * other files in — loses only what its `_metadata` names, and is removed only if that leaves
   * it empty, as `flink savepoint -d` does (Flink deletes a claimed snapshot's directory
   * non-recursively for the same reason).
   */
  discardCompleted(checkpoint: CompletedCheckpoint): Promise<void> {
    if (isWithin(checkpoint.path, jobCheckpointsDir(this.baseDir, this.jobId))) return this.discardDirectory(checkpoint.path);
    return discardSnapshotFiles(checkpoint.path, checkpoint.metadata, this.steps);
  }

  /** Deletes a file of `shared/` that no checkpoint needs any more. */
  deleteSharedFile(path: string): Promise<void> {
    return this.steps.remove(path);
  }

  private discardDirectory(dir: string): Promise<void> {
    return discardDirectory(dir, this.steps);
  }
}

/**
 * Deletes a snapshot directory: `_metadata` first, durably, so that an interrupted delete leaves
 * a directory that is visibly not a snapshot rather than one with files missing. A directory
 * already gone is fine.
 */
export async function discardDirectory(dir: string, steps: WriteSteps = nodeWriteSteps): Promise<void> {
  await removeMetadataDurably(dir, steps);
  await steps.removeDir(dir);
}

/**
 * Deletes the files of the snapshot in `dir` that `metadata` names (as `flink savepoint -d`
 * plans them), `_metadata` first and durably as {@link discardDirectory} does, then `dir` itself
 * if nothing else is left in it.
 */
export async function discardSnapshotFiles(dir: string, metadata: SnapshotMetadata, steps: WriteSteps = nodeWriteSteps): Promise<void> {
  if (!(await removeMetadataDurably(dir, steps))) return;
  const [, ...stateFiles] = planDisposal(dir, metadata).files;
  for (const file of stateFiles) await steps.remove(file);
  try {
    await fsp.rmdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOENT') throw err;
  }
}

/** Removes `dir`'s `_metadata` and syncs `dir`; false if `dir` is gone. */
async function removeMetadataDurably(dir: string, steps: WriteSteps): Promise<boolean> {
  await steps.remove(metadataPath(dir));
  try {
    await steps.syncDir(dir);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return false;
  }
}

/** True if `path` is `dir` or inside it (both absolute). */
function isWithin(path: string, dir: string): boolean {
  const r = relative(resolve(dir), resolve(path));
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}
