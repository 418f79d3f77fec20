/**
 * A murmur-style mix of an index with a seed: cheap, deterministic, and without patterns, so a
 * generator's fields look random while event i is always the same event.
 */
export function mix(i: number, seed: number): number {
  let x = Math.imul(i ^ seed, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
