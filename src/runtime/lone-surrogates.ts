/*
 * Strings holding half a surrogate pair (what `s.slice(0, n)` makes of an emoji cut in two) have
 * no UTF-8 form: MessagePack writes U+FFFD in their place. On one thread such a string reaches
 * the next operator as it is, so a batch for another worker thread must not change it — a key
 * would arrive as another key, under the key group the producer computed for the original.
 * Finding them costs a byte search of the encoded batch for U+FFFD's UTF-8 form (EF BF BD), which
 * a replaced half pair leaves behind; only a batch where it turns up (a replacement, a genuine
 * U+FFFD, or those bytes inside a number column) has its strings looked at.
 */

const REPLACEMENT_UTF8 = Buffer.from([0xef, 0xbf, 0xbd]);

/** `String.prototype.isWellFormed` (ES2024, in Node 20; beyond this build's ES2023 lib). */
type MaybeWellFormed = string & { isWellFormed(): boolean };

/** True if `encoded` holds U+FFFD's UTF-8 bytes: a half surrogate pair may have been replaced. */
export function mayHoldReplacedSurrogates(encoded: Uint8Array): boolean {
  return Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).indexOf(REPLACEMENT_UTF8) !== -1;
}

/**
 * True if some string in `value` (at any depth: arrays, plain objects and class instances,
 * Maps' keys and values, Sets) holds half a surrogate pair. Values seen before are skipped, so a
 * record that refers to itself ends.
 */
export function holdsLoneSurrogate(value: unknown, seen = new Set<object>()): boolean {
  if (typeof value === 'string') return !(value as MaybeWellFormed).isWellFormed();
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || seen.has(value)) return false;
  seen.add(value);
  if (value instanceof Map) {
    for (const [k, v] of value) if (holdsLoneSurrogate(k, seen) || holdsLoneSurrogate(v, seen)) return true;
    return false;
  }
  if (value instanceof Set || Array.isArray(value)) {
    for (const v of value) if (holdsLoneSurrogate(v, seen)) return true;
    return false;
  }
  for (const k in value) if (holdsLoneSurrogate(k, seen) || holdsLoneSurrogate((value as Record<string, unknown>)[k], seen)) return true;
  return false;
}
