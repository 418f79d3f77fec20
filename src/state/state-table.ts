import type { KeyGroupRange } from './key-groups.js';

/** Which key groups a snapshot has frozen, and how to release one before it is touched. */
export interface SnapshotGuard {
  /** 1 where the key group (by index in the range) is frozen. */
  readonly frozen: Uint8Array;
  thaw(index: number): void;
}

const NO_GUARD: SnapshotGuard = { frozen: new Uint8Array(0), thaw: () => {} };

/**
 * The values of one keyed state for the key groups of one subtask: one Map per key group.
 * A JS Map holds at most 2^24 entries; splitting by key group lets a subtask hold up to
 * 2^24 keys per key group (over two billion at the default max parallelism).
 */
export class StateTable<V> {
  private readonly maps: Map<unknown, V>[];

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
  }

  delete(keyGroup: number, key: unknown): void {
    const i = keyGroup - this.keyGroupRange.start;
    if (this.guard.frozen[i] === 1) this.guard.thaw(i);
    this.maps[i]!.delete(key);
  }

  /** The entries of one key group, for snapshots and restore (no freeze check). */
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
