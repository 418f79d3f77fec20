import { type Stats, lstatSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KeyGroupRange, type OperatorStateHandle, type StateFileContent, type StateFileSource, decodeStateFile, recordedKeyKindsOfFiles } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { localPathOf } from '../util/file-uri.js';
import { FileTooLargeError, NotRegularFileError, fileKind, readRegularFileSync, whyUnreachable } from '../util/regular-file.js';
import { sha256 } from './atomic-write.js';
import { noMetadataError } from './no-metadata.js';
import { METADATA_FILE, metadataPath, sharedFilePath } from './paths.js';
import { InvalidMetadataError, type OperatorMetadata, type SnapshotMetadata, decodeMetadata } from './snapshot-metadata.js';
import { echo } from '../util/sanitize.js';

export { SnapshotRestoreError };

/** A verified snapshot with every state file read and decoded. */
export interface LoadedSnapshot {
  /** The snapshot directory (absolute). */
  readonly dir: string;
  readonly metadata: SnapshotMetadata;
  /** State files by `<uid>` and subtask. */
  readonly files: ReadonlyMap<string, ReadonlyMap<number, StateFileContent>>;
}

/** The snapshot directory for what a user passed to `-s`: a directory, its `_metadata`, or a `file:` URI of either. */
export function snapshotDirOf(input: string): string {
  const path = localPathOf(input);
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw new SnapshotRestoreError(`Cannot restore from ${echo(path)}: ${whyUnreachable(err)}.`, 'snapshot.notFound');
  }
  if (st.isDirectory()) return path;
  if (path.endsWith(`/${METADATA_FILE}`)) return path.slice(0, -METADATA_FILE.length - 1);
  throw new SnapshotRestoreError(`Cannot restore from ${echo(path)}: give a checkpoint or savepoint directory or its ${METADATA_FILE} file.`);
}

/** A state file read and decoded, or what is wrong with it (`is damaged (checksum mismatch)`, …). */
export type StateFileRead = { readonly content: StateFileContent; readonly problem?: undefined } | { readonly problem: string };

