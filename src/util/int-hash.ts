/**
 * 32-bit integer hashes of the xorshift-multiply family (x ^= x >>> s; x *= m; twice, then a
 * last xorshift), which differ only in their five constants. Pure 32-bit arithmetic: no
 * BigInt, no allocation, small enough for V8 to inline at every call.
 */

function xorshiftMultiply(x: number, s1: number, m1: number, s2: number, m2: number, s3: number): number {
  x ^= x >>> s1;
  x = Math.imul(x, m1);
  x ^= x >>> s2;
  x = Math.imul(x, m2);
  x ^= x >>> s3;
  return x >>> 0;
}

/** MurmurHash3's finalizer (fmix32): spreads nearby inputs over the whole range; unsigned. */
export function fmix32(h: number): number {
  return xorshiftMultiply(h, 16, 0x85ebca6b, 13, 0xc2b2ae35, 16);
}

/** Wellons' lowbias32 (hash-prospector): a stronger mix of a counter; unsigned. */
export function lowbias32(x: number): number {
  return xorshiftMultiply(x, 16, 0x21f0aaad, 15, 0x735a2d97, 15);
}
