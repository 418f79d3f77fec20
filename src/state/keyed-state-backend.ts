import { type Clock, systemClock } from '../util/clock.js';
import type { StateBackendName } from '../util/state-backend-names.js';
import { MapStateDescriptor, type StateDescriptor } from './descriptors.js';
import { type KeyGroupRange, assignToKeyGroup, mapKey } from './key-groups.js';
import { KeyKindSet, type RecordedKeyKinds, noteUserKeysOf, userKeyKind } from './key-kinds.js';
import { RestoredKeyKinds } from './restored-key-kinds.js';
import { HeapTableStore } from './heap-table-store.js';
import { IncrementalSnapshots } from './incremental-snapshots.js';
import { cutStates } from './keyed-snapshot-cut.js';
import type { TableEntry } from './keyed-state-entry.js';
import { type KeyedStateParts, createKeyedState } from './keyed-state-factory.js';
import { type KeyedSnapshotForm, PendingKeyedSnapshot } from './keyed-state-snapshot.js';
import { NamespacedState, checkNamespaceMap, namespaceMerger } from './namespaced-state.js';
import { type AccessEpoch, NamespacedTable, type NamespaceMap } from './namespaced-table.js';
import { convertRawKeys, convertRawValues, noteKeyGroupWriters, restoredTableMeta } from './raw-restored-state.js';
import { type KeyGroupBlock, decodeKeyGroupBlock } from './snapshot-format/key-group-block.js';
import { MessagePackSerializer } from './serializers/type-serializer.js';
import type { SharedStateRef } from './snapshot-format/handles.js';
import type { State } from './state.js';
import { type StateKinds, type StateMeta, keyWriterOf, writerOf } from './state-meta.js';
import { keyReaders } from './map-key-serializers.js';
import { keysByUnit } from './table-walk.js';
import { ChangedKeys, type SnapshotGuard, type StateTable, type StateTableStore, type TrackedStateTable } from './state-table.js';
import { checkRegisteredAgain, checkRestoredAs, metaOf, restoredReaders } from './state-registration.js';
import type { IncrementalCleanup } from './ttl-cleanup.js';

/**
 * The key the task is processing. The task sets it before each record or timer; state objects
 * read it on every access, which is what scopes them to a key.
 */
export interface KeyContext {
  /** `keyGroup`: the key's key group, or -1 or undefined where not computed (it is computed when needed). */
  setCurrentKey(key: unknown, keyGroup?: number): void;
  getCurrentKey(): unknown;
}

/** {@link KeyedStateBackend.keyGroupHint} of a key whose key group is not computed yet. */
export const KEY_GROUP_NOT_COMPUTED = -2;

/** What a keyed state backend is built with besides its key groups. */
export interface KeyedStateBackendOptions {
  /** Where tables live (default: the heap). */
  readonly store?: StateTableStore;
  readonly clock?: Clock;
  /** Checkpoints write only what changed since the previous one (`execution.checkpointing.incremental`). */
  readonly incremental?: boolean;
}

/** How a snapshot is taken. */
export interface KeyedSnapshotOptions {
  /**
   * Self-contained, sharing no files, whatever `incremental` says: savepoints and
   * `flink checkpoint --full` (Flink's NO_SHARING).
   */
  readonly full: boolean;
  /** The newest checkpoint completed when this one was triggered (CheckpointOptions.latestCompleted). */
  readonly latestCompleted?: number;
}

/**
 * The keyed state of one subtask, partitioned by key group, with optional TTL and a serializer
 * per state, over a store of tables: the heap (`hashmap`) or disk (`lmdb`). One instance per
 * keyed operator subtask.
 */
