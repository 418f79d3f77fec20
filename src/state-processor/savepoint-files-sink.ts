import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type OperatorMetadata,
  type SnapshotMetadata,
  SNAPSHOT_FORMAT_VERSION,
  SNAPSHOT_MAGIC,
  encodeMetadata,
  metadataPath,
  sha256,
  stateFileName,
  writeFileAtomic,
  writeFileDurable,
} from '../checkpoint/index.js';
import { BOOTSTRAP_CHECKPOINT_ID, type BootstrappedSubtaskState, type Sink, type SinkWriter } from '../graph/index.js';
import { KeyGroupRange, type OperatorStateHandle, decodeStateFile, encodeLists, encodeStateFile, recordedKeyKinds } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { newJobId } from '../util/ids.js';
import { FileTooLargeError, NotRegularFileError, fileKind, readRegularFileSync } from '../util/regular-file.js';
import { echo } from '../util/sanitize.js';
import { makeDirectoriesSync } from '../util/make-directories.js';

/** Where the new savepoint goes and what it keeps of an existing one. */
export interface SavepointPlan {
  /** The new savepoint's directory (absolute). */
  readonly path: string;
  /** Operators carried over from an existing savepoint, with its directory, and those given a new uid (old → new). */
  readonly kept: { readonly dir: string; readonly operators: readonly OperatorMetadata[]; readonly renamed?: ReadonlyMap<string, string> } | undefined;
}

/** A refusal of where a savepoint is written: one line, exit 1. */
export function existingSnapshotError(path: string): SnapshotRestoreError {
  return new SnapshotRestoreError(`${path} already holds a snapshot (a _metadata file): write the new savepoint to a directory of its own.`, 'savepoint.exists');
}

/**
 * Refuses a savepoint directory that cannot be written, before the job runs and again before it
 * publishes: one that holds a snapshot already, or a path that is (or lies under) something other
 * than a directory. Without this, the job would run to its end and then fail with Node's
 * "EEXIST: file already exists, mkdir".
 */
export function checkSavepointTarget(path: string): void {
  if (existsSync(metadataPath(path))) throw existingSnapshotError(path);
  // The path itself if it exists, else its nearest existing ancestor, must be a directory.
  for (let at = path; ; at = dirname(at)) {
    let st;
    try {
      st = statSync(at);
    } catch {
      if (dirname(at) === at) return;
      continue;
    }
    if (st.isDirectory()) return;
    const where = at === path ? `it is ${fileKind(st)}` : `${at} on its way is ${fileKind(st)}`;
    throw new SnapshotRestoreError(`Cannot write a savepoint to ${path}: ${where}, not a directory.`, 'savepoint.notADirectory');
  }
}

/**
 * The end of a savepoint-writing job (parallelism 1): collects every bootstrap subtask's state
 * file — kept in its own state, so a failover loses none — and at the end of input writes them
 * into the savepoint's directory, copies the operators kept from an existing savepoint (their
 * checksums checked), and publishes `_metadata` last and atomically: until then the directory is
 * no snapshot, so a failure on the way leaves none, never half of one.
 */
export class SavepointFilesSink implements Sink<BootstrappedSubtaskState> {
  constructor(private readonly plan: SavepointPlan) {}

  createWriter(): SinkWriter<BootstrappedSubtaskState> {
    const plan = this.plan;
    let states = new Map<string, BootstrappedSubtaskState>();
    let work: Promise<unknown> | undefined;
    const keyOf = (s: BootstrappedSubtaskState) => `${s.uid}\u0000${s.subtask}`;
    return {
      write(state) {
        // A writing job restored at another parallelism re-runs its bootstraps, whose subtasks
        // then cover other key groups: the states restored from before of that operator, of
        // the old parallelism, would overlap them (a malformed savepoint), so they go.
        for (const [key, s] of states) if (s.uid === state.uid && s.parallelism !== state.parallelism) states.delete(key);
        states.set(keyOf(state), state);
      },
      snapshotState: () => [...states.values()],
      restoreState(restored) {
        states = new Map((restored as BootstrappedSubtaskState[]).map((s) => [keyOf(s), s]));
      },
      endOfInput() {
        work = publish(plan, [...states.values()]);
      },
      pendingWork() {
        const w = work;
        work = undefined;
        return w;
      },
      close() {},
    };
  }
}

