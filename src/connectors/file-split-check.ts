import { isAbsolute } from 'node:path';
import { SnapshotRestoreError } from '../util/errors.js';
import type { FileEnumeratorState } from './file-source-enumerator.js';
import type { FileSourceSplit, FileSplit } from './file-source-split.js';

/*
 * Restored FileSource state is data from disk, checked before anything is opened: a split names
 * one of the source's own paths, a file inside it (relative, no `..`), and a byte offset that is
 * a non-negative integer. A restore never reads outside the source's paths, and a malformed
 * split is refused at restore with one line instead of failing later inside a poll (where the
 * restart strategy would meet it again at every attempt).
 */

/** A relative file name that stays inside its directory ('' is the path itself, when it is a file). */
function isInsideName(name: unknown): name is string {
  return typeof name === 'string' && !name.includes('\0') && !isAbsolute(name) && !name.split(/[\\/]/).includes('..');
}

/** A byte offset: a non-negative integer. */
function isOffset(offset: unknown): offset is number {
  return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A file split of one of `dirs`. */
export function isFileSplit(x: unknown, dirs: readonly string[]): x is FileSplit {
  return isRecord(x) && typeof x.dir === 'string' && dirs.includes(x.dir) && isInsideName(x.name) && isOffset(x.offset) && !('done' in x);
}

/** A directory split (from a snapshot before the enumerator) of one of `dirs`. */
function isDirectorySplitOf(x: unknown, dirs: readonly string[]): boolean {
  if (!isRecord(x) || typeof x.dir !== 'string' || !dirs.includes(x.dir)) return false;
  const names = (v: unknown): boolean => Array.isArray(v) && v.every(isInsideName);
  const current = x.current;
  const shardOk =
    (x.shard === undefined && x.shards === undefined) ||
    (Number.isSafeInteger(x.shards) && Number.isSafeInteger(x.shard) && (x.shard as number) >= 0 && (x.shard as number) < (x.shards as number));
  return (
    names(x.done) &&
    (current === null || (isRecord(current) && isInsideName(current.name) && isOffset(current.offset))) &&
    (x.pending === undefined || names(x.pending)) &&
    shardOk
  );
}

/**
 * `splits` as a FileSource reader of `dirs` takes them (restored, or assigned by its enumerator),
 * each checked.
 * @throws SnapshotRestoreError (one line) for a split of another shape, path or offset
 */
export function checkedSplits(splits: readonly unknown[], dirs: readonly string[]): FileSourceSplit[] {
  for (const s of splits) {
    if (isFileSplit(s, dirs) || isDirectorySplitOf(s, dirs)) continue;
    refuseMovedPath(s, dirs, isDirectorySplitOf, 'connector.splitState');
    throw new SnapshotRestoreError(
      `A FileSource split in the snapshot is not one this version wrote for this source (one of its paths, a file inside it, an offset >= 0): ${clip(s)}.`,
      'connector.splitState',
    );
  }
  return splits as FileSourceSplit[];
}

/**
 * A restored enumerator state, checked for the shape this version writes (it is data from disk):
 * its pending files inside `dirs` at offset >= 0.
 * @throws SnapshotRestoreError (one line) otherwise
 */
export function checkedEnumeratorState(state: unknown, dirs: readonly string[]): FileEnumeratorState {
  const s = state as Partial<FileEnumeratorState> | null;
  const shaped =
    isRecord(s) && Array.isArray(s.pending) && typeof s.listed === 'boolean' && (s.seen === undefined || (Array.isArray(s.seen) && s.seen.every((k) => typeof k === 'string')));
  if (shaped) {
    const pending = s.pending as readonly unknown[];
    for (const f of pending) if (!isFileSplit(f, dirs)) refuseMovedPath(f, dirs, () => false, 'connector.enumeratorState');
    // No restart can mend it: the snapshot is refused, as any state that does not fit.
    if (pending.every((f) => isFileSplit(f, dirs))) return s as FileEnumeratorState;
  }
  throw new SnapshotRestoreError(
    "The FileSource's enumerator state in the snapshot is not one this version wrote for this source (pending files inside its paths at offsets >= 0, listed, seen).",
    'connector.enumeratorState',
  );
}

/** Throws the one line for a split that is well formed but of a path the source no longer reads (the job's input changed); returns otherwise. */
function refuseMovedPath(s: unknown, dirs: readonly string[], isOldSplitOf: (x: unknown, dirs: readonly string[]) => boolean, code: string): void {
  const dir = isRecord(s) ? s.dir : undefined;
  if (typeof dir !== 'string' || dirs.includes(dir) || !(isFileSplit(s, [dir]) || isOldSplitOf(s, [dir]))) return;
  throw new SnapshotRestoreError(
    `The snapshot's FileSource was reading ${dir}, which this job's source does not read (${dirs.join(', ')}). Keep that path, or give the source a new uid and restore with --allowNonRestoredState to start it afresh.`,
    code,
  );
}

/** A value for an error line: JSON, cut short. */
function clip(x: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
