/*
 * Strings MessagePack (msgpackr) does not carry as they are, where one thread passes a record on
 * unchanged — so a batch for another worker thread must not change them either:
 * - half a surrogate pair (what `s.slice(0, n)` makes of an emoji cut in two) has no UTF-8 form,
 *   and is written as U+FFFD: a key would arrive as another key, under the key group the
 *   producer computed for the original;
 * - an object's own field named `__proto__` (JSON.parse makes one) is read back as `__proto_`,
 *   so that it never becomes a prototype.
 * Finding them costs a byte search of the encoded batch for what either leaves there (U+FFFD's
 * UTF-8 form EF BF BD, the bytes of `proto__`); only a batch where one turns up (also a genuine
 * U+FFFD, or those bytes inside a number column) has its strings looked at.
 */

const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);
// `__proto__` without its first underscore: Buffer#indexOf took 5 ns a record to look for the
// whole name in a batch with a string field, and 0.2 ns for this (a deep check follows anyway).
const PROTO = Buffer.from('proto__', 'latin1');

/** `String.prototype.isWellFormed` (ES2024, in Node 20; beyond this build's ES2023 lib). */
type MaybeWellFormed = string & { isWellFormed(): boolean };

/** True if `encoded` holds U+FFFD's UTF-8 bytes or `__proto__`: MessagePack may have changed a string. */
export function mayHoldLossyStrings(encoded: Uint8Array): boolean {
  const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  return bytes.indexOf(REPLACEMENT_UTF8) !== -1 || bytes.indexOf(PROTO) !== -1;
}

/**
 * True if `value` (at any depth: arrays, plain objects and class instances, Maps' keys and
 * values, Sets) holds a string with half a surrogate pair, or an object with a field of its own
 * named `__proto__`. Values seen before are skipped, so a record that refers to itself ends.
 */
export function holdsLossyString(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value === 'string') return !(value as MaybeWellFormed).isWellFormed();
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) if (holdsLossyString(k, seen) || holdsLossyString(v, seen)) return true;
    return false;
  }
  if (value instanceof Set || Array.isArray(value)) {
    for (const v of value) if (holdsLossyString(v, seen)) return true;
    return false;
  }
  if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
  for (const k in value) if (holdsLossyString(k, seen) || holdsLossyString((value as Record<string, unknown>)[k], seen)) return true;
  return false;
}
