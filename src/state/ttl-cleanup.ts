import type { Clock } from '../util/clock.js';
import type { KeyGroupRange } from './key-groups.js';
import { type StoredLayout, type TtlValue, withoutExpired } from './state-meta.js';
import type { StampWatch, StateTable } from './state-table.js';

/**
 * Flink's incremental TTL cleanup: a cursor walks a state's entries across its table's units (key
 * groups on disk; on the heap, shards of int keys then key groups), and each `step` checks at
 * most `size` of them, removing what has expired. Bounded work per call. The on-disk backend
 * also runs one in the background for every TTL state.
 */
export class IncrementalCleanup {
  /** The unit being walked (on disk, where bounds are kept, a unit is a key group by index in the range). */
  private unitIndex = 0;
  private iterator: Iterator<[unknown, unknown]> | undefined;
  /** On disk, for a state of [value, timestamp] pairs: see {@link StampBounds}. */
  private readonly bounds: StampBounds | undefined;

  constructor(
    private readonly table: StateTable<unknown>,
    private readonly range: KeyGroupRange,
    private readonly layout: StoredLayout,
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly size: number,
  ) {
    const pairs = !layout.namespaced && layout.kind !== 'list' && layout.kind !== 'map';
    // Stamps are watched by key group: only where units are key groups (on disk).
    this.bounds = pairs && table.watchStamps && table.units === range.size ? new StampBounds(table, range.size) : undefined;
  }

  step(): void {
    const now = this.clock.now();
    const bounds = this.bounds;
    const units = this.table.units;
    for (let budget = this.size; budget > 0; budget--) {
      const unit = this.unitIndex;
      if (this.iterator === undefined) {
        // A key group where nothing can have expired counts as checked, one unit of the budget
        // as an empty one; a pass starts only if anything may have.
        const index = this.unitIndex;
        if (bounds !== undefined && (index === 0 ? bounds.noneExpiredAnywhere(now, this.ttlMs) : bounds.noneExpired(index, now, this.ttlMs))) {
          this.unitIndex = (index + 1) % units;
          continue;
        }
        this.iterator = this.entriesOf(unit);
        bounds?.scanStarts(index);
      }
      const next = this.iterator.next();
      if (next.done) {
        bounds?.scanEnds(this.unitIndex);
        this.iterator = undefined;
        this.unitIndex = (this.unitIndex + 1) % units;
        continue;
      }
      // The value as of now (on disk, the cached one where the cache holds a newer write); used
      // before anything else runs, so a write made since the walk started is never undone.
      const [key, stored] = next.value;
      if (stored === undefined) continue;
      const kept = withoutExpired(this.layout, stored, now, this.ttlMs);
      if (kept === undefined) this.table.delete(this.table.keyGroupOf(unit, key), key);
      else if (kept !== stored) this.table.set(this.table.keyGroupOf(unit, key), key, kept);
      else bounds?.kept((stored as TtlValue<unknown>)[1]);
    }
  }

  /**
   * The entries of key group `kg` to check, each with its current value. On disk one range scan
   * gives keys and values, the keys only in the write cache added (`storedEntries`), and nothing
   * is written out: `entries` writes the cache out first, a write transaction each time, and
   * entering every key group through it made per-record cleanup cost ~125 ms over 970 keys on
   * lmdb; writing it out once per pass still made ~60 write transactions a second in a job of
   * TTL'd state (pages each frees wait for any open checkpoint read, growing the data file);
   * reading each scanned key again through `get` cost a disk read per entry (and filled the
   * cache with entries the job never asked for). A key written after its key group's turn in a
   * pass is checked in the next one.
   */
  private entriesOf(unit: number): Iterator<[unknown, unknown]> {
    const table = this.table;
    if (table.storedEntries) return table.storedEntries(table.keyGroupOf(unit, undefined))[Symbol.iterator]();
    // The heap: its entries are live and a `get` costs a lookup in memory.
    const entries = table.unitEntries(unit)[Symbol.iterator]();
    return {
      next: () => {
        const n = entries.next();
        return n.done ? { value: undefined, done: true } : { value: [n.value[0], table.get(table.keyGroupOf(unit, n.value[0]), n.value[0])], done: false };
      },
    };
  }
}

/**
 * What lets the cleanup skip a key group of [value, timestamp] pairs without reading it: a lower
 * bound on every timestamp in it, on disk or only in the cache. A scan no write-out interrupted
 * met every key with a value when it started, with its current value (`storedEntries`: those on
 * disk and those only in the cache); and since the scan started the table has kept the earliest
 * timestamp set in the key group (`sinceReset`). A value set before the scan started and not
 * since is one the scan met. So min(what the scan kept, sinceReset) bounds every timestamp:
 * while that has not expired, nothing in the key group has. An interrupted scan gives no bound
 * (lmdb-js repositions its cursor after a commit, and can step over the key after a deleted one).
 */
class StampBounds {
  private readonly watch: StampWatch;
  /** Per key group: the bound its last scan left, without what was set since (-Infinity: none). */
  private readonly scanned: Float64Array;
  private scanMin = Infinity;
  private writeOutsAtStart = 0;

  constructor(
    private readonly table: StateTable<unknown>,
    size: number,
  ) {
    this.watch = table.watchStamps!();
    this.scanned = new Float64Array(size).fill(-Infinity);
  }

  noneExpired(index: number, now: number, ttlMs: number): boolean {
    return now < Math.min(this.scanned[index]!, this.watch.sinceReset[index]!) + ttlMs;
  }

  /** Whether no key group can hold an expired value: a pass is then not worth starting. */
  noneExpiredAnywhere(now: number, ttlMs: number): boolean {
    for (let i = 0; i < this.scanned.length; i++) if (!this.noneExpired(i, now, ttlMs)) return false;
    return true;
  }

  scanStarts(index: number): void {
    this.scanMin = Infinity;
    this.watch.sinceReset[index] = Infinity;
    this.writeOutsAtStart = this.table.writeOuts ?? 0;
  }

  kept(stamp: number): void {
    if (!(stamp >= this.scanMin)) this.scanMin = stamp;
  }

  scanEnds(index: number): void {
    this.scanned[index] = this.table.writeOuts === this.writeOutsAtStart ? this.scanMin : -Infinity;
  }
}
