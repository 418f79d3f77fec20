import { type Clock, systemClock } from '../util/clock.js';
import { isDeepStrictEqual } from 'node:util';
import { FlinkError, StateMigrationError, StateSerializationError } from '../util/errors.js';
import type { StateBackendName } from '../util/state-backend-names.js';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import {
  KeyedAggregatingState,
  KeyedListState,
  KeyedMapState,
  KeyedReducingState,
  KeyedValueState,
  PlainCell,
  defaultValueOf,
  listNullRefusal,
} from './keyed-states.js';
import { type KeyGroupRange, assignToKeyGroup, mapKey } from './key-groups.js';
import { KeyKindSet, type RecordedKeyKinds, noteUserKeysOf, userKeyKind } from './key-kinds.js';
import { RestoredKeyKinds, type UserKeyFence } from './restored-key-kinds.js';
import { HeapTableStore } from './heap-table-store.js';
import { IncrementalSnapshots } from './incremental-snapshots.js';
import { type KeyedSnapshotForm, PendingKeyedSnapshot, type SnapshotState } from './keyed-state-snapshot.js';
import { NamespacedState, checkNamespaceMap, namespaceMerger } from './namespaced-state.js';
import { type AccessEpoch, NamespacedTable, type NamespaceMap } from './namespaced-table.js';
import { type KeyGroupBlock, decodeKeyGroupBlock } from './snapshot-format/key-group-block.js';
import { MessagePackSerializer, type SerializerSnapshot, type TypeSerializer, isSerializerRegistered } from './serializers/type-serializer.js';
import type { SharedStateRef } from './snapshot-format/handles.js';
import type { State } from './state.js';
import { type StateKinds, type StateMeta, keyWriterOf, mapUserKeys, mapUserValues, withoutExpired, writerOf } from './state-meta.js';
import { type KeyReader, isMessagePackKeys, keyEncoder, keyReaders, keySerializerOf } from './map-key-serializers.js';
import { ChangedKeys, type SnapshotGuard, type StateTable, type StateTableStore, type TrackedStateTable } from './state-table.js';
import { IncrementalCleanup } from './ttl-cleanup.js';
import { TtlCell, TtlListState, TtlMapState, TtlValueState } from './ttl-states.js';

/**
 * The key the task is processing. The task sets it before each record or timer; state objects
 * read it on every access, which is what scopes them to a key.
 */
export interface KeyContext {
  setCurrentKey(key: unknown, keyGroup?: number): void;
  getCurrentKey(): unknown;
}

