import type { OperatorStateMode, PendingKeyedSnapshot, SharedStateRef, StateKinds } from '../../state/index.js';
import { pack, unpack } from '../../util/binary-codec.js';

/** Operator list state of one subtask, by state name. */
export type OperatorLists = Map<string, { mode: OperatorStateMode; values: unknown[] }>;

/** A processing-time timer as stored: time, key, key group. */
export type StoredTimer = [number, unknown, number];

/**
 * What one operator subtask captured at a checkpoint's synchronous cut. Operator lists and
 * timers are copied at the cut (they are small); keyed state is a pending snapshot that is
 * encoded afterwards.
 */
export interface OperatorSnapshot {
  readonly uid: string;
  readonly name: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly lists: Uint8Array;
  readonly timers: StoredTimer[];
  readonly keyed: PendingKeyedSnapshot | undefined;
  /** No state at all (a stateless operator): nothing is written or recorded for it. */
  readonly empty: boolean;
}

/** Where one operator subtask's state was written, as `_metadata` records it. */
export interface OperatorStateHandle {
  readonly uid: string;
  readonly name: string;
  readonly subtask: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  /** File name inside the checkpoint directory (never a path). */
  readonly file: string;
  readonly size: number;
  /** sha256 of the file, hex. */
  readonly checksum: string;
  readonly keyGroupRange: readonly [number, number] | null;
  /** Keys with state, over all states (for inspection). */
  readonly stateNames: readonly string[];
  /**
   * Incremental checkpoints: the keyed state is the chain of these files in the job's
   * `shared/` directory (a full base, then deltas in order) instead of being in `file`.
   */
  readonly sharedState?: readonly SharedStateRef[];
}

/** One key group's block of keyed state: a full block, or a delta to apply over earlier ones. */
export type KeyGroupBlock = readonly [keyGroup: number, bytes: Uint8Array, delta?: boolean];

/** The state one operator subtask starts from after a restore (already redistributed). */
export interface OperatorRestoreState {
  readonly lists: OperatorLists;
  /** In the order they are applied: a chain's base before its deltas. */
  readonly keyGroups: ReadonlyArray<KeyGroupBlock>;
  readonly kinds: StateKinds;
  readonly timers: readonly StoredTimer[];
}

/** Writes the files of a checkpoint; implemented by checkpoint storage (the task's view of it). */
export interface CheckpointStorageWorker {
  /** Writes the concatenation of `chunks` as `fileName` in checkpoint `checkpointId`'s directory, durably. */
  writeStateFile(checkpointId: number, fileName: string, chunks: readonly Uint8Array[]): Promise<{ size: number; checksum: string }>;
  /** Writes `fileName` into the job's `shared/` directory for checkpoint `checkpointId`, durably. */
  writeSharedStateFile(checkpointId: number, fileName: string, chunks: readonly Uint8Array[]): Promise<{ size: number; checksum: string }>;
}

const FORMAT = 2;

/** The header of a state file; key-group blocks follow it, at the offsets it records. */
interface StateFileHeader {
  readonly format: number;
  readonly uid: string;
  readonly subtask: number;
  readonly kinds: StateKinds;
  /** [key group, offset after the header, length] of each key-group block. */
  readonly keyGroupIndex: Array<[number, number, number]>;
  readonly timers: StoredTimer[];
  readonly lists: Uint8Array;
  /** The key-group blocks are deltas (a file of an incremental chain). */
  readonly delta?: boolean;
}

/**
 * Lays out a finished operator snapshot as the chunks of its state file: a 4-byte header length,
 * the header, then the key-group blocks as they are (no copy into one big buffer, so the
 * asynchronous phase never stalls processing on a large memcpy).
 */
export function encodeStateFile(s: OperatorSnapshot): Uint8Array[] {
  const inline = s.keyed?.form.kind === 'self-contained';
  return layOut(
    { format: FORMAT, uid: s.uid, subtask: s.subtask, kinds: s.keyed?.kinds ?? {}, timers: s.timers, lists: s.lists },
    inline ? s.keyed!.keyGroups() : [],
  );
}

/** The chunks of the `shared/` file holding an incremental snapshot's keyed state (base or delta). */
export function encodeSharedStateFile(s: OperatorSnapshot): Uint8Array[] {
  const keyed = s.keyed!;
  return layOut(
    { format: FORMAT, uid: s.uid, subtask: s.subtask, kinds: keyed.kinds, timers: [], lists: EMPTY_LISTS, delta: keyed.isDelta },
    keyed.keyGroups(),
  );
}

const EMPTY_LISTS = pack([]);

function layOut(head: Omit<StateFileHeader, 'keyGroupIndex'>, blocks: ReadonlyArray<[number, Uint8Array]>): Uint8Array[] {
  const keyGroupIndex: Array<[number, number, number]> = [];
  let offset = 0;
  for (const [kg, bytes] of blocks) {
    keyGroupIndex.push([kg, offset, bytes.byteLength]);
    offset += bytes.byteLength;
  }
  const header = pack({ ...head, keyGroupIndex } satisfies StateFileHeader);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, header.byteLength);
  return [length, header, ...blocks.map(([, bytes]) => bytes)];
}

/** Decoded content of a state file. */
export interface StateFileContent {
  readonly kinds: StateKinds;
  readonly keyGroups: KeyGroupBlock[];
  readonly timers: StoredTimer[];
  readonly lists: OperatorLists;
}

/** Decodes a state file; throws a plain Error describing what is wrong with it. */
export function decodeStateFile(bytes: Uint8Array, expected: { uid: string; subtask: number }): StateFileContent {
  if (bytes.byteLength < 4) throw new Error('it is too short to be a state file');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (4 + headerLength > bytes.byteLength) throw new Error('its header is cut off');
  const doc = unpack(bytes.subarray(4, 4 + headerLength)) as Partial<StateFileHeader> | null;
  if (!doc || typeof doc !== 'object' || doc.format !== FORMAT) throw new Error('not a flink-ts state file of a known format');
  if (doc.uid !== expected.uid || doc.subtask !== expected.subtask) {
    throw new Error(`holds state of operator '${String(doc.uid)}' subtask ${String(doc.subtask)}, not of '${expected.uid}' subtask ${expected.subtask}`);
  }
  const body = 4 + headerLength;
  const keyGroups: KeyGroupBlock[] = [];
  const delta = doc.delta === true;
  const index = doc.keyGroupIndex ?? [];
  if (!Array.isArray(index)) throw new Error('its key-group index is malformed');
  for (const entry of index as unknown[]) {
    if (!Array.isArray(entry) || entry.length !== 3 || !entry.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
      throw new Error('its key-group index is malformed');
    }
    const [kg, offset, length] = entry as [number, number, number];
    if (body + offset + length > bytes.byteLength) throw new Error(`key group ${kg} lies beyond the end of the file`);
    keyGroups.push([kg, bytes.subarray(body + offset, body + offset + length), delta]);
  }
  return {
    kinds: doc.kinds ?? {},
    keyGroups,
    timers: doc.timers ?? [],
    lists: decodeLists(doc.lists ?? pack([])),
  };
}

/** Encodes operator lists at the cut (a copy, so later changes do not leak in). */
export function encodeLists(lists: OperatorLists): Uint8Array {
  return pack([...lists.entries()].map(([name, { mode, values }]) => [name, mode, values]));
}

function decodeLists(bytes: Uint8Array): OperatorLists {
  const entries = unpack(bytes) as Array<[string, 'split' | 'union', unknown[]]>;
  return new Map(entries.map(([name, mode, values]) => [name, { mode, values }]));
}
