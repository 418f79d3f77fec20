import { type Clock, systemClock } from '../util/clock.js';
import { unpack } from '../util/binary-codec.js';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import {
  HeapAggregatingState,
  HeapListState,
  HeapMapState,
  HeapReducingState,
  HeapValueState,
} from './heap-states.js';
import { type KeyGroupRange, assignToKeyGroup, mapKey } from './key-groups.js';
import { PendingKeyedSnapshot, type SnapshotState } from './keyed-state-snapshot.js';
import { MessagePackSerializer, type SerializerSnapshot, type TypeSerializer, restoreSerializer } from './serializers/type-serializer.js';
import type { State } from './state.js';
import { type StateKinds, type StateMeta, mapUserValues, withoutExpired } from './state-meta.js';
import { type SnapshotGuard, StateTable } from './state-table.js';
import { IncrementalCleanup } from './ttl-cleanup.js';
import { TtlAggregatingState, TtlListState, TtlMapState, TtlReducingState, TtlValueState } from './ttl-states.js';

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
  readonly table: StateTable<unknown>;
  /** The registered descriptor (undefined while only restored). */
  descriptor: StateDescriptor | undefined;
  /** Restored values are still serialized bytes, waiting for the job's serializer. */
  raw: boolean;
}

/**
 * The `hashmap` state backend: keyed state of one subtask as JS values in memory, partitioned
 * by key group, with optional TTL per state. One instance per keyed operator subtask.
 */
export class HeapKeyedStateBackend implements KeyContext {
  /** The key as the user's selector returned it. */
  private currentKey: unknown = undefined;
  /** The key as stored in maps (composites canonicalised). */
  currentMapKey: unknown = undefined;
  currentKeyGroup = -1;
  private readonly tables = new Map<string, TableEntry>();
  private readonly states = new Map<string, State>();
  private readonly guard: SnapshotGuard;
  private pending: PendingKeyedSnapshot | undefined;
  private readonly perRecordCleanups: IncrementalCleanup[] = [];

  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
    private readonly clock: Clock = systemClock,
  ) {
    const frozen = new Uint8Array(keyGroupRange.size);
    this.guard = { frozen, thaw: (i) => this.pending?.encodeOnAccess(i) };
  }

  setCurrentKey(key: unknown, keyGroup?: number): void {
    this.currentKey = key;
    this.currentMapKey = typeof key === 'object' ? mapKey(key) : key;
    this.currentKeyGroup = keyGroup ?? assignToKeyGroup(key, this.maxParallelism);
    const cleanups = this.perRecordCleanups;
    for (let i = 0; i < cleanups.length; i++) cleanups[i]!.step();
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  /**
   * The state object for `descriptor`, created on first use; the same object afterwards. A state
   * restored from a snapshot is checked first: same kind, TTL on or off as before, and a
   * serializer that can read what was written (values are migrated if needed).
   */
  getOrCreateState<S extends State>(descriptor: StateDescriptor): S {
    const existing = this.states.get(descriptor.name);
    const entry = this.tables.get(descriptor.name);
    if (existing && entry?.descriptor) {
      if (entry.descriptor.kind !== descriptor.kind) {
        throw new TypeError(
          `State '${descriptor.name}' is already registered as ${entry.descriptor.kind} state and cannot be used as ${descriptor.kind} state.`,
        );
      }
      return existing as S;
    }
    const table = entry ? this.adoptRestored(entry, descriptor) : this.newTable(descriptor.name, metaOf(descriptor), false);
    this.tables.get(descriptor.name)!.descriptor = descriptor;
    const state = this.createState(descriptor, table);
    this.states.set(descriptor.name, state);
    return state as S;
  }

  /** Every state's table and metadata, by name (registered and restored-only), for inspection. */
  stateTables(): ReadonlyMap<string, { readonly meta: StateMeta; readonly table: StateTable<unknown> }> {
    return this.tables;
  }

  /**
   * Takes the synchronous cut of a checkpoint: O(key groups), no copying. The returned snapshot
   * encodes key groups lazily; a snapshot still pending from before is finished first.
   */
  snapshot(checkpointId: number): PendingKeyedSnapshot {
    this.pending?.encodeUntil(Infinity, () => 0);
    const now = this.clock.now();
    const tables = new Map<string, SnapshotState>();
    const kinds: StateKinds = {};
    for (const [name, e] of this.tables) {
      kinds[name] = e.meta;
      tables.set(name, { table: e.table, encodeValue: e.raw ? undefined : snapshotEncoder(e, now) });
    }
    this.pending = new PendingKeyedSnapshot(checkpointId, this.keyGroupRange, tables, kinds, this.guard.frozen);
    return this.pending;
  }

  /** Loads one key group of a snapshot (bytes made by PendingKeyedSnapshot). */
  restoreKeyGroup(keyGroup: number, bytes: Uint8Array, kinds: StateKinds): void {
    if (!this.keyGroupRange.contains(keyGroup)) {
      throw new Error(`internal: key group ${keyGroup} restored into a subtask owning ${this.keyGroupRange.start}-${this.keyGroupRange.end}`);
    }
    const states = unpack(bytes) as Record<string, Array<[unknown, unknown]>>;
    for (const [name, entries] of Object.entries(states)) {
      const meta = kinds[name];
      if (meta === undefined) throw new Error(`Snapshot data names state '${name}' without its metadata; the snapshot is damaged.`);
      const table = this.tables.get(name)?.table ?? this.newTable(name, meta, meta.serializer.name !== MessagePackSerializer.NAME);
      const map = table.keyGroup(keyGroup);
      for (const [k, v] of entries) map.set(k, v);
    }
  }

  private adoptRestored(entry: TableEntry, d: StateDescriptor): StateTable<unknown> {
    const { meta } = entry;
    const ttl = d.getTtlConfig() !== undefined;
    if (meta.kind !== d.kind) {
      throw new TypeError(
        `State '${d.name}' was ${meta.kind} state in the restored snapshot but is registered as ${d.kind} state; keep its kind or give the new state another name.`,
      );
    }
    if (meta.ttl !== ttl) {
      throw new TypeError(
        `State '${d.name}' was written ${meta.ttl ? 'with' : 'without'} TTL and is registered ${ttl ? 'with' : 'without'} it; ` +
          `turning TTL on or off for an existing state is not supported (as in Flink). Use a new state name.`,
      );
    }
    const serializer = d.getSerializer();
    const compat = serializer.resolveSchemaCompatibility(meta.serializer);
    if (compat.type === 'INCOMPATIBLE') {
      throw new TypeError(`State '${d.name}' cannot be restored: its serializer is incompatible: ${compat.reason}.`);
    }
    if (entry.raw) convertRaw(entry, serializer, compat.type === 'COMPATIBLE_AS_IS' ? undefined : meta.serializer, this.keyGroupRange);
    entry.meta = metaOf(d);
    entry.raw = false;
    return entry.table;
  }

  private newTable(name: string, meta: StateMeta, raw: boolean): StateTable<unknown> {
    const table = new StateTable<unknown>(this.keyGroupRange, this.guard);
    this.tables.set(name, { meta, table, descriptor: undefined, raw });
    return table;
  }

  private createState(d: StateDescriptor, table: StateTable<unknown>): State {
    const ttl = d.getTtlConfig();
    if (!ttl) {
      if (d instanceof ValueStateDescriptor) return new HeapValueState(this, table, d.defaultValue);
      if (d instanceof ListStateDescriptor) return new HeapListState(this, table as StateTable<unknown[]>);
      if (d instanceof MapStateDescriptor) return new HeapMapState(this, table as StateTable<Map<unknown, unknown>>);
      if (d instanceof ReducingStateDescriptor) return new HeapReducingState(this, table, d.reduceFunction);
      if (d instanceof AggregatingStateDescriptor) return new HeapAggregatingState(this, table, d.aggregateFunction);
      throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
    }
    const inc = ttl.incrementalCleanup;
    const cleanup = inc && new IncrementalCleanup(table, this.keyGroupRange, d.kind, ttl.ttlMs, this.clock, inc.size);
    if (cleanup && inc.perRecord) this.perRecordCleanups.push(cleanup);
    const t = table as StateTable<never>;
    if (d instanceof ValueStateDescriptor) return new TtlValueState(this, t, ttl, this.clock, cleanup, d.defaultValue);
    if (d instanceof ListStateDescriptor) return new TtlListState(this, t, ttl, this.clock, cleanup);
    if (d instanceof MapStateDescriptor) return new TtlMapState(this, t, ttl, this.clock, cleanup);
    if (d instanceof ReducingStateDescriptor) return new TtlReducingState(this, t, ttl, this.clock, cleanup, d.reduceFunction);
    if (d instanceof AggregatingStateDescriptor) return new TtlAggregatingState(this, t, ttl, this.clock, cleanup, d.aggregateFunction);
    throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
  }
}

