import { pack, unpack } from '../../util/binary-codec.js';
import { SnapshotRestoreError } from '../../util/errors.js';
import type { StateKinds } from '../state-meta.js';

/*
 * The keyed state of one key group in a state file, as a MessagePack block:
 *   full:  { [state]: [mapKey, value][] }
 *   delta: { p: { [state]: [mapKey, value][] }, d: { [state]: mapKey[] } }   (puts and deletes)
 * A delta applies over the blocks of the same key group before it in an incremental chain.
 */

/** Where a block was read from, for error messages. */
export interface BlockSource {
  readonly operator: string;
  readonly file: string;
}

/** One key group's block of keyed state: a full block, or a delta to apply over earlier ones. */
export interface KeyGroupBlock {
  readonly keyGroup: number;
  readonly bytes: Uint8Array;
  readonly delta: boolean;
  readonly source: BlockSource;
  /**
   * The state metadata of the subtask's snapshot the block comes from, when a restore merges the
   * files of several subtasks: each subtask records its own writers (a state registered lazily
   * may be migrated on one subtask and not yet on another), and a block is read with its own.
   */
  readonly kinds?: StateKinds;
}

/** Entries of one state in a block: [key as stored, value as stored]. */
export type BlockEntries = Array<[unknown, unknown]>;

/** A block's content: the entries it sets and, in a delta, the keys it deletes, by state name. */
export interface DecodedBlock {
  readonly puts: Readonly<Record<string, BlockEntries>>;
  readonly deletes: Readonly<Record<string, unknown[]>>;
}

/** A key-group block that cannot be read: which one, and what is wrong with it (`cannot be decoded (…)`, `is not a key-group block`, …). */
export class KeyGroupBlockError extends SnapshotRestoreError {
  readonly keyGroup: number;
  readonly file: string;

  constructor(
    block: KeyGroupBlock,
    readonly problem: string,
  ) {
    super(`Cannot restore the state of operator '${block.source.operator}': key group ${block.keyGroup} in ${block.source.file} ${problem}; the snapshot is damaged.`);
    this.keyGroup = block.keyGroup;
    this.file = block.source.file;
  }
}

/** Encodes a full block. */
export function encodeFullBlock(states: Record<string, BlockEntries>): Uint8Array {
  return pack(states);
}

/** Encodes a delta block. */
export function encodeDeltaBlock(puts: Record<string, BlockEntries>, deletes: Record<string, unknown[]>): Uint8Array {
  return pack({ p: puts, d: deletes });
}

/**
 * Entries of one state in one key group packed in pieces: each piece the MessagePack of an array
 * of [key, value] pairs (or of deleted keys) without the array's header, and `later` items still
 * to pack (ones that cannot change meanwhile: primitive values). Joined under one header they are
 * the array {@link encodeFullBlock} would write: a snapshot packs the entries of a part of a
 * table (a shard of int keys mixes key groups) apart from the other parts', and joins them per
 * key group.
 */
export interface PackedRun {
  count: number;
  readonly pieces: Uint8Array[];
  readonly later: unknown[];
}

/**
 * Writes pieces of a run (see {@link PackedRun}) of numbers by hand: [int32 key, number value]
 * pairs, or int32 keys (deleted), as the codec writes them (an int32 in its smallest int format,
 * positive fixints only below 0x40; any other number as a float64; -0 as 0). For a state of counts or sums
 * a snapshot then neither allocates a pair per entry nor calls the codec for it: packing a shard's
 * entries per key group through the codec cost twice the CPU time of a key group packed at once.
 */
export class NumberPieceWriter {
  private bytes = new Uint8Array(256);
  private view = new DataView(this.bytes.buffer);
  private at = 0;
  count = 0;

