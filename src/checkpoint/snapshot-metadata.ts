import { type OperatorStateHandle, UPPER_BOUND_MAX_PARALLELISM } from '../state/index.js';
import { sha256 } from './atomic-write.js';
import { isSafeFileName } from './paths.js';

/** Marks a `_metadata` file as ours; anything else is "from another tool". */
export const SNAPSHOT_MAGIC = 'flink-ts-snapshot';
/** The current `_metadata` format. Readers refuse newer formats with a clear message. */
export const SNAPSHOT_FORMAT_VERSION = 1;

/** Checkpoint or savepoint, and how it was taken (after Flink's CheckpointProperties). */
export const SNAPSHOT_KINDS = ['CHECKPOINT', 'FULL_CHECKPOINT', 'SAVEPOINT', 'SAVEPOINT_SUSPEND', 'SAVEPOINT_TERMINATE'] as const;
export type SnapshotKind = (typeof SNAPSHOT_KINDS)[number];

/**
 * One operator's state in a snapshot: its parallelism then, and a handle per subtask with state.
 * No handles: it wrote no state, but shared a task with an operator that did (recorded, as
 * Flink's empty operator state, so that a restore restores it; earlier versions did not record
 * it, and need no other format: an entry without handles reads the same to them).
 */
export interface OperatorMetadata {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly subtasks: readonly OperatorStateHandle[];
}

/** The content of `_metadata`. */
export interface SnapshotMetadata {
  readonly magic: typeof SNAPSHOT_MAGIC;
  readonly formatVersion: number;
  readonly jobId: string;
  readonly jobName: string;
  readonly checkpointId: number;
  readonly kind: SnapshotKind;
  readonly timestamp: number;
  readonly operators: readonly OperatorMetadata[];
}

/** Why a `_metadata` could not be used; the message is for the user. */
export class InvalidMetadataError extends Error {}

function body(m: SnapshotMetadata): string {
  return JSON.stringify(m);
}

/** Serializes metadata with a checksum over its content, so tampering and truncation are caught. */
export function encodeMetadata(m: SnapshotMetadata): Uint8Array {
  const text = body(m);
  return Buffer.from(JSON.stringify({ checksum: sha256(text), metadata: JSON.parse(text) as unknown }, null, 1));
}

function fail(message: string): never {
  throw new InvalidMetadataError(message);
}

/**
 * How deep the metadata may nest: it is four levels deep (metadata, operators, handles, shared
 * references) plus their fields. Checked before anything recursive (the checksum stringifies)
 * touches a document read from disk.
 */
const MAX_NESTING = 16;

/** True if `value` nests arrays or objects deeper than `limit` levels; iterative, so any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The largest checkpoint id a snapshot may have: a restored job counts on from its snapshot's id,
 * and past 2^53 consecutive ids are no longer distinct numbers (chk-n would be taken twice).
 * 2^52 leaves room for as many more checkpoints; one a millisecond would take 140,000 years.
 */
export const MAX_CHECKPOINT_ID = 2 ** 52;

function isInt(v: unknown, min = 0): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Parses and validates `_metadata` bytes; throws InvalidMetadataError naming the problem. */
export function decodeMetadata(bytes: Uint8Array): SnapshotMetadata {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    fail(bytes.byteLength === 0 ? 'it is empty' : 'it is not a flink-ts snapshot (not valid JSON: truncated, or written by another tool)');
  }
  const d = doc as { checksum?: unknown; metadata?: Partial<SnapshotMetadata> };
  const m = d?.metadata;
  if (!m || typeof m !== 'object' || m.magic !== SNAPSHOT_MAGIC) fail('it is not a flink-ts snapshot (written by another tool?)');
  if (nestsDeeperThan(m, MAX_NESTING)) fail(`it nests deeper than ${MAX_NESTING} levels, which no flink-ts snapshot does (it was modified or damaged)`);
  if (m.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
    fail(`it has format version ${String(m.formatVersion)}, but this flink-ts reads version ${SNAPSHOT_FORMAT_VERSION}`);
  }
  if (d.checksum !== sha256(body(m as SnapshotMetadata))) fail('its checksum does not match its content (it was modified or damaged)');
  if (typeof m.jobId !== 'string' || !isInt(m.checkpointId, 1) || !Array.isArray(m.operators)) fail('it lacks its job id, checkpoint id or operators');
  if (m.checkpointId > MAX_CHECKPOINT_ID) fail(`its checkpoint id ${m.checkpointId} is beyond the largest a job reaches (${MAX_CHECKPOINT_ID}); it was modified or damaged`);
  if (typeof m.kind !== 'string' || !SNAPSHOT_KINDS.includes(m.kind)) fail(`it has an unknown snapshot kind (${JSON.stringify(m.kind)})`);
  // 8.64e15 ms is the last instant a Date can hold.
  if (!isInt(m.timestamp) || m.timestamp > 8.64e15) fail('it lacks its timestamp');
  const savepoint = m.kind.startsWith('SAVEPOINT');
  const uids = new Set<string>();
  for (const op of m.operators) {
    if (typeof op?.uid !== 'string' || !isInt(op.parallelism, 1) || !isInt(op.maxParallelism, 1) || !Array.isArray(op.subtasks)) {
      fail('an operator entry is malformed');
    }
    // No job runs with more (Flink's bound too); one that claims more would have a restore or a
    // reader walk billions of key groups.
    if (op.maxParallelism > UPPER_BOUND_MAX_PARALLELISM) fail(`operator '${op.uid}' has max parallelism ${op.maxParallelism}, above the most any job can have (${UPPER_BOUND_MAX_PARALLELISM})`);
    if (op.parallelism > op.maxParallelism) fail(`operator '${op.uid}' has parallelism ${op.parallelism} above its max parallelism ${op.maxParallelism}`);
    if (uids.has(op.uid)) fail(`operator uid '${op.uid}' appears twice`);
    uids.add(op.uid);
    const subtasks = new Set<number>();
    for (const h of op.subtasks) {
      if (h === null || typeof h !== 'object') fail(`operator '${op.uid}' has a malformed state handle`);
      if (!isSafeFileName(h.file)) fail(`operator '${op.uid}' names a state file outside the snapshot directory (${JSON.stringify(h.file)})`);
      if (!isInt(h.size) || typeof h.checksum !== 'string' || !isInt(h.subtask) || h.subtask >= op.parallelism) {
        fail(`operator '${op.uid}' has a malformed state handle`);
      }
      if (subtasks.has(h.subtask)) fail(`operator '${op.uid}' lists subtask ${h.subtask} twice`);
      subtasks.add(h.subtask);
      if (h.sharedState === undefined) continue;
      if (savepoint) fail(`it is a savepoint but refers to shared files of incremental checkpoints (operator '${op.uid}')`);
      if (!Array.isArray(h.sharedState)) fail(`operator '${op.uid}' has a malformed shared state list`);
      const chain = new Set<string>();
      for (const r of h.sharedState) {
        // Shared files are names inside the job's shared/ directory: never a path.
        if (!isSafeFileName(r?.file)) fail(`operator '${op.uid}' names a shared file outside the shared directory (${JSON.stringify(r?.file)})`);
        if (!isInt(r.size) || typeof r.checksum !== 'string') fail(`operator '${op.uid}' has a malformed shared state reference`);
        // Each file of a chain is applied once: a delta applied twice appends its list entries twice.
        if (chain.has(r.file)) fail(`operator '${op.uid}' names shared file ${JSON.stringify(r.file)} twice in the chain of subtask ${h.subtask}`);
        chain.add(r.file);
      }
    }
  }
  return m as SnapshotMetadata;
}
