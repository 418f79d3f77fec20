import { performance } from 'node:perf_hooks';
import { pack } from '../util/binary-codec.js';
import type { KeyGroupRange } from './key-groups.js';
import type { StateKinds } from './state-meta.js';
import type { StateTable } from './state-table.js';

/** How one state's stored values go into a snapshot: as they are, transformed, or dropped (undefined). */
export interface SnapshotState {
  readonly table: StateTable<unknown>;
  /** Undefined = stored values go in as they are (the fast path). */
  readonly encodeValue: ((stored: unknown) => unknown) | undefined;
}

/**
 * A keyed-state snapshot in progress: the cut is taken by freezing every key group (no copy);
 * each frozen key group is then encoded to bytes either by the background encoder or, if the
 * task touches it first, on that first access — after which the live maps may change freely.
 * So processing never waits for the whole state to be copied.
 */
export class PendingKeyedSnapshot {
  /** Encoded key groups: `{ [stateName]: [mapKey, value][] }`, by key group index. */
  private readonly encoded: (Uint8Array | undefined)[];
  private remaining: number;
  private nextToEncode = 0;
  /** The longest encode of one key group done on first access (a pause of processing). */
  maxInlineEncodeMs = 0;

  constructor(
    readonly checkpointId: number,
    readonly keyGroupRange: KeyGroupRange,
    private readonly tables: ReadonlyMap<string, SnapshotState>,
    readonly kinds: StateKinds,
    private readonly frozen: Uint8Array,
  ) {
    this.encoded = new Array(keyGroupRange.size);
    this.remaining = keyGroupRange.size;
    frozen.fill(1);
  }

  /** Encodes key group index `i` because processing is about to touch it. */
  encodeOnAccess(i: number): void {
    const start = performance.now();
    this.encode(i);
    this.maxInlineEncodeMs = Math.max(this.maxInlineEncodeMs, performance.now() - start);
  }

  /** Encodes key group index `i` now (first access after the cut, or background work). */
  encode(i: number): void {
    if (this.encoded[i] !== undefined) return;
    const kg = this.keyGroupRange.start + i;
    const states: Record<string, unknown[]> = {};
    let any = false;
    for (const [name, { table, encodeValue }] of this.tables) {
      const map = table.keyGroup(kg);
      if (map.size === 0) continue;
      if (encodeValue) {
        const entries: unknown[] = [];
        for (const [k, v] of map) {
          const e = encodeValue(v);
          if (e !== undefined) entries.push([k, e]);
        }
        if (entries.length === 0) continue;
        states[name] = entries;
      } else {
        states[name] = [...map];
      }
      any = true;
    }
    this.encoded[i] = any ? pack(states) : EMPTY;
    this.frozen[i] = 0;
    this.remaining--;
  }

  /** Encodes key groups until `deadline` (performance.now() ms); true when all are encoded. */
  encodeUntil(deadline: number, now: () => number): boolean {
    while (this.remaining > 0) {
      while (this.encoded[this.nextToEncode] !== undefined) this.nextToEncode++;
      this.encode(this.nextToEncode);
      if (now() >= deadline) break;
    }
    return this.remaining === 0;
  }

  get done(): boolean {
    return this.remaining === 0;
  }

  /** The encoded non-empty key groups, once done. */
  keyGroups(): Array<[number, Uint8Array]> {
    if (!this.done) throw new Error('internal: keyed snapshot read before it was encoded');
    const out: Array<[number, Uint8Array]> = [];
    for (let i = 0; i < this.encoded.length; i++) {
      const bytes = this.encoded[i]!;
      if (bytes !== EMPTY) out.push([this.keyGroupRange.start + i, bytes]);
    }
    return out;
  }
}

const EMPTY = new Uint8Array(0);