  /** Writes the pair [key, value]; `key` an int32. */
  pair(key: number, value: number): void {
    this.room(15);
    this.bytes[this.at++] = 0x92;
    this.int(key);
    if ((value | 0) === value) this.int(value);
    else {
      this.bytes[this.at] = 0xcb;
      this.view.setFloat64(this.at + 1, value);
      this.at += 9;
    }
    this.count++;
  }

  /** Writes an int32 key. */
  key(key: number): void {
    this.room(5);
    this.int(key);
    this.count++;
  }

  /** The piece written so far. */
  piece(): Uint8Array {
    return this.bytes.subarray(0, this.at);
  }

  private int(n: number): void {
    const b = this.bytes;
    if (n >= 0) {
      // Not up to 0x7f: 0x40–0x7f name a record in the codec's format (its records option).
      if (n < 0x40) b[this.at++] = n;
      else if (n < 0x100) {
        b[this.at++] = 0xcc;
        b[this.at++] = n;
      } else if (n < 0x10000) {
        b[this.at++] = 0xcd;
        this.view.setUint16(this.at, n);
        this.at += 2;
      } else {
        b[this.at++] = 0xce;
        this.view.setUint32(this.at, n);
        this.at += 4;
      }
    } else if (n >= -0x20) b[this.at++] = n & 0xff;
    else if (n >= -0x80) {
      b[this.at++] = 0xd0;
      b[this.at++] = n & 0xff;
    } else if (n >= -0x8000) {
      b[this.at++] = 0xd1;
      this.view.setInt16(this.at, n);
      this.at += 2;
    } else {
      b[this.at++] = 0xd2;
      this.view.setInt32(this.at, n);
      this.at += 4;
    }
  }

  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const bigger = new Uint8Array(2 * this.bytes.length + n);
    bigger.set(this.bytes.subarray(0, this.at));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

/** Packs `items` as a piece of a run (see {@link PackedRun}): the array's MessagePack without its header. */
export function packPiece(items: readonly unknown[]): Uint8Array {
  const bytes = pack(items);
  const first = bytes[0]!;
  return bytes.subarray(first >= 0x90 && first <= 0x9f ? 1 : first === 0xdc ? 3 : 5);
}

/** A full block of runs by state name (in the order given), as {@link encodeFullBlock} encodes it from the entries. */
export function joinFullBlock(states: ReadonlyArray<readonly [string, PackedRun]>): Uint8Array {
  const out = new BlockWriter();
  out.object(states, (run) => out.run(run));
  return out.bytes();
}

/** A delta block of runs by state name, as {@link encodeDeltaBlock} encodes it from the entries. */
export function joinDeltaBlock(puts: ReadonlyArray<readonly [string, PackedRun]>, deletes: ReadonlyArray<readonly [string, PackedRun]>): Uint8Array {
  const out = new BlockWriter();
  out.object(
    [
      ['p', puts],
      ['d', deletes],
    ] as const,
    (states) => out.object(states, (run) => out.run(run)),
  );
  return out.bytes();
}

/**
 * Writes a block the way the codec (msgpackr with structured clone) writes a plain object: a
 * record whose structure (the keys) is defined in place, then its values. Each object defines
 * its structure anew, under the first record id: a reader takes a definition as it comes, so the
 * pieces in between, each packed with its own records and ids from the first, read as they were
 * packed.
 */
class BlockWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  object<T>(fields: ReadonlyArray<readonly [string, T]>, value: (v: T) => void): void {
    this.add(RECORD_DEFINITION);
    this.add(arrayHeader(fields.length));
    for (const [name] of fields) this.add(stringBytes(name));
    for (const [, v] of fields) value(v);
  }

  run(run: PackedRun): void {
    this.add(arrayHeader(run.count));
    for (const p of run.pieces) this.add(p);
    if (run.later.length > 0) this.add(packPiece(run.later));
  }

