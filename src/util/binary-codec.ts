/*
 * The binary codec for engine data (state values in snapshots, and channel batches that refer
 * to themselves; other batches skip its reference tracking: runtime/batch-codec.ts):
 * MessagePack through msgpackr. It round-trips JSON-like values plus bigint, Date, Map, Set and
 * typed arrays, is fast in batches, and decoding data never runs code (unlike v8.deserialize).
 */
import { Packr } from 'msgpackr';

/**
 * msgpackr writes a function as `undefined` unless told otherwise, so a function in a state value
 * (or a record) would vanish without a word and be missed only after a restore, as `… is not a
 * function` far from its cause. A function is code, not data: like a Symbol, it has no encoding,
 * and is refused where it is met (a checkpoint declined, as Flink's serializer fails on a value it
 * cannot serialize; a record refused on its way to another thread).
 */
export function refuseFunction(): never {
  throw new TypeError('Unknown type: function');
}

// structuredClone keeps Map, Set, Date and bigint as themselves; every buffer is
// self-describing (no structures shared between calls), so another process can decode it.
const packr = new Packr({ structuredClone: true, writeFunction: refuseFunction });

/** Encodes a value into a new buffer. */
export function pack(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes a buffer made by {@link pack}. */
export function unpack(buffer: Uint8Array): unknown {
  return packr.unpack(buffer);
}