/** Reads one state file named by `_metadata`, checking it is a regular file of the recorded size and checksum. */
function readStateFile(path: string, h: { readonly size: number; readonly checksum: string }, expected: StateFileSource): StateFileRead {
  let stat: Stats;
  let bytes: Buffer;
  try {
    stat = lstatSync(path);
  } catch (err) {
    return { problem: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing (no such file in the snapshot directory)' : `cannot be read (${whyUnreachable(err)})` };
  }
  // A symbolic link is not followed: what a snapshot restores stays inside its directory.
  if (!stat.isFile()) return { problem: fileKind(stat) === NOT_REGULAR ? `is ${NOT_REGULAR}` : `is ${fileKind(stat)}, ${NOT_REGULAR}` };
  // The size first: a file far larger than recorded is not read into memory to find that out.
  if (stat.size !== h.size) return { problem: sizeProblem(stat.size, h.size) };
  try {
    bytes = readFileSync(path);
  } catch (err) {
    return { problem: `cannot be read (${whyUnreachable(err)})` };
  }
  if (bytes.byteLength !== h.size) return { problem: sizeProblem(bytes.byteLength, h.size) };
  if (sha256(bytes) !== h.checksum) return { problem: 'is damaged (checksum mismatch)' };
  try {
    return { content: decodeStateFile(bytes, expected) };
  } catch (err) {
    return { problem: `cannot be read: ${(err as Error).message}` };
  }
}

const NOT_REGULAR = 'not a regular file';

function sizeProblem(actual: number, recorded: number): string {
  return actual < recorded ? `has ${actual} bytes, expected ${recorded} (truncated?)` : `has ${actual} bytes, more than the ${recorded} recorded (it was modified or damaged)`;
}

/**
 * One subtask's state as a snapshot recorded it: its own state file and, for an incremental
 * checkpoint, its chain in `shared/` (base first, applied in order). A problem names the file.
 */
export function readSubtaskState(dir: string, op: OperatorMetadata, h: OperatorStateHandle): StateFileRead {
  const keyGroupRange = keyGroupRangeOf(dir, op, h);
  const source = (file: string): StateFileSource => ({ file, uid: op.uid, subtask: h.subtask, keyGroupRange });
  const own = readStateFile(join(dir, h.file), h, source(h.file));
  if (own.problem !== undefined) return { problem: `state file ${h.file} of operator '${op.uid}' ${own.problem}` };
  const chain: StateFileContent[] = [];
  for (const ref of h.sharedState ?? []) {
    const r = readStateFile(sharedFilePath(dir, ref.file), ref, source(ref.file));
    if (r.problem !== undefined) return { problem: `shared state file ${ref.file} of operator '${op.uid}' ${r.problem}` };
    // A chain is a full base, then deltas (incremental-snapshots.ts): a base further on would
    // silently roll back every delta before it, a delta first would apply to nothing.
    const base = chain.length === 0;
    if (r.content.keyGroups.some((b) => b.delta === base)) {
      return { problem: `shared state file ${ref.file} of operator '${op.uid}' is ${base ? 'a delta where its chain starts with a full base' : 'a full base after the start of its chain'} (its _metadata was modified or damaged)` };
    }
    chain.push(r.content);
  }
  if (chain.length === 0) return { content: own.content };
  const { keyKinds: _, userKeyKinds: __, ...ownContent } = own.content;
  const recorded = recordedKeyKindsOfFiles([own.content, ...chain]);
  return { content: { ...ownContent, keyGroups: [...own.content.keyGroups, ...chain.flatMap((c) => c.keyGroups)], ...recorded } };
}

/**
 * The code of a refusal because a state file that `_metadata` names is damaged, missing or not
 * what it records (the snapshot itself is damaged; another snapshot of the job may not be).
 */
export const DAMAGED_STATE_FILE = 'snapshot.damagedStateFile';

/** Far above the `_metadata` of any real job; a larger file is not one of ours. */
const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/** Reads `_metadata` and validates it, without touching state files (for inspection). */
export function readSnapshotMetadata(dir: string): SnapshotMetadata {
  const file = metadataPath(dir);
  let bytes: Buffer;
  try {
    // Not through a symbolic link: what restore, info and the State Processor API read stays
    // inside the snapshot directory, as its state files do (run -s refused one already; info and
    // SavepointReader read what it pointed to).
    bytes = readRegularFileSync(file, MAX_METADATA_BYTES, { noFollow: true });
  } catch (err) {
    // A FIFO would block a plain read forever; a device would never end.
    if (err instanceof NotRegularFileError || err instanceof FileTooLargeError) {
      throw new SnapshotRestoreError(`Cannot restore from ${dir}: its ${METADATA_FILE} cannot be used: ${err.message}.`);
    }
    throw noMetadataError(dir);
  }
  try {
    return decodeMetadata(bytes);
  } catch (err) {
    if (err instanceof InvalidMetadataError) throw new SnapshotRestoreError(`Cannot restore from ${dir}: its ${METADATA_FILE} is invalid: ${err.message}.`);
    throw err;
  }
}

/**
 * Loads a snapshot for restore: validates `_metadata`, then reads every state file it names —
 * only regular files directly inside the snapshot directory — and checks size and checksum
 * before decoding. Nothing is restored unless everything checks out.
 */
export function loadSnapshot(input: string): LoadedSnapshot {
  const dir = snapshotDirOf(input);
  const metadata = readSnapshotMetadata(dir);
  const files = new Map<string, Map<number, StateFileContent>>(metadata.operators.map((op) => [op.uid, new Map()]));
  readEveryStateFile(dir, metadata, (op, h, content) => files.get(op.uid)!.set(h.subtask, content));
  return { dir, metadata, files };
}

/**
 * Checks a snapshot as {@link loadSnapshot} does — every state file read, its size and checksum
 * checked, and decoded — keeping nothing: whether it can be restored, at the memory cost of one
 * state file.
 *
 * @throws SnapshotRestoreError naming the first problem
 */
export function verifySnapshot(input: string): SnapshotMetadata {
  const dir = snapshotDirOf(input);
  const metadata = readSnapshotMetadata(dir);
  readEveryStateFile(dir, metadata, () => {});
  return metadata;
}

function readEveryStateFile(dir: string, metadata: SnapshotMetadata, use: (op: OperatorMetadata, h: OperatorStateHandle, content: StateFileContent) => void): void {
  for (const op of metadata.operators) {
    for (const h of op.subtasks) {
      const r = readSubtaskState(dir, op, h);
      if (r.problem !== undefined) throw new SnapshotRestoreError(`Cannot restore from ${dir}: ${r.problem}.`, DAMAGED_STATE_FILE);
      use(op, h, r.content);
    }
  }
}

/**
 * The key groups a keyed subtask owned: those its operator's parallelism and max parallelism
 * give it (the same function routes records). A handle recording another range is refused.
 */
function keyGroupRangeOf(dir: string, op: OperatorMetadata, h: OperatorStateHandle): KeyGroupRange | undefined {
  if (h.keyGroupRange === null || h.keyGroupRange === undefined) return undefined;
  const range = KeyGroupRange.forSubtask(op.maxParallelism, op.parallelism, h.subtask);
  const recorded: unknown = h.keyGroupRange;
  if (!Array.isArray(recorded) || recorded[0] !== range.start || recorded[1] !== range.end) {
    throw new SnapshotRestoreError(
      `Cannot restore from ${dir}: subtask ${h.subtask} of operator '${op.uid}' records key groups ${Array.isArray(recorded) ? `${String(recorded[0])}-${String(recorded[1])}` : 'in a malformed entry'}, ` +
        `but subtask ${h.subtask} of ${op.parallelism} owns ${range.start}-${range.end} of ${op.maxParallelism}; its _metadata is damaged.`,
    );
  }
  return range;
}