  bytes(): Uint8Array {
    // A Buffer, as the codec's own output: binary values read from it are Buffers too.
    const out = Buffer.allocUnsafe(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private add(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.length += bytes.length;
  }
}

/** fixext 1, type 0x72 (msgpackr's record definition), record id 0x40: the structure's keys follow. */
const RECORD_DEFINITION = Uint8Array.of(0xd4, 0x72, 0x40);

const utf8 = new TextEncoder();

/**
 * A string's MessagePack (str format, UTF-8), as the codec writes a record's keys; written here
 * rather than by the codec, whose pack, given a string among the arrays it packs, ran twice as
 * slowly on those.
 */
function stringBytes(s: string): Uint8Array {
  const body = utf8.encode(s);
  const n = body.length;
  const head = n < 32 ? [0xa0 | n] : n < 0x100 ? [0xd9, n] : n < 0x10000 ? [0xda, n >>> 8, n & 0xff] : [0xdb, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(head.length + n);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** A MessagePack array header for `n` elements. */
function arrayHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x90 | n);
  if (n < 0x10000) return Uint8Array.of(0xdc, n >>> 8, n & 0xff);
  return Uint8Array.of(0xdd, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Decodes a block and checks its shape, and that every state it names is in `kinds` (when
 * given). Snapshot data is data: anything else is refused with an error naming the operator,
 * the file and the key group.
 */
export function decodeKeyGroupBlock(block: KeyGroupBlock, kinds?: StateKinds): DecodedBlock {
  const fail = (why: string): never => {
    throw new KeyGroupBlockError(block, why);
  };
  let doc: unknown;
  try {
    doc = unpack(block.bytes);
  } catch (err) {
    return fail(`cannot be decoded (${(err as Error).message})`);
  }
  if (!isRecord(doc)) return fail('is not a key-group block');
  const puts = block.delta ? doc['p'] : doc;
  const deletes = block.delta ? doc['d'] : {};
  if (!isRecord(puts) || !isRecord(deletes)) return fail('is not a delta block');
  for (const [name, entries] of Object.entries(puts)) {
    if (kinds && kinds[name] === undefined) fail(`names state '${name}' without its metadata`);
    if (!Array.isArray(entries) || !entries.every((e) => Array.isArray(e) && e.length === 2)) fail(`holds malformed entries of state '${name}'`);
  }
  for (const [name, keys] of Object.entries(deletes)) {
    if (kinds && kinds[name] === undefined) fail(`names state '${name}' without its metadata`);
    if (!Array.isArray(keys)) fail(`holds malformed deletions of state '${name}'`);
  }
  return { puts: puts as Record<string, BlockEntries>, deletes: deletes as Record<string, unknown[]> };
}

/**
 * Keys with a value per state over the blocks of one subtask (in order: a chain's base before
 * its deltas), for inspection. Full blocks are counted as they are; deltas are applied to key
 * sets.
 */
export function countKeys(blocks: readonly KeyGroupBlock[]): Map<string, number> {
  const counts = new Map<string, number>();
  if (!blocks.some((b) => b.delta)) {
    for (const b of blocks) {
      for (const [name, entries] of Object.entries(decodeKeyGroupBlock(b).puts)) counts.set(name, (counts.get(name) ?? 0) + entries.length);
    }
    return counts;
  }
  const keys = new Map<string, Map<number, Set<unknown>>>();
  const setOf = (name: string, kg: number) => {
    let byKg = keys.get(name);
    if (!byKg) keys.set(name, (byKg = new Map()));
    let set = byKg.get(kg);
    if (!set) byKg.set(kg, (set = new Set()));
    return set;
  };
  for (const b of blocks) {
    const { puts, deletes } = decodeKeyGroupBlock(b);
    for (const [name, entries] of Object.entries(puts)) for (const [k] of entries) setOf(name, b.keyGroup).add(k);
    for (const [name, deleted] of Object.entries(deletes)) for (const k of deleted) setOf(name, b.keyGroup).delete(k);
  }
  for (const [name, byKg] of keys) counts.set(name, [...byKg.values()].reduce((n, s) => n + s.size, 0));
  return counts;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}
