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
