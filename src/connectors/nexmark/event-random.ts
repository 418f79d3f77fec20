/**
 * The random numbers of one Nexmark event. As in Nexmark's reference generator (Beam's seeds a
 * `java.util.Random` with the event id), the stream of draws depends on the event's index
 * alone, so any event can be made on its own, in any order, by any reader.
 *
 * One instance is reused for every event (`reset(index)`), so making an event allocates nothing
 * here. 32-bit integer hashing only: no BigInt, no 64-bit emulation.
 */

import { fmix32, lowbias32 } from '../../util/int-hash.js';

const TWO_POW_32 = 4_294_967_296;
const TWO_POW_53 = 9_007_199_254_740_992;

export class EventRandom {
  /** [counter, key]: int32 slots, so updates never box a number. */
  private readonly state = new Int32Array(2);

  constructor(index = 0) {
    this.reset(index);
  }

  /** Starts the draws of event `index` (a non-negative safe integer). */
  reset(index: number): void {
    const lo = index >>> 0;
    const hi = Math.floor(index / TWO_POW_32);
    const seed = fmix32(lo ^ fmix32(hi ^ 0x5bd1e995));
    this.state[0] = seed;
    this.state[1] = fmix32(seed ^ 0x27d4eb2f);
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    // A Weyl sequence through a strong 32-bit hash (Wellons' lowbias32), keyed per event so that
    // two events never share a stretch of draws.
    const st = this.state;
    const counter = (st[0]! + 0x9e3779b9) | 0;
    st[0] = counter;
    return lowbias32(counter ^ st[1]!);
  }

  /** A uniform integer in `[0, bound)`; `bound` a positive integer. */
  nextInt(bound: number): number {
    // Exact for bounds up to 2^21, where uint32 * bound stays below 2^53; beyond that, 53 bits.
    if (bound <= 2_097_152) return Math.floor((this.nextUint32() * bound) / TWO_POW_32);
    return Math.floor(this.nextDouble() * bound);
  }

  /** A uniform double in `[0, 1)` with 53 random bits. */
  nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67_108_864 + b) / TWO_POW_53;
  }
}