interface TableEntry {
  meta: StateMeta;
  readonly table: TrackedStateTable<unknown>;
  /** The registered descriptor (undefined while only restored). */
  descriptor: StateDescriptor | undefined;
  /** Restored values are still serialized bytes, waiting for the job's serializer. */
  raw: boolean;
  /**
   * While raw: key groups whose bytes another serializer than `meta.serializer` wrote (restored
   * from subtasks that had and had not migrated the state).
   */
  writers?: Map<number, SerializerSnapshot>;
  /** While restored only (a map state): some key group's user keys are still their key serializer's bytes. */
  rawKeys?: boolean;
  /** Key groups whose user keys another key serializer than `meta.keySerializer` wrote (as `writers` for values). */
  keyWriters?: Map<number, SerializerSnapshot>;
}

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
  currentKeyGroup = -1;
  /** Moves on every key change, snapshot cut and restore (see NamespacedTable). */
  accessEpoch = 0;
  private readonly tables = new Map<string, TableEntry>();
  private readonly states = new Map<string, State>();
  private readonly namespacedStates = new Map<string, NamespacedState<State>>();
  private readonly guard: SnapshotGuard;
  private pending: PendingKeyedSnapshot | undefined;
  private readonly perRecordCleanups: IncrementalCleanup[] = [];
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

  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
    options: KeyedStateBackendOptions = {},
  ) {
    const frozen = new Uint8Array(keyGroupRange.size);
    this.guard = { frozen, thaw: (i) => this.pending?.encodeOnAccess(i) };
    this.store = options.store ?? new HeapTableStore(keyGroupRange);
    this.clock = options.clock ?? systemClock;
    this.incremental = options.incremental ? new IncrementalSnapshots() : undefined;
  }

  /** `state.backend.type` of this backend's store. */
  get type(): StateBackendName {
    return this.store.type;
  }

  setCurrentKey(key: unknown, keyGroup?: number): void {
    this.setCurrentKeyWithoutCleanup(key, keyGroup ?? assignToKeyGroup(key, this.maxParallelism));
    const cleanups = this.perRecordCleanups;
    for (let i = 0; i < cleanups.length; i++) cleanups[i]!.step();
  }

  /**
   * Called once per batch of records, before they are processed: loads where the states' lookups
   * of the batch's keys will go. After a restore, every batch is checked to bring only keys of
   * kinds the restored state holds (one pass over the keys, off the per-record path).
   * @throws KeyTypeChangedError if the job's keys are of another type than the restored ones
   */
  prefetch(keys: ArrayLike<unknown>, keyGroups: ArrayLike<number>): void {
    if (this.restoredKeys.armed) this.restoredKeys.checkBatch(keys);
    const t = this.prefetching;
    for (let i = 0; i < t.length; i++) t[i]!.prefetch!(keys, keyGroups);
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  /**
   * Makes `key` current without a step of per-record TTL cleanup: for engine work that visits
   * keys outside the record stream (writing back buffered window accumulators), which must not
   * advance cleanup differently from a run without it.
   */
  setCurrentKeyWithoutCleanup(key: unknown, keyGroup: number): void {
    this.accessEpoch++;
    this.currentKey = key;
    this.currentMapKey = typeof key === 'object' ? mapKey(key) : key;
    this.currentKeyGroup = keyGroup;
  }

  /**
   * The state object for `descriptor`, created on first use; the same object afterwards. A state
   * restored from a snapshot is checked first: same kind, TTL on or off as before, and a
   * serializer that can read what was written (values are migrated if needed). Names starting
   * with `_` are the engine's own (user code reaches this through the runtime context, which
   * refuses them).
   */
  getOrCreateState<S extends State>(descriptor: StateDescriptor): S {
    if (this.registeredAs(descriptor, false)) return this.states.get(descriptor.name) as S;
    const table = this.tableFor(descriptor, false);
    const state = this.createState(descriptor, table, table, false);
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
    if (this.registeredAs(descriptor, true)) return this.namespacedStates.get(descriptor.name) as NamespacedState<S>;
    const outer = this.tableFor(descriptor, true) as StateTable<NamespaceMap<unknown>>;
    const ttl = descriptor.getTtlConfig() !== undefined;
    // TTL cleanup rewrites stored maps behind the view's back: such a view fetches every time.
    // A stored namespace map changed in place needs no `set` back, unless changes are tracked.
    const view = new NamespacedTable<unknown>(outer, ttl ? undefined : this, this.store.storesByReference && this.incremental === undefined);
    const state = this.createState(descriptor, view, outer, true);
    const [merger, why] = namespaceMerger(descriptor, () => this.clock.now());
    const namespaced = new NamespacedState<State>(descriptor.name, state, view, this, merger, why);
    this.namespacedStates.set(descriptor.name, namespaced);
    return namespaced as NamespacedState<S>;
  }

  /** True if `d`'s name is registered already, as the same kind and (non-)namespaced; throws if it is registered otherwise. */
  private registeredAs(d: StateDescriptor, namespaced: boolean): boolean {
    const registered = this.tables.get(d.name)?.descriptor;
    if (!registered) return false;
    if (registered.kind !== d.kind) {
      throw new TypeError(`State '${d.name}' is already registered as ${registered.kind} state and cannot be used as ${d.kind} state.`);
    }
    if (this.namespacedStates.has(d.name) !== namespaced) {
      throw new TypeError(
        `State '${d.name}' is already registered as ${namespaced ? 'state of the key' : 'per-window state'} and cannot be used as ${namespaced ? 'per-window state' : 'state of the key'}; give one of them another name.`,
      );
    }
    checkSameSerializer(registered, d);
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
   * as stored (composite keys in their canonical form).
   */
  applyToAllKeys(descriptor: StateDescriptor, fn: (key: unknown, state: State) => void): void {
    const state = this.getOrCreateState<State>(descriptor);
    const table = this.tables.get(descriptor.name)!.table;
    const keys: unknown[] = [];
    const groups: number[] = [];
    for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) {
      for (const [key] of table.entries(kg)) {
        keys.push(key);
        groups.push(kg);
      }
    }
    const previousKey = this.currentKey;
    const previousMapKey = this.currentMapKey;
    const previousGroup = this.currentKeyGroup;
    try {
      for (let i = 0; i < keys.length; i++) {
        this.setCurrentKey(keys[i], groups[i]);
        fn(keys[i], state);
      }
    } finally {
      // Back to the caller's key, or to no key at all (a broadcast element has none).
      this.accessEpoch++;
      this.currentKey = previousKey;
      this.currentMapKey = previousMapKey;
      this.currentKeyGroup = previousGroup;
    }
  }

  /** Every state's table and metadata, by name (registered and restored-only), for inspection. */
  stateTables(): ReadonlyMap<string, { readonly meta: StateMeta; readonly table: StateTable<unknown> }> {
    return this.tables;
  }

  /**
   * Takes the synchronous cut of a checkpoint: O(key groups), no copying. The returned snapshot
   * encodes key groups lazily; a snapshot still pending from before is finished first. With
   * incremental checkpoints, a checkpoint's snapshot is a delta when it can be.
   */
  snapshot(checkpointId: number, options: KeyedSnapshotOptions = { full: false }): PendingKeyedSnapshot {
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
    const tables = new Map<string, SnapshotState>();
    const kinds: StateKinds = {};
    for (const [name, e] of this.tables) {
      // Raw bytes go out as restored: each key group under the writer that wrote it.
      kinds[name] = restoredMeta(e);
      const table = e.table;
      tables.set(name, {
        entries: (kg) => cut.entries(table, kg),
        get: (kg, key) => cut.get(table, kg, key),
        encodeValue: e.raw || e.rawKeys ? undefined : snapshotEncoder(e, now),
        changed: changed ? (changed.get(name) ?? []) : undefined,
      });
    }
    const release = (s: PendingKeyedSnapshot) => {
      cut.release();
      if (this.pending !== s) return;
      this.pending = undefined;
      this.guard.frozen.fill(0);
    };
    const frozen = this.store.freezesAtCut ? this.guard.frozen : new Uint8Array(this.keyGroupRange.size);
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
    for (const name of new Set([...Object.keys(puts), ...Object.keys(deletes)])) {
      const meta = fileKinds[name]!;
      if (meta.namespaced) for (const [, v] of puts[name] ?? []) checkNamespaceMap(v, name, block);
      const table = this.restoredTable(name, meta, keyGroup, block);
      // Restored entries are the base of the next full checkpoint, not changes to ship.
      const changes = table.changes;
      table.changes = undefined;
      const put = puts[name] ?? [];
      if (put.length > 0) table.reserve?.(keyGroup, put);
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
      for (const [k, v] of put) table.set(keyGroup, k, v);
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
      const { writers: _, keyWriters: _k, keySerializer: _s, ...own } = meta;
      this.newTable(name, { ...own, serializer: writer, ...(isMessagePackKeys(keyWriter) ? {} : { keySerializer: keyWriter }) }, raw);
      entry = this.tables.get(name)!;
    }
    // User keys of key groups written by different key serializers may share a table: each is
    // read with its own writer at registration, where the job's key serializer is checked against all.
    if (!isMessagePackKeys(keyWriter)) entry.rawKeys = true;
    if (isDeepStrictEqual(keyWriter, keyWriterOf(entry.meta, -1))) entry.keyWriters?.delete(keyGroup);
    else {
      const keyWriters = (entry.keyWriters ??= new Map());
      const known = [...new Set(keyWriters.values())].find((w) => isDeepStrictEqual(w, keyWriter));
      keyWriters.set(keyGroup, known ?? keyWriter);
    }
    if (entry.raw !== raw) {
      // Bytes and inline values cannot share a table. A job that switched the state to or from
      // the default serializer is refused where a subtask held its values; one that held none
      // accepted it and wrote the other kind.
      throw new StateMigrationError(
        `State '${name}' cannot be restored: key group ${keyGroup} (${block.source.file}) was written by the ${writer.name} serializer and others by the ` +
          `${entry.meta.serializer.name} serializer, and a state keeps its serializer (as in Flink); restore from a snapshot taken before the serializer changed, ` +
          `or register the new one under a new state name.`,
      );
    }
    if (isDeepStrictEqual(writer, entry.meta.serializer)) {
      entry.writers?.delete(keyGroup);
    } else {
      // One object per distinct writer: registering resolves each once.
      const writers = (entry.writers ??= new Map());
      const known = [...new Set(writers.values())].find((w) => isDeepStrictEqual(w, writer));
      writers.set(keyGroup, known ?? writer);
    }
    return entry.table;
  }

  /** Frees the store (on disk: deletes the backend's files). Called once the task is done. */
  dispose(): void {
    this.pending?.release();
    this.store.dispose();
  }

  private adoptRestored(entry: TableEntry, d: StateDescriptor, namespaced: boolean): StateTable<unknown> {
    const { meta } = entry;
    const ttl = d.getTtlConfig() !== undefined;
    if ((meta.namespaced === true) !== namespaced) {
      throw new StateMigrationError(
        `State '${d.name}' was ${meta.namespaced ? 'per-window' : 'per-key'} state in the restored snapshot but is registered as ${namespaced ? 'per-window' : 'per-key'} state; give the new state another name.`,
      );
    }
    if (meta.kind !== d.kind) {
      throw new StateMigrationError(
        `State '${d.name}' was ${meta.kind} state in the restored snapshot but is registered as ${d.kind} state; keep its kind or give the new state another name.`,
      );
    }
    if (meta.ttl !== ttl) {
      throw new StateMigrationError(
        `State '${d.name}' was written ${meta.ttl ? 'with' : 'without'} TTL and is registered ${ttl ? 'with' : 'without'} it; ` +
          `turning TTL on or off for an existing state is not supported (as in Flink's heap backend). Use a new state name.`,
      );
    }
    const serializer = d.getSerializer();
    // Every writer is checked before anything is converted: key groups may have several.
    const readers = new Map<SerializerSnapshot, SerializerSnapshot | undefined>();
    for (const writer of [meta.serializer, ...new Set(entry.writers?.values())]) {
      const compat = serializer.resolveSchemaCompatibility(writer);
      if (compat.type === 'INCOMPATIBLE') {
        throw new StateMigrationError(`State '${d.name}' cannot be restored: its serializer is incompatible: ${compat.reason}.`);
      }
      readers.set(writer, compat.type === 'COMPATIBLE_AS_IS' ? undefined : writer);
    }
    // Likewise the user keys' writers, against the job's key serializer (MessagePack if none is set).
    const ownKeys = keyWriterOf(meta, -1);
    const keys = d instanceof MapStateDescriptor ? keyReaders(d.name, d.getKeySerializer(), [ownKeys, ...new Set(entry.keyWriters?.values())]) : undefined;
    // Converting rewrites values in place: a snapshot still reading them must encode them first.
    this.pending?.encodeUntil(Infinity, () => 0);
    this.accessEpoch++;
    if (entry.raw) convertRaw(d.name, entry, serializer, (kg) => readers.get(entry.writers?.get(kg) ?? meta.serializer), this.keyGroupRange);
    if (entry.rawKeys && keys) this.convertRawKeys(d.name, entry, (kg) => keys.get(entry.keyWriters?.get(kg) ?? ownKeys));
    entry.meta = metaOf(d, namespaced);
    entry.raw = false;
    entry.writers = undefined;
    entry.rawKeys = false;
    entry.keyWriters = undefined;
    return entry.table;
  }

  /**
   * Reads restored user keys with the job's key serializer, each key group with its writer's
   * reader (`readerOf`; undefined: inline), and notes their kinds for the user-key fence, which
   * could not see them as bytes at restore.
   */
  private convertRawKeys(name: string, entry: TableEntry, readerOf: (keyGroup: number) => KeyReader): void {
    const { table, meta } = entry;
    for (let kg = this.keyGroupRange.start; kg <= this.keyGroupRange.end; kg++) {
      const read = readerOf(kg);
      for (const [k, v] of [...table.entries(kg)]) {
        const converted = read ? mapUserKeys(meta, v, read) : v;
        this.restoredKeys.noteUserKeysLate(name, meta, converted);
        noteUserKeysOf(meta, converted, this.userKeyKindsOf(name));
        if (converted !== v) table.set(kg, k, converted);
      }
    }
  }

  private newTable(name: string, meta: StateMeta, raw: boolean): TrackedStateTable<unknown> {
    const table = this.store.createTable(this.guard);
    if (this.incremental) table.changes = new ChangedKeys(this.keyGroupRange);
    this.tables.set(name, { meta, table, descriptor: undefined, raw });
    return table;
  }

  /** The check of map state `d`'s user keys against those restored, if any (restored-key-kinds.ts). */
  private mapFence(d: MapStateDescriptor<unknown, unknown>): UserKeyFence | undefined {
    return this.restoredKeys.userKeyFence(d.name);
  }

  /**
   * The state object of `d` over `table` (for namespaced state, the view of one namespace);
   * TTL cleanup walks `stored`, the table as stored.
   */
  private createState(d: StateDescriptor, table: StateTable<unknown>, stored: StateTable<unknown>, namespaced: boolean): State {
    const ttl = d.getTtlConfig();
    if (!ttl) {
      if (d instanceof ValueStateDescriptor) return new KeyedValueState(this, table, defaultValueOf(d.name, d.defaultValue));
      if (d instanceof ListStateDescriptor) return new KeyedListState(this, table as StateTable<unknown[]>, listNullRefusal(d.name));
      if (d instanceof MapStateDescriptor) return new KeyedMapState(this, table as StateTable<Map<unknown, unknown>>, this.mapFence(d));
      if (d instanceof ReducingStateDescriptor) return new KeyedReducingState(new PlainCell(this, table), d.reduceFunction);
      if (d instanceof AggregatingStateDescriptor) return new KeyedAggregatingState(new PlainCell(this, table), d.aggregateFunction);
      throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
    }
    const layout = { kind: d.kind, ttl: true, namespaced };
    const inc = ttl.incrementalCleanup;
    const cleanup = inc && new IncrementalCleanup(stored, this.keyGroupRange, layout, ttl.ttlMs, this.clock, inc.size);
    if (cleanup && inc.perRecord) this.perRecordCleanups.push(cleanup);
    // On disk, expired entries are also dropped in the background, a bounded chunk each time
    // the write cache fills (the role RocksDB's compaction filter plays in Flink).
    let background: IncrementalCleanup | undefined;
    this.store.addBackgroundWork(() => (background ??= new IncrementalCleanup(stored, this.keyGroupRange, layout, ttl.ttlMs, this.clock, BACKGROUND_CLEANUP_ENTRIES)).step());
    const t = table as StateTable<never>;
    if (d instanceof ValueStateDescriptor) return new TtlValueState(this, t, ttl, this.clock, cleanup, defaultValueOf(d.name, d.defaultValue));
    if (d instanceof ListStateDescriptor) return new TtlListState(this, t, ttl, this.clock, cleanup, listNullRefusal(d.name));
    if (d instanceof MapStateDescriptor) return new TtlMapState(this, t, ttl, this.clock, cleanup, this.mapFence(d));
    if (d instanceof ReducingStateDescriptor) return new KeyedReducingState(new TtlCell(this, t, ttl, this.clock, cleanup), d.reduceFunction);
    if (d instanceof AggregatingStateDescriptor) return new KeyedAggregatingState(new TtlCell(this, t, ttl, this.clock, cleanup), d.aggregateFunction);
    throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
  }
}

