import type { KeyGroupRange } from './key-groups.js';
import { type ChangedKeys, NO_GUARD, type SnapshotGuard, type StateTable } from './state-table.js';

/**
 * The heap table: one Map per key group. A JS Map holds at most 2^24 entries; splitting by key
 * group lets a subtask hold up to 2^24 keys per key group (over two billion at the default max
 * parallelism).
 */
export class HeapStateTable<V> implements StateTable<V> {
  private readonly maps: Map<unknown, V>[];
  /** Set while incremental checkpoints are on. */
  changes: ChangedKeys | undefined;

  /**
   * @param guard key groups frozen by a snapshot in progress; the first access to one lets the
   *   snapshot encode it before anything can change (see PendingKeyedSnapshot)
   */
  constructor(
    readonly keyGroupRange: KeyGroupRange,
    private readonly guard: SnapshotGuard = NO_GUARD,
  ) {
    this.maps = Array.from({ length: keyGroupRange.size }, () => new Map<unknown, V>());
  }

  get(keyGroup: number, key: unknown): V | undefined {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    return this.maps[i]!.get(key);
  }

  set(keyGroup: number, key: unknown, value: V): void {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    this.maps[i]!.set(key, value);
    this.changes?.record(keyGroup, key);
  }

  delete(keyGroup: number, key: unknown): void {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    if (this.maps[i]!.delete(key)) this.changes?.record(keyGroup, key);
  }

  /** The live entries of one key group, for snapshots and restore (no freeze check). */
  entries(keyGroup: number): Map<unknown, V> {
    return this.maps[keyGroup - this.keyGroupRange.start]!;
  }

  get size(): number {
    let n = 0;
    for (const m of this.maps) n += m.size;
    return n;
  }
}