export class KeyedStateBackend implements KeyContext, AccessEpoch {
  /** The key as the user's selector returned it. */
  private currentKey: unknown = undefined;
  /** The key as stored in maps (composites canonicalised). */
  currentMapKey: unknown = undefined;
  /**
   * The current key's key group where known, {@link KEY_GROUP_NOT_COMPUTED} where not computed
   * yet, -1 without a key. The states pass it to their tables as it is: the heap finds an int key
   * without its key group, which a record routed to the only consumer subtask comes without
   * (record-writer.ts). Everything else reads {@link currentKeyGroup}.
   */
  keyGroupHint = -1;
  /** Key groups are computed as keys are set, not when asked: the store needs one for every access (on disk). */
  private readonly eagerKeyGroups: boolean;
  /** Moves on every key change, snapshot cut and restore (see NamespacedTable). */
  accessEpoch = 0;
  private readonly tables = new Map<string, TableEntry>();
  private readonly states = new Map<string, State>();
  private readonly namespacedStates = new Map<string, NamespacedState<State>>();
  private readonly guard: SnapshotGuard;
  private pending: PendingKeyedSnapshot | undefined;
  private readonly perRecordCleanups: IncrementalCleanup[] = [];
  /** Tables holding restored entries back (see HeapStateTable.stage). */
  private readonly staged = new Set<StateTable<unknown>>();
  /** The registered states' tables that take prefetch hints (the heap's), each once. */
  private readonly prefetching: StateTable<unknown>[] = [];
  private readonly store: StateTableStore;
  private readonly clock: Clock;
  private readonly incremental: IncrementalSnapshots | undefined;
  /** The kinds of keys restored (see restored-key-kinds.ts): every batch of records is checked against them, map states' user keys too. */
  private readonly restoredKeys = new RestoredKeyKinds();
  /** The kinds of keys restored or written into snapshots: what each snapshot records (deltas hold only some keys). */
  private readonly keyKinds = new KeyKindSet();
  /** Likewise the kinds of each map state's user keys, by state name. */
  private readonly userKeyKinds = new Map<string, KeyKindSet>();
  /** What state objects are built with (keyed-state-factory.ts). */
  private readonly parts: KeyedStateParts;

  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
    options: KeyedStateBackendOptions = {},
  ) {
    this.store = options.store ?? new HeapTableStore(keyGroupRange, maxParallelism);
    this.eagerKeyGroups = !this.store.freezesAtCut;
    const frozen = new Uint8Array(this.store.units);
    this.guard = { frozen, thaw: (i) => this.pending?.encodeOnAccess(i) };
    this.clock = options.clock ?? systemClock;
    this.incremental = options.incremental ? new IncrementalSnapshots() : undefined;
    const { store, clock, perRecordCleanups, restoredKeys } = this;
    this.parts = { scope: this, keyGroupRange, clock, store, perRecordCleanups, userKeyFence: (name) => restoredKeys.userKeyFence(name) };
  }

  /** `state.backend.type` of this backend's store. */
  get type(): StateBackendName {
    return this.store.type;
  }

  setCurrentKey(key: unknown, keyGroup = -1): void {
    this.setCurrentKeyWithoutCleanup(key, keyGroup);
    const cleanups = this.perRecordCleanups;
    for (let i = 0; i < cleanups.length; i++) cleanups[i]!.step();
  }

  /**
   * Called once per batch of records, before they are processed: loads where the states' lookups
   * of the batch's keys will go. After a restore, every batch is checked to bring only keys of
   * kinds the restored state holds (one pass over the keys, off the per-record path).
   * @throws KeyTypeChangedError if the job's keys are of another type than the restored ones
   */
  prefetch(keys: ArrayLike<unknown>): void {
    if (this.restoredKeys.armed) this.restoredKeys.checkBatch(keys);
    const t = this.prefetching;
    for (let i = 0; i < t.length; i++) t[i]!.prefetch!(keys);
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  /** The current key's key group (-1 without a key), computed on the first ask for a key set without one. */
  get currentKeyGroup(): number {
    const kg = this.keyGroupHint;
    return kg !== KEY_GROUP_NOT_COMPUTED ? kg : (this.keyGroupHint = this.keyGroupOf(this.currentMapKey));
  }

  /**
   * Makes `key` current without a step of per-record TTL cleanup: for engine work that visits
   * keys outside the record stream (writing back buffered window accumulators), which must not
   * advance cleanup differently from a run without it.
   */
  setCurrentKeyWithoutCleanup(key: unknown, keyGroup: number): void {
    this.accessEpoch++;
    this.currentKey = key;
    const mk = typeof key === 'object' ? mapKey(key) : key;
    this.currentMapKey = mk;
    // A stored key's key group is its user key's (a composite's is its canonical form's hash).
    this.keyGroupHint = keyGroup >= 0 ? keyGroup : this.eagerKeyGroups ? this.keyGroupOf(mk) : KEY_GROUP_NOT_COMPUTED;
  }

  /** Kept out of the record path's own code (V8 inlines it only within a budget of bytecode). */
  private keyGroupOf(mapKey: unknown): number {
    return assignToKeyGroup(mapKey, this.maxParallelism);
  }

  /**
   * The state object for `descriptor`, created on first use; the same object afterwards. A state
   * restored from a snapshot is checked first: same kind, TTL on or off as before, and a
   * serializer that can read what was written (values are migrated if needed). Names starting
   * with `_` are the engine's own (user code reaches this through the runtime context, which
   * refuses them).
   */
  getOrCreateState<S extends State>(descriptor: StateDescriptor): S {
    this.putStaged();
    if (this.registeredAs(descriptor, false)) return this.states.get(descriptor.name) as S;
    const table = this.tableFor(descriptor, false);
    const state = createKeyedState(this.parts, descriptor, table, table, false);
    this.states.set(descriptor.name, state);
    return state as S;
  }

  /**
   * The namespaced state for `descriptor` (window contents, trigger state, a window function's
   * `windowState()`): its `state` is scoped to the current key and the namespace set on it.
   * Created on first use, the same object afterwards; a restored state is checked as
   * {@link getOrCreateState} checks it, and must have been namespaced too. A name is either
   * namespaced or not, never both.
   */
  getOrCreateNamespacedState<S extends State>(descriptor: StateDescriptor): NamespacedState<S> {
    this.putStaged();
    if (this.registeredAs(descriptor, true)) return this.namespacedStates.get(descriptor.name) as NamespacedState<S>;
    const outer = this.tableFor(descriptor, true) as StateTable<NamespaceMap<unknown>>;
    const ttl = descriptor.getTtlConfig() !== undefined;
    // TTL cleanup rewrites stored maps behind the view's back: such a view fetches every time.
    // A stored namespace map changed in place needs no `set` back, unless changes are tracked.
    const view = new NamespacedTable<unknown>(outer, ttl ? undefined : this, this.store.storesByReference && this.incremental === undefined);
    const state = createKeyedState(this.parts, descriptor, view, outer, true);
    const [merger, why] = namespaceMerger(descriptor, () => this.clock.now());
    const namespaced = new NamespacedState<State>(descriptor.name, state, view, this, merger, why);
    this.namespacedStates.set(descriptor.name, namespaced);
    return namespaced as NamespacedState<S>;
  }

  /** True if `d`'s name is registered already, as the same kind and (non-)namespaced; throws if it is registered otherwise. */
  private registeredAs(d: StateDescriptor, namespaced: boolean): boolean {
    const registered = this.tables.get(d.name)?.descriptor;
    if (!registered) return false;
    checkRegisteredAgain(registered, d, this.namespacedStates.has(d.name), namespaced);
    return true;
  }

  /** The table of a state being registered: a restored one (checked), or a new one. */
  private tableFor(d: StateDescriptor, namespaced: boolean): StateTable<unknown> {
    const entry = this.tables.get(d.name);
    const table = entry ? this.adoptRestored(entry, d, namespaced) : this.newTable(d.name, metaOf(d, namespaced), false);
    this.tables.get(d.name)!.descriptor = d;
    if (table.prefetch !== undefined && !this.prefetching.includes(table)) this.prefetching.push(table);
    return table;
  }

  /**
   * Calls `fn` with every key of this subtask that has a value in state `descriptor`, the
   * backend's current key set to it (Flink's applyToAllKeys); the keys are collected first, so
   * `fn` may change or clear the state. The current key is restored afterwards. Keys are passed
   * as stored (composite keys in their canonical form), unit by unit of the table (see
   * keysByUnit): on the heap int keys shard by shard, then the others key group by key group; on
   * disk key group by key group. Flink's heap backend visits them in key group order, but
   * promises no order.
   */
  applyToAllKeys(descriptor: StateDescriptor, fn: (key: unknown, state: State) => void): void {
    const state = this.getOrCreateState<State>(descriptor);
    const table = this.tables.get(descriptor.name)!.table;
    const units = keysByUnit(table);
    const previousKey = this.currentKey;
    const previousMapKey = this.currentMapKey;
    const previousGroup = this.keyGroupHint;
    try {
      for (let u = 0; u < units.length; u++) {
        const keys = units[u]!;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          this.setCurrentKey(key, table.keyGroupOf(u, key));
          fn(key, state);
        }
      }
    } finally {
      // Back to the caller's key, or to no key at all (a broadcast element has none).
      this.accessEpoch++;
      this.currentKey = previousKey;
      this.currentMapKey = previousMapKey;
      this.keyGroupHint = previousGroup;
    }
  }

  /** Every state's table and metadata, by name (registered and restored-only), for inspection. */
  stateTables(): ReadonlyMap<string, { readonly meta: StateMeta; readonly table: StateTable<unknown> }> {
    this.putStaged();
    return this.tables;
  }

  /**
   * Takes the synchronous cut of a checkpoint: O(units: key groups and shards), no copying. The returned snapshot
   * encodes units lazily; a snapshot still pending from before is finished first. With
   * incremental checkpoints, a checkpoint's snapshot is a delta when it can be.
   */
  snapshot(checkpointId: number, options: KeyedSnapshotOptions = { full: false }): PendingKeyedSnapshot {
    this.putStaged();
    this.accessEpoch++;
    this.pending?.encodeUntil(Infinity, () => 0);
    const now = this.clock.now();
    let form: KeyedSnapshotForm = { kind: 'self-contained' };
    let changed: ReadonlyMap<string, readonly Set<unknown>[]> | undefined;
    if (this.incremental && options.full) this.incremental.fullCut(checkpointId);
    else if (this.incremental) {
      const tracked = new Map<string, ChangedKeys>();
      for (const [name, e] of this.tables) if (e.table.changes) tracked.set(name, e.table.changes);
      ({ form, changed } = this.incremental.cut(checkpointId, tracked, options.latestCompleted));
    }
    const cut = this.store.cut();
    const { states: tables, kinds } = cutStates(this.tables, cut, now, changed);
    const release = (s: PendingKeyedSnapshot) => {
      cut.release();
      if (this.pending !== s) return;
      this.pending = undefined;
      this.guard.frozen.fill(0);
    };
    const frozen = this.store.freezesAtCut ? this.guard.frozen : new Uint8Array(this.store.units);
    const written = (file: SharedStateRef) => this.incremental?.written(checkpointId, file);
    const pending = new PendingKeyedSnapshot(checkpointId, this.keyGroupRange, tables, kinds, frozen, form, release, written, this.keyKinds, this.userKeyKinds);
    this.pending = pending;
    return pending;
  }

  /** Checkpoint `checkpointId` is complete: incremental checkpoints may build on it. */
  notifyCheckpointComplete(checkpointId: number): void {
    this.incremental?.complete(checkpointId);
  }

  /**
   * Loads one key group of a snapshot: a full block, or a delta applied over what is loaded
   * (the blocks of an incremental chain come in order).
   *
   * @throws SnapshotRestoreError naming the operator, file and key group if the block is damaged
   */
  restoreKeyGroup(block: KeyGroupBlock, kinds: StateKinds): void {
    const keyGroup = block.keyGroup;
    if (!this.keyGroupRange.contains(keyGroup)) {
      throw new Error(`internal: key group ${keyGroup} restored into a subtask owning ${this.keyGroupRange.start}-${this.keyGroupRange.end}`);
    }
    // A block is read with its own subtask's metadata, which may name other writers than the merged one.
    const fileKinds = block.kinds ?? kinds;
    const { puts, deletes } = decodeKeyGroupBlock(block, fileKinds);
    this.accessEpoch++;
    // A delta applies over what the blocks before it put.
    if (block.delta) this.putStaged();
    // Nothing reads the tables until a state is registered: restored entries may wait (see HeapStateTable.stage).
    const staging = !block.delta && this.states.size === 0 && this.namespacedStates.size === 0;
    for (const name of new Set([...Object.keys(puts), ...Object.keys(deletes)])) {
      const meta = fileKinds[name]!;
      if (meta.namespaced) for (const [, v] of puts[name] ?? []) checkNamespaceMap(v, name, block);
      const table = this.restoredTable(name, meta, keyGroup, block);
      // Restored entries are the base of the next full checkpoint, not changes to ship.
      const changes = table.changes;
      table.changes = undefined;
      const put = puts[name] ?? [];
      const stage = staging ? table.stage : undefined;
      if (put.length > 0 && stage === undefined) table.reserve?.(keyGroup, put);
      // Timers and window state count: each of their keys is a key the job's records must bring again.
      const where = () => `key group ${keyGroup} in ${block.source.file}`;
      for (const [k] of put) {
        this.restoredKeys.note(k, block.source.operator, where);
        this.keyKinds.note(k);
      }
      if (meta.kind === 'map') {
        const userKeys = this.userKeyKindsOf(name);
        for (const [, v] of put) {
          this.restoredKeys.noteUserKeys(name, meta, v);
          noteUserKeysOf(meta, v, userKeys);
        }
      }
      if (stage !== undefined) {
        stage.call(table, keyGroup, put);
        this.staged.add(table);
      } else for (const [k, v] of put) table.set(keyGroup, k, v);
      for (const k of deletes[name] ?? []) table.delete(keyGroup, k);
      table.changes = changes;
    }
  }

  /**
   * The kinds of keys (and map states' user keys) restored operator `uid`'s snapshot recorded
   * over all its subtasks, if it did (see restored-key-kinds.ts): records and map accesses are
   * checked against these rather than only the kinds this subtask restored. Called after the key
   * groups are restored, before the operator registers its states.
   */
  restoredKeyKinds(uid: string, recorded: RecordedKeyKinds): void {
    this.restoredKeys.operatorWide(uid, recorded);
    // A map state whose user keys are still its key serializer's bytes showed no kinds at restore;
    // the operator's record stands for them, so a snapshot taken before it is registered records
    // them again (as inline keys are), and a restore from that snapshot still knows them.
    for (const [name, kinds] of Object.entries(recorded.userKeyKinds ?? {})) if (this.tables.get(name)?.rawKeys) this.userKeyKindsOf(name).addAll(kinds);
  }

  /** The user-key kinds of map state `name` restored or written into snapshots (created empty). */
  private userKeyKindsOf(name: string): KeyKindSet {
    let kinds = this.userKeyKinds.get(name);
    if (kinds === undefined) this.userKeyKinds.set(name, (kinds = new KeyKindSet(userKeyKind)));
    return kinds;
  }

  /**
   * The table `name`'s restored key group `keyGroup` goes into, noting its writer where it is not
   * the table's (a state migrated on some old subtasks only, restored into one).
   */
  private restoredTable(name: string, meta: StateMeta, keyGroup: number, block: KeyGroupBlock): TrackedStateTable<unknown> {
    const writer = writerOf(meta, keyGroup);
    const keyWriter = keyWriterOf(meta, keyGroup);
    const raw = writer.name !== MessagePackSerializer.NAME;
    let entry = this.tables.get(name);
    if (!entry) {
      this.newTable(name, restoredTableMeta(meta, writer, keyWriter), raw);
      entry = this.tables.get(name)!;
    }
    noteKeyGroupWriters(entry, name, keyGroup, writer, keyWriter, raw, block.source.file);
    return entry.table;
  }

  /** Puts the restored entries tables hold back (see HeapStateTable.stage); before anything reads a table. */
  private putStaged(): void {
    if (this.staged.size === 0) return;
    for (const t of this.staged) t.putStaged!();
    this.staged.clear();
  }

  /** Frees the store (on disk: deletes the backend's files). Called once the task is done. */
  dispose(): void {
    this.pending?.release();
    this.store.dispose();
  }

  private adoptRestored(entry: TableEntry, d: StateDescriptor, namespaced: boolean): StateTable<unknown> {
    const { meta } = entry;
    checkRestoredAs(meta, d, namespaced);
    const serializer = d.getSerializer();
    // Every writer is checked before anything is converted: key groups may have several.
    const readers = restoredReaders(d.name, serializer, [meta.serializer, ...new Set(entry.writers?.values())]);
    // Likewise the user keys' writers, against the job's key serializer (MessagePack if none is set).
    const ownKeys = keyWriterOf(meta, -1);
    const keys = d instanceof MapStateDescriptor ? keyReaders(d.name, d.getKeySerializer(), [ownKeys, ...new Set(entry.keyWriters?.values())]) : undefined;
    // Converting rewrites values in place: a snapshot still reading them must encode them first.
    this.pending?.encodeUntil(Infinity, () => 0);
    this.accessEpoch++;
    if (entry.raw) convertRawValues(d.name, entry, serializer, (kg) => readers.get(entry.writers?.get(kg) ?? meta.serializer), this.keyGroupRange);
    if (entry.rawKeys && keys) {
      // Restored user keys are noted for the user-key fence as they are read: as bytes at restore, their kinds were unknown.
      convertRawKeys(entry, this.keyGroupRange, (kg) => keys.get(entry.keyWriters?.get(kg) ?? ownKeys), (converted) => {
        this.restoredKeys.noteUserKeysLate(d.name, meta, converted);
        noteUserKeysOf(meta, converted, this.userKeyKindsOf(d.name));
      });
    }
    entry.meta = metaOf(d, namespaced);
    entry.raw = false;
    entry.writers = undefined;
    entry.rawKeys = false;
    entry.keyWriters = undefined;
    return entry.table;
  }

  private newTable(name: string, meta: StateMeta, raw: boolean): TrackedStateTable<unknown> {
    const table = this.store.createTable(this.guard);
    if (this.incremental) table.changes = new ChangedKeys(table.units);
    this.tables.set(name, { meta, table, descriptor: undefined, raw });
    return table;
  }
}