/**
 * A state registered again under its name gets the state object of the first registration,
 * whose serializer writes its values; a serializer that cannot read what that one writes would
 * see values it does not understand, so it is refused. Flink's backends return the first state
 * unchecked (AbstractKeyedStateBackend caches it by name); their check of a new serializer
 * against the old one (tryRegisterStateTable) is the one adoptRestored does. Cheap when the
 * same serializer object comes again (a descriptor built per call, without setSerializer).
 */
function checkSameSerializer(registered: StateDescriptor, d: StateDescriptor): void {
  checkSame(d.name, 'serializer', 'values', registered.getSerializer(), d.getSerializer());
  if (registered instanceof MapStateDescriptor && d instanceof MapStateDescriptor) checkSame(d.name, 'key serializer', 'keys', registered.getKeySerializer(), d.getKeySerializer());
}

function checkSame(name: string, what: string, of: string, first: TypeSerializer<unknown>, next: TypeSerializer<unknown>): void {
  if (first === next) return;
  const written = first.snapshot();
  if (isDeepStrictEqual(written, next.snapshot()) || next.resolveSchemaCompatibility(written).type === 'COMPATIBLE_AS_IS') return;
  throw new StateMigrationError(
    `State '${name}' is already registered with the ${written.name} ${what}, and registering it again with a ${next.snapshot().name} ${what} ` +
      `that cannot read its ${of} as they are would get the first one's state; register it once, or give the new state another name.`,
  );
}

