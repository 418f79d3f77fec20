import { pack, unpack } from '../../util/binary-codec.js';

/*
 * Keys and values of the on-disk store. Most keys and many values are plain numbers or strings;
 * they get a one-byte tag and their raw bytes, which is several times cheaper to decode than a
 * MessagePack call per entry. Everything else is MessagePack (the engine's safe codec).
 */
const MSGPACK = 0;
const NUMBER = 1;
const STRING = 2;
/** Values only: a pair whose second element is a number — a TTL state's [value, timestamp]. */
const STAMPED = 3;

/**
 * Encodes a stored value: as {@link encodeTagged}, but a pair whose second element is a number
 * (what every TTL'd value and list element is) is the tag, the number and the first element
 * tagged, so reading a TTL'd number or string, as TTL cleanup does for every entry it checks,
 * makes no MessagePack call. Any such pair round-trips as MessagePack would give it back.
 */
export function encodeStoredValue(value: unknown): Buffer {
  if (Array.isArray(value) && value.length === 2 && typeof value[1] === 'number') {
    const out = encodeTagged(value[0], 9);
    out[0] = STAMPED;
    out.writeDoubleBE(value[1], 1);
    return out;
  }
  return encodeTagged(value, 0);
}

/** Decodes what {@link encodeStoredValue} wrote. */
export function decodeStoredValue(read: Uint8Array): unknown {
  const bytes = asBuffer(read);
  return bytes[0] === STAMPED ? [decodeTagged(bytes, 9), bytes.readDoubleBE(1)] : decodeTagged(bytes, 0);
}

/** Encodes `value` after `prefix` bytes of the returned buffer (left for the caller to fill). */
export function encodeTagged(value: unknown, prefix: number): Buffer {
  if (typeof value === 'number') {
    const out = Buffer.allocUnsafe(prefix + 9);
    out[prefix] = NUMBER;
    out.writeDoubleBE(value, prefix + 1);
    return out;
  }
  if (typeof value === 'string') {
    const length = Buffer.byteLength(value);
    const out = Buffer.allocUnsafe(prefix + 1 + length);
    out[prefix] = STRING;
    out.write(value, prefix + 1, 'utf8');
    return out;
  }
  const packed = pack(value);
  const out = Buffer.allocUnsafe(prefix + 1 + packed.byteLength);
  out[prefix] = MSGPACK;
  out.set(packed, prefix + 1);
  return out;
}

/** Decodes what {@link encodeTagged} wrote, starting at `offset`. */
export function decodeTagged(read: Uint8Array, offset: number): unknown {
  const bytes = asBuffer(read);
  switch (bytes[offset]) {
    case NUMBER:
      return bytes.readDoubleBE(offset + 1);
    case STRING:
      return bytes.toString('utf8', offset + 1);
    case MSGPACK:
      return unpack(bytes.subarray(offset + 1));
    default:
      throw new Error(`internal: unknown value tag ${String(bytes[offset])} in the on-disk state store`);
  }
}

/**
 * lmdb-js hands a large value (above ~16 MiB) back as a plain Uint8Array over shared memory,
 * whose toString would join its bytes with commas: read it as a Buffer, without a copy.
 */
function asBuffer(read: Uint8Array): Buffer {
  return Buffer.isBuffer(read) ? read : Buffer.from(read.buffer, read.byteOffset, read.byteLength);
}