async function publish(plan: SavepointPlan, states: readonly BootstrappedSubtaskState[]): Promise<void> {
  const { path } = plan;
  checkSavepointTarget(path);
  makeDirectoriesSync(path, 0o777);
  const operators: OperatorMetadata[] = [];
  for (const op of plan.kept?.operators ?? []) {
    const uid = plan.kept!.renamed?.get(op.uid) ?? op.uid;
    const subtasks: OperatorStateHandle[] = [];
    for (const h of op.subtasks) {
      // Copied as written, after checking it is what `_metadata` says it is.
      const bytes = readKeptFile(plan.kept!.dir, op.uid, h);
      if (uid === op.uid) {
        await writeFileDurable(join(path, h.file), [bytes]);
        subtasks.push(h);
      } else {
        const file = stateFileName(uid, h.subtask);
        const written = await writeFileDurable(join(path, file), withUid(bytes, op, h, uid, plan.kept!.dir));
        subtasks.push({ ...h, uid, file, ...written });
      }
    }
    operators.push({ ...op, uid, subtasks });
  }
  const byUid = new Map<string, BootstrappedSubtaskState[]>();
  for (const s of states) byUid.set(s.uid, [...(byUid.get(s.uid) ?? []), s]);
  for (const [uid, subtaskStates] of byUid) {
    const first = subtaskStates[0]!;
    const subtasks: OperatorStateHandle[] = [];
    for (const s of [...subtaskStates].sort((a, b) => a.subtask - b.subtask)) {
      const file = stateFileName(uid, s.subtask);
      const written = await writeFileDurable(join(path, file), [s.bytes]);
      subtasks.push({
        uid,
        name: s.name,
        subtask: s.subtask,
        parallelism: s.parallelism,
        maxParallelism: s.maxParallelism,
        file,
        ...written,
        keyGroupRange: s.keyGroupRange === null ? null : [s.keyGroupRange[0], s.keyGroupRange[1]],
        stateNames: [...s.stateNames],
      });
    }
    operators.push({ uid, name: first.name, parallelism: first.parallelism, maxParallelism: first.maxParallelism, subtasks });
  }
  const metadata: SnapshotMetadata = {
    magic: SNAPSHOT_MAGIC,
    formatVersion: SNAPSHOT_FORMAT_VERSION,
    jobId: newJobId(),
    jobName: 'SavepointWriter',
    checkpointId: BOOTSTRAP_CHECKPOINT_ID,
    kind: 'SAVEPOINT',
    timestamp: Date.now(),
    operators,
  };
  await writeFileAtomic(metadataPath(path), encodeMetadata(metadata));
}

/**
 * A state file of an operator kept from the existing savepoint, checked against its `_metadata`.
 * Read up to its recorded size (not a fixed cap: a restore reads a state file of any size, so a
 * large one must be carried over too); anything else is one line naming the file.
 */
function readKeptFile(dir: string, uid: string, h: OperatorStateHandle): Buffer {
  const fail = (why: string) =>
    new SnapshotRestoreError(`Cannot copy state file ${h.file} of operator '${echo(uid)}' from ${dir}: ${why}.`, 'savepoint.keptStateDamaged');
  let bytes: Buffer;
  try {
    bytes = readRegularFileSync(join(dir, h.file), h.size);
  } catch (err) {
    if (err instanceof FileTooLargeError) throw fail(`it has ${err.size} bytes, more than the ${h.size} recorded (it was modified or damaged)`);
    if (err instanceof NotRegularFileError) throw fail(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'it is missing' : `it cannot be read (${code ?? (err as Error).message})`);
  }
  if (bytes.byteLength !== h.size || sha256(bytes) !== h.checksum) throw fail('it is damaged (size or checksum mismatch)');
  return bytes;
}

/**
 * A kept state file rewritten for operator uid `uid` (a state file names its operator, and a
 * restore checks it): its key-group blocks and lists as they are, under a new header.
 */
function withUid(bytes: Buffer, op: OperatorMetadata, h: OperatorStateHandle, uid: string, dir: string): Uint8Array[] {
  const keyGroupRange = h.keyGroupRange ? KeyGroupRange.forSubtask(op.maxParallelism, op.parallelism, h.subtask) : undefined;
  let content;
  try {
    content = decodeStateFile(bytes, { file: h.file, uid: op.uid, subtask: h.subtask, keyGroupRange });
  } catch (err) {
    throw new SnapshotRestoreError(`Cannot give state file ${h.file} of operator '${echo(op.uid)}' in ${dir} a new uid: ${(err as Error).message}.`, 'savepoint.keptStateDamaged');
  }
  if (content.legacyTimers.length > 0) {
    // Format 2 kept processing-time timers in its header, which the current format has no place for.
    throw new SnapshotRestoreError(
      `Cannot give operator '${echo(op.uid)}' in ${dir} a new uid: its state was written by an older flink-ts. Restore the job from it and take a new savepoint first.`,
      'savepoint.keptStateTooOld',
    );
  }
  const delta = content.keyGroups.some((b) => b.delta);
  return encodeStateFile({ uid, subtask: h.subtask, kinds: content.kinds, keyGroups: content.keyGroups.map((b) => [b.keyGroup, b.bytes]), delta, lists: encodeLists(content.lists), ...recordedKeyKinds(content) });
}
