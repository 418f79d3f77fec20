import { pack, unpack } from '../../util/binary-codec.js';
import type { StateKind } from '../descriptors.js';
import type { KeyGroupRange } from '../key-groups.js';
import { type KeyKindExamples, KeyKindSet, type RecordedKeyKinds, type UserKeyKindRecord, checkKeyKindExamples, checkUserKeyKindRecord, userKeyKind } from '../key-kinds.js';
import type { OperatorStateMode } from '../operator-state-store.js';
import { type OperatorListEntry, type WriterRuns, writerRunsProblem } from '../operator-state-writers.js';
import { isSerializerSnapshot } from '../serializers/type-serializer.js';
import type { StateKinds } from '../state-meta.js';
import type { BlockSource, KeyGroupBlock } from './key-group-block.js';

/*
 * A state file: a 4-byte big-endian header length, the header (MessagePack), then the key-group
 * blocks at the offsets the header records. One file per operator subtask and checkpoint, and
 * one per incremental keyed snapshot in `shared/` (a full base or a delta, no lists). Timers are
 * keyed state (`_timers`, see timers-state.ts) since format 3.
 *
 * The header carries its format number. This version writes STATE_FILE_FORMAT and reads every
 * format in HEADER_READERS, each turned into the current model; a format is never dropped, so a
 * snapshot written by an older version restores (test/fixtures/snapshots/format-<n>/ hold one
 * of each). A newer format is refused with a message saying so.
 */

/** The state-file format this version writes. */
export const STATE_FILE_FORMAT = 3;

/** A processing-time timer as format 2 stored it in the header: time, key, key group. */
export type StoredTimer = [time: number, key: unknown, keyGroup: number];

/** Operator list state of one subtask, by state name. */
export type OperatorLists = Map<string, OperatorListEntry>;

/** What one state file is made of, as a task hands it over after its cut. */
export interface StateFileParts {
  readonly uid: string;
  readonly subtask: number;
  readonly kinds: StateKinds;
  /** Encoded key groups, in key-group order. */
  readonly keyGroups: ReadonlyArray<readonly [keyGroup: number, bytes: Uint8Array]>;
  /** The key-group blocks are deltas (a file of an incremental chain). */
  readonly delta: boolean;
  /**
   * Operator lists, as {@link encodeLists} encodes them: one buffer, or (a checkpoint's, by
   * PendingOperatorLists after its cut) the chunks that make it, in order.
   */
  readonly lists: Uint8Array | readonly Uint8Array[];
  /**
   * The kinds of the keys the subtask's keyed state holds (with a delta: held in the whole
   * chain), when known; a file with key groups records them so a restore can check the job's
   * keys against the whole operator's (key-kinds.ts).
   */
  readonly keyKinds?: KeyKindExamples;
  /** Likewise the kinds of each map state's user keys, by state name (maps without user keys left out). */
  readonly userKeyKinds?: UserKeyKindRecord;
}

/** Decoded content of a state file. */
export interface StateFileContent {
  readonly kinds: StateKinds;
  readonly keyGroups: KeyGroupBlock[];
  /**
   * Processing-time timers of a format-2 file, which kept them in its header; the runtime turns
   * them into `_timers` keyed state on restore. Always empty for later formats.
   */
  readonly legacyTimers: StoredTimer[];
  readonly lists: OperatorLists;
  /** The kinds of keys the file's keyed state holds; undefined in files written before they were recorded. */
  readonly keyKinds?: KeyKindExamples;
  /** The kinds of its map states' user keys; undefined in files written before they were recorded. */
  readonly userKeyKinds?: UserKeyKindRecord;
}

/** Which file is read, and whose state it must hold. */
export interface StateFileSource {
  /** The file's name, for messages. */
  readonly file: string;
  readonly uid: string;
  readonly subtask: number;
  /** The key groups the subtask owned; key-group blocks and timers outside it are refused. */
  readonly keyGroupRange: KeyGroupRange | undefined;
}

