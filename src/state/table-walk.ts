import type { StateTable } from './state-table.js';

/** One entry of a table with its key group. */
export interface KeyGroupEntry<V> {
  readonly keyGroup: number;
  readonly key: unknown;
  readonly value: V;
}

/**
 * The entries of `table` whose key groups are in `from`..`to`, in key group order, each key
 * group's as `entries(keyGroup)` yields them (int keys first): one walk over the table's units.
 * Walking key group by key group instead would walk every int key once per key group on the heap,
 * whose shards of int keys mix key groups (see StateTable.units). Taken before the caller changes
 * anything, so a caller may set or delete what it meets.
 */
export function entriesByKeyGroup<V>(table: StateTable<V>, from = table.keyGroupRange.start, to = table.keyGroupRange.end): KeyGroupEntry<V>[] {
  const byGroup: KeyGroupEntry<V>[][] = [];
  for (let u = 0; u < table.units; u++) {
    for (const [key, value] of table.unitEntries(u)) {
      const keyGroup = table.keyGroupOf(u, key);
      if (keyGroup < from || keyGroup > to) continue;
      (byGroup[keyGroup - from] ??= []).push({ keyGroup, key, value });
    }
  }
  const out: KeyGroupEntry<V>[] = [];
  for (const group of byGroup) if (group !== undefined) for (const e of group) out.push(e);
  return out;
}

/**
 * The keys of `table` with a value, unit by unit (see StateTable.units; on the heap, each shard's
 * int keys in slot order, then each key group's other keys), each unit's in an array of its own:
 * for a walk that reads each key's state itself (applyToAllKeys). Taken before the caller
 * changes anything. Neither an object per entry nor one array of every key: arrays over ~128 KiB
 * are fresh memory from the system at every walk, a page fault per 4 KiB on the VMs this runs
 * on (a job reading its 100k keys' counts at its end spent ~50 ms in entriesByKeyGroup).
 */
export function keysByUnit(table: StateTable<unknown>): (readonly unknown[])[] {
  const units: (readonly unknown[])[] = new Array<readonly unknown[]>(table.units);
  for (let u = 0; u < table.units; u++) {
    if (table.unitKeys !== undefined) units[u] = table.unitKeys(u);
    else {
      const keys: unknown[] = [];
      for (const entry of table.unitEntries(u)) keys.push(entry[0]);
      units[u] = keys;
    }
  }
  return units;
}
