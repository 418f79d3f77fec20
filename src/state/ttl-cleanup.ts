import type { Clock } from '../util/clock.js';
import type { KeyGroupRange } from './key-groups.js';
import { type StoredLayout, withoutExpired } from './state-meta.js';
import type { StateTable } from './state-table.js';

/**
 * Flink's incremental TTL cleanup: a cursor walks a state's entries across key groups, and each
 * `step` checks at most `size` of them, removing what has expired. Bounded work per call.
 * The on-disk backend also runs one in the background for every TTL state.
 */
export class IncrementalCleanup {
  private keyGroupIndex = 0;
  private iterator: Iterator<unknown> | undefined;

  constructor(
    private readonly table: StateTable<unknown>,
    private readonly range: KeyGroupRange,
    private readonly layout: StoredLayout,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly size: number,
  ) {}

  step(): void {
    const now = this.clock.now();
    for (let budget = this.size; budget > 0; budget--) {
      const kg = this.range.start + this.keyGroupIndex;
      this.iterator ??= this.keysOf(kg);
      const next = this.iterator.next();
      if (next.done) {
        this.iterator = undefined;
        this.keyGroupIndex = (this.keyGroupIndex + 1) % this.range.size;
        continue;
      }
      // Read through the table: on disk the iteration lags behind cached writes.
      const key = next.value;
      const stored = this.table.get(kg, key);
      if (stored === undefined) continue;
      const kept = withoutExpired(this.layout, stored, now, this.ttlMs);
      if (kept === undefined) this.table.delete(kg, key);
      else if (kept !== stored) this.table.set(kg, key, kept);
    }
  }

  /**
   * The keys of key group `kg` to check. On disk a pass writes the cache out once, as it starts
   * (through `entries`), and then walks the keys written out (`storedKeys`): `entries` writes the
   * cache out first, a write transaction each time, and entering every key group through it made
   * per-record cleanup cost ~125 ms over 970 keys on lmdb, against ~1 ms without cleanup. A key
   * written after its key group's turn in a pass is checked in the next one.
   */
  private keysOf(kg: number): Iterator<unknown> {
    const stored = this.keyGroupIndex === 0 ? undefined : this.table.storedKeys?.(kg);
    if (stored !== undefined) return stored[Symbol.iterator]();
    const entries = this.table.entries(kg)[Symbol.iterator]();
    return {
      next: () => {
        const n = entries.next();
        return n.done ? { value: undefined, done: true } : { value: n.value[0], done: false };
      },
    };
  }
}