/** The header of a state file of the current format. */
interface StateFileHeader {
  readonly format: number;
  readonly uid: string;
  readonly subtask: number;
  readonly kinds: StateKinds;
  /** [key group, offset after the header, length] of each key-group block. */
  readonly keyGroupIndex: Array<[number, number, number]>;
  readonly lists: Uint8Array;
  readonly delta?: boolean;
  /** Optional: files written before flink-ts recorded key kinds have none (their keys are not checked operator-wide). */
  readonly keyKinds?: KeyKindExamples;
  /** Optional likewise: files written before flink-ts recorded user-key kinds have none (their maps are not checked). */
  readonly userKeyKinds?: UserKeyKindRecord;
}

/** A header as read, in the current model: format 2's timers come along to be converted. */
interface ReadHeader extends StateFileHeader {
  readonly legacyTimers: StoredTimer[];
}

/**
 * Lays out a state file as chunks: the header length, the header, then the key-group blocks as
 * they are (no copy into one big buffer, so the asynchronous phase never stalls processing on a
 * large memcpy). Operator lists given as chunks stay chunks inside the header too (see
 * {@link headerChunks}).
 */
export function encodeStateFile(parts: StateFileParts): Uint8Array[] {
  const keyGroupIndex: Array<[number, number, number]> = [];
  let offset = 0;
  for (const [kg, bytes] of parts.keyGroups) {
    keyGroupIndex.push([kg, offset, bytes.byteLength]);
    offset += bytes.byteLength;
  }
  const header = (lists: Uint8Array): StateFileHeader => ({
    format: STATE_FILE_FORMAT,
    uid: parts.uid,
    subtask: parts.subtask,
    kinds: parts.kinds,
    keyGroupIndex,
    lists,
    ...(parts.delta ? { delta: true } : {}),
    ...(parts.keyKinds !== undefined && parts.keyGroups.length > 0 ? { keyKinds: parts.keyKinds } : {}),
    ...(parts.userKeyKinds !== undefined && parts.keyGroups.length > 0 ? { userKeyKinds: parts.userKeyKinds } : {}),
  });
  const lists = parts.lists instanceof Uint8Array ? [parts.lists] : parts.lists;
  // One chunk, or small lists joined first (a copy of well under a millisecond): the header packed
  // once; larger lists stay chunks inside it.
  const head =
    lists.length === 1 ? [pack(header(lists[0]!))]
    : lists.reduce((n, c) => n + c.byteLength, 0) <= JOIN_HEADER_BELOW ? [pack(header(Buffer.concat(lists)))]
    : headerChunks(header, lists);
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, head.reduce((n, c) => n + c.byteLength, 0));
  return [length, ...head, ...parts.keyGroups.map(([, bytes]) => bytes)];
}

/** The size of operator lists up to which their chunks are joined before the header is packed. */
const JOIN_HEADER_BELOW = 1 << 20;

/** Two placeholders for the lists, alike but for their first byte. */
const PLACEHOLDERS = [Buffer.alloc(16, 0), Buffer.alloc(16, 0xff)] as const;

/**
 * The packed header with operator lists given as chunks, as chunks: the very bytes of packing it
 * with the lists joined into one Buffer (a MessagePack bin), without joining them (joined and
 * packed into the header, a 500,000-element list took 50–490 ms in one step on the task's thread). The header is packed
 * twice with a 16-byte placeholder for the lists, the two alike but for their first byte: the
 * first byte where the two packings differ is the placeholder's, preceded by its 2-byte bin
 * header; there the lists' own bin header and chunks go.
 */
function headerChunks(header: (lists: Uint8Array) => StateFileHeader, lists: readonly Uint8Array[]): Uint8Array[] {
  const a = pack(header(PLACEHOLDERS[0]));
  const b = pack(header(PLACEHOLDERS[1]));
  let at = 0;
  while (at < a.byteLength && a[at] === b[at]) at++;
  const start = at - 2;
  if (a.byteLength !== b.byteLength || a[start] !== 0xc4 || a[start + 1] !== 16) throw new Error('internal: the operator lists placeholder was not found in the state file header');
  const size = lists.reduce((n, c) => n + c.byteLength, 0);
  return [a.subarray(0, start), binHeader(size), ...lists, a.subarray(start + 18)];
}

