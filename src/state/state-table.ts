import type { StateBackendName } from '../util/state-backend-names.js';
import type { KeyGroupRange } from './key-groups.js';

/** Which units (see StateTable.units) a snapshot has frozen, and how to release one before it is touched. */
export interface SnapshotGuard {
  /** 1 where the unit is frozen. */
  readonly frozen: Uint8Array;
  thaw(index: number): void;
}

export const NO_GUARD: SnapshotGuard = { frozen: new Uint8Array(0), thaw: () => {} };

/**
 * The stored values of one keyed state for the key groups of one subtask, keyed by key group
 * and map key (the key as the backend stores it). Implemented in memory and on disk; the state
 * objects (ValueState, ListState, ...) work on either through this interface.
 *
 * A state that changes a stored value in place (a list it appends to, a map it puts into) must
 * still call `set` with it: the on-disk table persists only what is set, and incremental
 * checkpoints only ship keys that were set or deleted.
 */
export interface StateTable<V> {
  readonly keyGroupRange: KeyGroupRange;
  /**
   * `keyGroup` is the key's key group, or -1 where the caller has not computed it (a record
   * routed to the only consumer subtask): the table computes it if it needs it. `key` is the key
   * as stored (mapKey), whose key group is the user key's.
   */
  get(keyGroup: number, key: unknown): V | undefined;
  set(keyGroup: number, key: unknown, value: V): void;
  delete(keyGroup: number, key: unknown): void;
  /**
   * The current entries of one key group (live for the heap; a consistent read on disk). On the
   * heap this walks every int key: a walk over all key groups goes by {@link units} instead.
   */
  entries(keyGroup: number): Iterable<[unknown, V]>;
  /**
   * The parts a walk over every entry goes through, each entry in exactly one: key groups on
   * disk; on the heap, shards of int keys (key groups mixed), then key groups. Also what a
   * snapshot freezes and encodes at a time, and what incremental changes are recorded by.
   */
  readonly units: number;
  /** The current entries of unit `unit` (0 .. units - 1), as {@link entries}. */
  unitEntries(unit: number): Iterable<[unknown, V]>;
  /** The keys of unit `unit` with a value, as {@link unitEntries} gives them, in a new array; unset where a walk of `unitEntries` costs as little. */
  unitKeys?(unit: number): unknown[];
  /** The key group of `key`, an entry of unit `unit`. */
  keyGroupOf(unit: number, key: unknown): number;
  /** Number of keys with a value, over all key groups. */
  readonly size: number;
  /** Makes room for `entries`, about to be set in `keyGroup` by a restore (a hint; a table may ignore it). */
  reserve?(keyGroup: number, entries: readonly (readonly [unknown, unknown])[]): void;
  /**
   * The entries of one key group, each with the value `get` would return at the moment it is
   * yielded: for a walk that judges each entry and may delete or rewrite it through the table
   * (TTL cleanup). Every key with a value at the call is met, written out or only cached, and
   * nothing is written out (on disk `entries` writes the cache out, a write transaction each
   * time); a key given a value during the walk may be missed. Unset where `entries` costs
   * nothing more (the heap).
   */
  storedEntries?(keyGroup: number): Iterable<[unknown, V | undefined]>;
  /**
   * Starts keeping the earliest timestamps of the values `set` per key group, for a table of
   * [value, timestamp] pairs: TTL cleanup skips key groups in which nothing can have expired.
   * Unset where walking a key group costs too little to be worth it (the heap).
   */
  watchStamps?(): StampWatch;
  /** How many times pending changes were written out (on disk: write transactions committed), where `watchStamps` is set. */
  readonly writeOuts?: number;
  /**
   * Takes a restore's entries of `keyGroup`, which may be held back until {@link putStaged}: the
   * caller calls it before anything reads the table. Unset where a restore sets entries one by one.
   */
  stage?(keyGroup: number, entries: readonly (readonly [unknown, unknown])[]): void;
  /** Puts what {@link stage} held back. */
  putStaged?(): void;
  /** Loads where lookups of these keys will go, ahead of them (a hint; a table may ignore it). */
  prefetch?(keys: ArrayLike<unknown>): void;
}

/** Earliest timestamps of values set into a table of [value, timestamp] pairs, per key group by index in the range. */
export interface StampWatch {
  /** Since the watcher last put Infinity in the slot (the watcher's own). */
  readonly sinceReset: Float64Array;
}

/**
 * The keys of one state set or deleted since a point in time, per unit of its table (see
 * StateTable.units: on the heap an int key is recorded by its shard, without its key group):
 * what an incremental checkpoint has to ship. Only tracked while incremental checkpoints are on.
 */
export class ChangedKeys {
  private sets: Set<unknown>[];

  constructor(private readonly units: number) {
    this.sets = Array.from({ length: units }, () => new Set<unknown>());
  }

  record(unit: number, key: unknown): void {
    this.sets[unit]!.add(key);
  }

  /** Takes the changes recorded so far and starts a new, empty record. */
  take(): Set<unknown>[] {
    const taken = this.sets;
    this.sets = Array.from({ length: this.units }, () => new Set<unknown>());
    return taken;
  }

  get count(): number {
    let n = 0;
    for (const s of this.sets) n += s.size;
    return n;
  }
}

/** A table whose changes can be tracked for incremental checkpoints. */
export interface TrackedStateTable<V> extends StateTable<V> {
  changes: ChangedKeys | undefined;
}

/** The tables of a store as they were at a snapshot's cut, by unit (see StateTable.units). */
export interface StoreCut {
  entries(table: TrackedStateTable<unknown>, unit: number): Iterable<[unknown, unknown]>;
  get(table: TrackedStateTable<unknown>, unit: number, key: unknown): unknown;
  /** The snapshot no longer reads the cut. */
  release(): void;
}

/**
 * Where a keyed state backend keeps its tables: in memory or on disk. The backend's logic
 * (states, TTL, serializers, snapshots) is the same over either.
 */
export interface StateTableStore {
  /** `state.backend.type` of this store. */
  readonly type: StateBackendName;
  /**
   * A snapshot's cut freezes key groups and encodes each before it changes (the heap), rather
   * than reading a view the store keeps consistent by itself (a disk store's read transaction).
   */
  readonly freezesAtCut: boolean;
  /**
   * Tables keep the values they are given, not copies: a value read back is the stored one, so
   * changing it in place changes the store (the heap). `set` is then only needed for tracking.
   */
  readonly storesByReference: boolean;
  /** The units of every table of the store (see StateTable.units). */
  readonly units: number;
  createTable(guard: SnapshotGuard): TrackedStateTable<unknown>;
  /** Takes a consistent view for a snapshot; heap tables rely on the snapshot's freeze instead. */
  cut(): StoreCut;
  /** Registers bounded work the store runs in the background (on disk: TTL cleanup); a store without background work ignores it. */
  addBackgroundWork(step: () => void): void;
  /** Frees what the store holds (on disk: deletes its files). */
  dispose(): void;
}
