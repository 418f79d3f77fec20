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
  private iterator: Iterator<[unknown, unknown]> | undefined;

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
      this.iterator ??= this.entriesOf(kg);
      const next = this.iterator.next();
      if (next.done) {
        this.iterator = undefined;
        this.keyGroupIndex = (this.keyGroupIndex + 1) % this.range.size;
        continue;
      }
      // The value as of now (on disk, the cached one where the cache holds a newer write); used
      // before anything else runs, so a write made since the walk started is never undone.
      const [key, stored] = next.value;
      if (stored === undefined) continue;
      const kept = withoutExpired(this.layout, stored, now, this.ttlMs);
      if (kept === undefined) this.table.delete(kg, key);
      else if (kept !== stored) this.table.set(kg, key, kept);
    }
  }

  /**
   * The entries of key group `kg` to check, each with its current value. On disk a pass writes
   * the cache out once, as it starts, and then scans the entries written out (`storedEntries`),
   * keys and values in one range scan: `entries` writes the cache out first, a write transaction
   * each time, and entering every key group through it made per-record cleanup cost ~125 ms over
   * 970 keys on lmdb; reading each scanned key again through `get` cost a disk read per entry
   * (and filled the cache with entries the job never asked for). A key written after its key
   * group's turn in a pass is checked in the next one.
   */
  private entriesOf(kg: number): Iterator<[unknown, unknown]> {
    const table = this.table;
    if (table.storedEntries) return table.storedEntries(kg, this.keyGroupIndex === 0)[Symbol.iterator]();
    // The heap: its entries are live and a `get` costs a lookup in memory.
    const entries = table.entries(kg)[Symbol.iterator]();
    return {
      next: () => {
        const n = entries.next();
        return n.done ? { value: undefined, done: true } : { value: [n.value[0], table.get(kg, n.value[0])], done: false };
      },
    };
  }
}