/** Entries the on-disk backend checks for expiry each time its cache fills, per TTL state. */
const BACKGROUND_CLEANUP_ENTRIES = 1000;

function metaOf(d: StateDescriptor, namespaced: boolean): StateMeta {
  const keys = keySerializerOf(d);
  const meta = { kind: d.kind, ttl: d.getTtlConfig() !== undefined, serializer: d.getSerializer().snapshot(), ...(keys ? { keySerializer: keys.snapshot() } : {}) };
  return namespaced ? { ...meta, namespaced: true } : meta;
}

/** What a snapshot records of `e`'s state: its metadata, with the writers of key groups still held as restored. */
function restoredMeta(e: TableEntry): StateMeta {
  if (!e.writers?.size && !e.keyWriters?.size) return e.meta;
  return {
    ...e.meta,
    ...(e.writers?.size ? { writers: Object.fromEntries(e.writers) } : {}),
    ...(e.keyWriters?.size ? { keyWriters: Object.fromEntries(e.keyWriters) } : {}),
  };
}

/** How a registered state's values go into a snapshot: expired ones dropped, then serialized. */
function snapshotEncoder(e: TableEntry, now: number): ((stored: unknown) => unknown) | undefined {
  const ttl = e.descriptor?.getTtlConfig();
  const serializer = e.descriptor?.getSerializer();
  const dropExpired = ttl?.cleanupFullSnapshot ? (v: unknown) => withoutExpired(e.meta, v, now, ttl.ttlMs) : undefined;
  const name = e.descriptor?.name;
  // A value the serializer refuses fails the checkpoint in one line naming the state (the
  // serializer's own error names only the field).
  const one = (x: unknown): unknown => {
    try {
      return serializer!.serialize(x);
    } catch (err) {
      if (err instanceof FlinkError) throw err;
      throw new StateSerializationError(`State '${name}' cannot be written into the checkpoint by its ${serializer!.snapshot().name} serializer: ${(err as Error).message}`, { cause: err });
    }
  };
  const values = serializer && serializer.snapshot().name !== MessagePackSerializer.NAME;
  const keySerializer = keySerializerOf(e.descriptor);
  const keys = keySerializer && keyEncoder(name!, keySerializer);
  const serialize =
    values && keys ? (v: unknown) => mapUserKeys(e.meta, mapUserValues(e.meta, v, one), keys) : values ? (v: unknown) => mapUserValues(e.meta, v, one) : keys ? (v: unknown) => mapUserKeys(e.meta, v, keys) : undefined;
  if (!dropExpired && !serialize) return undefined;
  return (v) => {
    const kept = dropExpired ? dropExpired(v) : v;
    return kept === undefined || !serialize ? kept : serialize(kept);
  };
}

