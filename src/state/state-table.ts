import { KeyGroupRange } from './key-groups.js';

/**
 * The values of one keyed state for the key groups of one subtask: one Map per key group.
 * A JS Map holds at most 2^24 entries; splitting by key group lets a subtask hold up to
 * 2^24 keys per key group (over two billion at the default max parallelism).
 */
export class StateTable<V> {
  private readonly maps: Map<unknown, V>[];

  constructor(readonly keyGroupRange: KeyGroupRange) {
    this.maps = Array.from({ length: keyGroupRange.size }, () => new Map<unknown, V>());
  }

  get(keyGroup: number, key: unknown): V | undefined {
    return this.maps[keyGroup - this.keyGroupRange.start]!.get(key);
  }

  set(keyGroup: number, key: unknown, value: V): void {
    this.maps[keyGroup - this.keyGroupRange.start]!.set(key, value);
  }

  delete(keyGroup: number, key: unknown): void {
    this.maps[keyGroup - this.keyGroupRange.start]!.delete(key);
  }

  /** The entries of one key group, for snapshots. */
  keyGroup(keyGroup: number): Map<unknown, V> {
    return this.maps[keyGroup - this.keyGroupRange.start]!;
  }

  /** Number of keys with a value, over all key groups. */
  get size(): number {
    let n = 0;
    for (const m of this.maps) n += m.size;
    return n;
  }
}
