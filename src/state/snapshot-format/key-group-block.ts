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