/**
 * Deserializes restored values with the job's serializer, migrating each key group from the
 * writer `previousOf` gives (undefined: read as is).
 */
function convertRaw(
  name: string,
  entry: TableEntry,
  serializer: TypeSerializer<unknown>,
  previousOf: (keyGroup: number) => SerializerSnapshot | undefined,
  range: KeyGroupRange,
): void {
  const asIs = (b: unknown) => serializer.deserialize(b as Uint8Array);
  const reads = new Map<SerializerSnapshot, (b: unknown) => unknown>();
  const readerOf = (previous: SerializerSnapshot): ((b: unknown) => unknown) => {
    let read = reads.get(previous);
    if (read) return read;
    // Fail early, before anything is converted, if the writer's serializer is unknown here.
    if (!isSerializerRegistered(previous.name)) {
      throw new StateMigrationError(
        `State '${name}' cannot be restored: it was written by the serializer '${previous.name}', which is not registered in this job; ` +
          `call registerSerializer('${previous.name}', snapshot => …) in the job file before the job runs, so a restore can rebuild it from the snapshot.`,
      );
    }
    read = (b: unknown) => serializer.deserializeFrom(b as Uint8Array, previous);
    reads.set(previous, read);
    return read;
  };
  const perKeyGroup: Array<(b: unknown) => unknown> = [];
  for (let kg = range.start; kg <= range.end; kg++) {
    const previous = previousOf(kg);
    perKeyGroup.push(previous ? readerOf(previous) : asIs);
  }
  for (let kg = range.start; kg <= range.end; kg++) {
    const read = perKeyGroup[kg - range.start]!;
    for (const [k, v] of [...entry.table.entries(kg)]) entry.table.set(kg, k, mapUserValues(entry.meta, v, read));
  }
}