/** A MessagePack bin header for `n` bytes, as msgpackr writes a Buffer's. */
function binHeader(n: number): Uint8Array {
  if (n < 0x100) return Uint8Array.of(0xc4, n);
  if (n < 0x10000) return Uint8Array.of(0xc5, n >> 8, n & 0xff);
  return Uint8Array.of(0xc6, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Encodes operator lists (a checkpoint encodes the same bytes in slices after its cut:
 * operator-state-snapshot.ts): `[name, mode, elements]` per state, as before operator state had serializers, and the writers of the
 * elements fourth where a serializer other than MessagePack wrote any (operator-state-writers.ts).
 */
export function encodeLists(lists: OperatorLists): Uint8Array {
  return pack([...lists.entries()].map(([name, { mode, values, writers }]) => (writers ? [name, mode, values, writers] : [name, mode, values])));
}

/** Operator lists of a file that has none. */
export const NO_LISTS: Uint8Array = encodeLists(new Map());

/**
 * Readers of every format this version restores, by format number: each checks a header of its
 * format and returns it in the current model. Add the new format's reader when the format
 * changes, and keep converting the old ones (e.g. format 2's timer list into what replaces it).
 */
const HEADER_READERS: ReadonlyMap<number, (doc: Record<string, unknown>) => ReadHeader> = new Map([
  [2, readHeaderV2],
  [3, readHeaderV3],
]);

/**
 * Decodes a state file and checks it holds what `source` expects: the operator's and subtask's
 * state, key groups and timers only of the subtask's range, each key group once, and the blocks
 * covering the bytes after the header exactly (no two sharing bytes, none left over). Cheap (the
 * blocks themselves are decoded when restored). Throws a plain Error saying what is wrong; the
 * caller names the file and snapshot.
 */
export function decodeStateFile(bytes: Uint8Array, source: StateFileSource): StateFileContent {
  if (bytes.byteLength < 4) throw new Error('it is too short to be a state file');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
  if (4 + headerLength > bytes.byteLength) throw new Error('its header is cut off');
  let doc: unknown;
  try {
    doc = unpack(bytes.subarray(4, 4 + headerLength));
  } catch {
    throw new Error('its header cannot be decoded');
  }
  if (!isRecord(doc) || typeof doc['format'] !== 'number') throw new Error('not a flink-ts state file of a known format');
  const read = HEADER_READERS.get(doc['format']);
  if (!read) {
    const newest = Math.max(...HEADER_READERS.keys());
    throw new Error(
      doc['format'] > newest
        ? `it has state-file format ${doc['format']}, written by a newer flink-ts; this one reads formats up to ${newest}`
        : 'not a flink-ts state file of a known format',
    );
  }
  const header = read(doc);
  if (header.uid !== source.uid || header.subtask !== source.subtask) {
    throw new Error(`holds state of operator '${String(header.uid)}' subtask ${String(header.subtask)}, not of '${source.uid}' subtask ${source.subtask}`);
  }
  const range = source.keyGroupRange;
  const outside = (kg: number, what: string) =>
    new Error(
      range
        ? `${what} of key group ${kg}, outside the key groups ${range.start}-${range.end} of subtask ${source.subtask}`
        : `${what} of key group ${kg}, but its operator has no keyed state`,
    );
  const body = 4 + headerLength;
  const blockSource: BlockSource = { operator: source.uid, file: source.file };
  const keyGroups: KeyGroupBlock[] = [];
  const seen = new Set<number>();
  for (const [kg, offset, length] of header.keyGroupIndex) {
    if (!range?.contains(kg)) throw outside(kg, 'it holds state');
    if (seen.has(kg)) throw new Error(`it holds key group ${kg} twice`);
    seen.add(kg);
    if (body + offset + length > bytes.byteLength) throw new Error(`key group ${kg} lies beyond the end of the file`);
    keyGroups.push({ keyGroup: kg, bytes: bytes.subarray(body + offset, body + offset + length), delta: header.delta === true, source: blockSource });
  }
  const layout = blockLayoutProblem(header.keyGroupIndex, bytes.byteLength - body);
  if (layout !== undefined) throw new Error(layout);
  for (const [, , kg] of header.legacyTimers) if (!range?.contains(kg)) throw outside(kg, 'it holds a timer');
  return {
    kinds: header.kinds,
    keyGroups,
    legacyTimers: header.legacyTimers,
    lists: decodeLists(header.lists),
    ...recordedKeyKinds(header),
  };
}

/**
 * What is wrong with where the index puts the blocks in the `bodyLength` bytes after the header,
 * if anything. The encoder lays the blocks end to end from the header on, so those bytes are
 * covered exactly once: blocks sharing bytes, or bytes in no block (between blocks, before the
 * first, after the last), only come from an edited index whose checksum was resealed — restoring
 * it would hand one group's entries to another, or read past what was written. Sorted by offset
 * once; empty blocks hold no bytes.
 */
function blockLayoutProblem(index: ReadonlyArray<readonly [keyGroup: number, offset: number, length: number]>, bodyLength: number): string | undefined {
  const blocks = index.filter(([, , length]) => length > 0).sort((a, b) => a[1] - b[1]);
  let previous: (typeof blocks)[number] | undefined;
  let end = 0;
  for (const block of blocks) {
    const [keyGroup, offset, length] = block;
    if (previous && offset < end) return `the blocks of key groups ${previous[0]} and ${keyGroup} overlap`;
    if (offset > end) return unclaimed(offset - end, previous ? `between the blocks of key groups ${previous[0]} and ${keyGroup}` : `before the block of key group ${keyGroup}`);
    previous = block;
    end = offset + length;
  }
  if (end < bodyLength) return unclaimed(bodyLength - end, previous ? `after the block of key group ${previous[0]}` : 'after its header');
  return undefined;
}

/** `n` bytes at `where` that no block covers, in words. */
function unclaimed(n: number, where: string): string {
  return n === 1 ? `1 byte ${where} belongs to no key group` : `${n} bytes ${where} belong to no key group`;
}

/** The recorded kinds of `r`, only those it has (for spreading into a header or content). */
export function recordedKeyKinds(r: RecordedKeyKinds): RecordedKeyKinds {
  return { ...(r.keyKinds !== undefined ? { keyKinds: r.keyKinds } : {}), ...(r.userKeyKinds !== undefined ? { userKeyKinds: r.userKeyKinds } : {}) };
}

/**
 * The kinds of keys the key groups of `files` hold, together (the subtasks of an operator, or
 * the files of an incremental chain): undefined if a file with key groups does not record them
 * (written before flink-ts did), so that the kinds would be a guess.
 */
export function keyKindsOfFiles(files: readonly StateFileContent[]): KeyKindExamples | undefined {
  const all = new KeyKindSet();
  for (const f of files) {
    if (f.keyGroups.length === 0 && f.legacyTimers.length === 0) continue;
    if (f.keyKinds === undefined) return undefined;
    all.addAll(f.keyKinds);
  }
  return all.entries();
}

/** The user-key kinds of each map state in `files` together, as {@link keyKindsOfFiles} (undefined likewise). */
export function userKeyKindsOfFiles(files: readonly StateFileContent[]): UserKeyKindRecord | undefined {
  const all = new Map<string, KeyKindSet>();
  for (const f of files) {
    if (f.keyGroups.length === 0 && f.legacyTimers.length === 0) continue;
    if (f.userKeyKinds === undefined) return undefined;
    for (const [state, kinds] of Object.entries(f.userKeyKinds)) {
      let set = all.get(state);
      if (set === undefined) all.set(state, (set = new KeyKindSet(userKeyKind)));
      set.addAll(kinds);
    }
  }
  return Object.fromEntries([...all].map(([state, kinds]) => [state, kinds.entries()]));
}

/** What `files` (an operator's subtasks, or an incremental chain) recorded of their kinds together, only what is known. */
export function recordedKeyKindsOfFiles(files: readonly StateFileContent[]): RecordedKeyKinds {
  return recordedKeyKinds({ keyKinds: keyKindsOfFiles(files), userKeyKinds: userKeyKindsOfFiles(files) } as RecordedKeyKinds);
}

/** Format 3 (round 2): timers are keyed state (`_timers`), no longer in the header. */
function readHeaderV3(doc: Record<string, unknown>): ReadHeader {
  return { ...readCommonHeader(doc, 3), legacyTimers: [] };
}

/** Format 2 (flink-ts 0.x, round 1): processing-time timers as a list in the header. */
function readHeaderV2(doc: Record<string, unknown>): ReadHeader {
  const { timers = [] } = doc;
  if (!Array.isArray(timers) || !timers.every((t) => Array.isArray(t) && t.length === 3 && Number.isFinite(t[0]) && isIndex(t[2]))) {
    throw new Error('its timers are malformed');
  }
  return { ...readCommonHeader(doc, 2), legacyTimers: timers as StoredTimer[] };
}

/** The fields formats 2 and 3 share. */
function readCommonHeader(doc: Record<string, unknown>, format: number): StateFileHeader {
  const { uid, subtask, kinds = {}, keyGroupIndex = [], lists = NO_LISTS, delta, keyKinds, userKeyKinds } = doc;
  if (typeof uid !== 'string' || !isIndex(subtask)) throw new Error('its header lacks its operator or subtask');
  checkKinds(kinds);
  if (!Array.isArray(keyGroupIndex) || !keyGroupIndex.every((e) => Array.isArray(e) && e.length === 3 && e.every(isIndex))) {
    throw new Error('its key-group index is malformed');
  }
  if (!(lists instanceof Uint8Array)) throw new Error('its operator state is malformed');
  const badKeyKinds = keyKinds === undefined ? undefined : checkKeyKindExamples(keyKinds);
  if (badKeyKinds) throw new Error(badKeyKinds);
  const badUserKeyKinds = userKeyKinds === undefined ? undefined : checkUserKeyKindRecord(userKeyKinds);
  if (badUserKeyKinds) throw new Error(badUserKeyKinds);
  const recorded = recordedKeyKinds({ keyKinds, userKeyKinds } as RecordedKeyKinds);
  return { format, uid, subtask, kinds, keyGroupIndex, lists, delta: delta === true, ...recorded };
}

const STATE_KINDS: ReadonlySet<StateKind> = new Set(['value', 'list', 'map', 'reducing', 'aggregating']);

function checkKinds(kinds: unknown): asserts kinds is StateKinds {
  if (!isRecord(kinds)) throw new Error('its state metadata is malformed');
  for (const [name, meta] of Object.entries(kinds)) {
    const ok =
      isRecord(meta) &&
      STATE_KINDS.has(meta['kind'] as StateKind) &&
      typeof meta['ttl'] === 'boolean' &&
      (meta['namespaced'] === undefined || typeof meta['namespaced'] === 'boolean') &&
      isSerializerSnapshot(meta['serializer']) &&
      (meta['writers'] === undefined || (isRecord(meta['writers']) && Object.values(meta['writers']).every(isSerializerSnapshot))) &&
      // User keys through a key serializer: map state only (absent in snapshots before keyed MapState had key serializers).
      ((meta['keySerializer'] === undefined && meta['keyWriters'] === undefined) ||
        (meta['kind'] === 'map' &&
          (meta['keySerializer'] === undefined || isSerializerSnapshot(meta['keySerializer'])) &&
          (meta['keyWriters'] === undefined || (isRecord(meta['keyWriters']) && Object.values(meta['keyWriters']).every(isSerializerSnapshot)))));
    if (!ok) throw new Error(`the metadata of state '${name}' is malformed`);
  }
}

/** Broadcast state (mode `broadcast`) came with two-input operators; older files have only the first two. */
const LIST_MODES: ReadonlySet<OperatorStateMode> = new Set(['split', 'union', 'broadcast']);

function decodeLists(bytes: Uint8Array): OperatorLists {
  let entries: unknown;
  try {
    entries = unpack(bytes);
  } catch {
    throw new Error('its operator state cannot be decoded');
  }
  const lists: OperatorLists = new Map();
  if (!Array.isArray(entries)) throw new Error('its operator state is malformed');
  for (const e of entries as unknown[]) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !LIST_MODES.has(e[1] as OperatorStateMode) || !Array.isArray(e[2])) {
      throw new Error('its operator state is malformed');
    }
    const mode = e[1] as OperatorStateMode;
    const values = e[2] as unknown[];
    if (e[3] === undefined) {
      lists.set(e[0], { mode, values });
      continue;
    }
    // A snapshot is data: bytes go to a serializer only under the writer that says it wrote them.
    const problem = writerRunsProblem(e[3], mode, values);
    if (problem !== undefined) throw new Error(`its operator state '${e[0]}' is malformed: ${problem}`);
    lists.set(e[0], { mode, values, writers: e[3] as WriterRuns });
  }
  return lists;
}

function isIndex(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