function metaOf(d: StateDescriptor): StateMeta {
  return { kind: d.kind, ttl: d.getTtlConfig() !== undefined, serializer: d.getSerializer().snapshot() };
}

/** How a registered state's values go into a snapshot: expired ones dropped, then serialized. */
function snapshotEncoder(e: TableEntry, now: number): ((stored: unknown) => unknown) | undefined {
  const ttl = e.descriptor?.getTtlConfig();
  const serializer = e.descriptor?.getSerializer();
  const dropExpired = ttl?.cleanupFullSnapshot ? (v: unknown) => withoutExpired(e.meta.kind, v, now, ttl.ttlMs) : undefined;
  const serialize =
    serializer && serializer.snapshot().name !== MessagePackSerializer.NAME
      ? (v: unknown) => mapUserValues(e.meta.kind, e.meta.ttl, v, (x) => serializer.serialize(x))
      : undefined;
  if (!dropExpired && !serialize) return undefined;
  return (v) => {
    const kept = dropExpired ? dropExpired(v) : v;
    return kept === undefined || !serialize ? kept : serialize(kept);
  };
}

/** Deserializes restored values with the job's serializer, migrating from `previous` if given. */
function convertRaw(entry: TableEntry, serializer: TypeSerializer<unknown>, previous: SerializerSnapshot | undefined, range: KeyGroupRange): void {
  const read = previous
    ? (b: unknown) => serializer.deserializeFrom(b as Uint8Array, previous)
    : (b: unknown) => serializer.deserialize(b as Uint8Array);
  // Fail early, before anything is converted, if the writer's serializer is unknown here.
  if (previous) restoreSerializer(previous);
  for (let kg = range.start; kg <= range.end; kg++) {
    const map = entry.table.keyGroup(kg);
    for (const [k, v] of map) map.set(k, mapUserValues(entry.meta.kind, entry.meta.ttl, v, read));
  }
}
