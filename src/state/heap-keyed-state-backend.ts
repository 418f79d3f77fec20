import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import { KeyGroupRange, assignToKeyGroup, mapKey } from './key-groups.js';
import { PendingKeyedSnapshot, type StateKinds } from './keyed-state-snapshot.js';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from './state.js';
import { type SnapshotGuard, StateTable } from './state-table.js';
import { unpack } from '../util/binary-codec.js';
import type { StateKind } from './descriptors.js';

/**
 * The key the task is processing. The task sets it before each record or timer; state objects
 * read it on every access, which is what scopes them to a key.
 */
export interface KeyContext {
  setCurrentKey(key: unknown, keyGroup?: number): void;
  getCurrentKey(): unknown;
}

/**
 * The `hashmap` state backend: keyed state of one subtask as JS objects in memory, partitioned
 * by key group. One instance per keyed operator subtask.
 */
export class HeapKeyedStateBackend implements KeyContext {
  /** The key as the user's selector returned it. */
  private currentKey: unknown = undefined;
  /** The key as stored in maps (composites canonicalised). */
  currentMapKey: unknown = undefined;
  currentKeyGroup = -1;
  /** Every state's values, by name: registered ones and restored ones not yet registered. */
  private readonly tables = new Map<string, { kind: StateKind; table: StateTable<unknown> }>();
  private readonly states = new Map<string, { descriptor: StateDescriptor; state: State }>();
  private readonly guard: SnapshotGuard;
  private pending: PendingKeyedSnapshot | undefined;

  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
  ) {
    const frozen = new Uint8Array(keyGroupRange.size);
    this.guard = { frozen, thaw: (i) => this.pending?.encodeOnAccess(i) };
  }

  setCurrentKey(key: unknown, keyGroup?: number): void {
    this.currentKey = key;
    this.currentMapKey = typeof key === 'object' ? mapKey(key) : key;
    this.currentKeyGroup = keyGroup ?? assignToKeyGroup(key, this.maxParallelism);
  }

  getCurrentKey(): unknown {
    return this.currentKey;
  }

  /** The state object for `descriptor`, created on first use; the same object afterwards. */
  getOrCreateState<S extends State>(descriptor: StateDescriptor): S {
    const existing = this.states.get(descriptor.name);
    if (existing) {
      if (existing.descriptor.kind !== descriptor.kind) {
        throw new TypeError(
          `State '${descriptor.name}' is already registered as ${existing.descriptor.kind} state and cannot be used as ${descriptor.kind} state.`,
        );
      }
      return existing.state as S;
    }
    const restored = this.tables.get(descriptor.name);
    if (restored && restored.kind !== descriptor.kind) {
      throw new TypeError(
        `State '${descriptor.name}' was ${restored.kind} state in the restored snapshot but is registered as ${descriptor.kind} state; keep its kind or give the new state another name.`,
      );
    }
    const table = restored?.table ?? this.newTable(descriptor.name, descriptor.kind);
    const state = this.createState(descriptor, table);
    this.states.set(descriptor.name, { descriptor, state });
    return state as S;
  }

  /** Every state's table, by name (registered and restored-only), for snapshots and inspection. */
  stateTables(): ReadonlyMap<string, { kind: StateKind; table: StateTable<unknown> }> {
    return this.tables;
  }

  /**
   * Takes the synchronous cut of a checkpoint: O(key groups), no copying. The returned snapshot
   * encodes key groups lazily; a snapshot still pending from before is finished first.
   */
  snapshot(checkpointId: number): PendingKeyedSnapshot {
    this.pending?.encodeUntil(Infinity, () => 0);
    const tables = new Map<string, StateTable<unknown>>();
    const kinds: StateKinds = {};
    for (const [name, { kind, table }] of this.tables) {
      tables.set(name, table);
      kinds[name] = kind;
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
      const kind = kinds[name];
      if (kind === undefined) throw new Error(`Snapshot data names state '${name}' without its kind; the snapshot is damaged.`);
      const table = this.tables.get(name)?.table ?? this.newTable(name, kind);
      const map = table.keyGroup(keyGroup);
      for (const [k, v] of entries) map.set(k, v);
    }
  }

  private newTable(name: string, kind: StateKind): StateTable<unknown> {
    const table = new StateTable<unknown>(this.keyGroupRange, this.guard);
    this.tables.set(name, { kind, table });
    return table;
  }

  private createState(d: StateDescriptor, table: StateTable<unknown>): State {
    if (d instanceof ValueStateDescriptor) return new HeapValueState(this, table, d.defaultValue);
    if (d instanceof ListStateDescriptor) return new HeapListState(this, table as StateTable<unknown[]>);
    if (d instanceof MapStateDescriptor) return new HeapMapState(this, table as StateTable<Map<unknown, unknown>>);
    if (d instanceof ReducingStateDescriptor) return new HeapReducingState(this, table, d.reduceFunction);
    if (d instanceof AggregatingStateDescriptor) return new HeapAggregatingState(this, table, d.aggregateFunction);
    throw new TypeError(`Unknown state descriptor for '${d.name}'.`);
  }
}

abstract class HeapState<V> implements State {
  constructor(
    protected readonly backend: HeapKeyedStateBackend,
    protected readonly table: StateTable<V>,
  ) {}

  protected current(): V | undefined {
    return this.table.get(this.backend.currentKeyGroup, this.backend.currentMapKey);
  }

  protected set(value: V): void {
    const b = this.backend;
    if (b.currentKeyGroup < 0) throw new Error('No key is set: keyed state can only be accessed while processing a keyed record or timer.');
    this.table.set(b.currentKeyGroup, b.currentMapKey, value);
  }

  clear(): void {
    this.table.delete(this.backend.currentKeyGroup, this.backend.currentMapKey);
  }
}

class HeapValueState<T> extends HeapState<T> implements ValueState<T> {
  constructor(backend: HeapKeyedStateBackend, table: StateTable<T>, private readonly defaultValue: T | undefined) {
    super(backend, table);
  }
  value(): T | undefined {
    const v = this.current();
    return v === undefined ? this.defaultValue : v;
  }
  update(value: T): void {
    if (value === undefined) this.clear();
    else this.set(value);
  }
}

class HeapListState<T> extends HeapState<T[]> implements ListState<T> {
  get(): readonly T[] {
    return this.current() ?? [];
  }
  add(value: T): void {
    const list = this.current();
    if (list) list.push(value);
    else this.set([value]);
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.add(v);
  }
  update(values: Iterable<T>): void {
    const list = [...values];
    if (list.length === 0) this.clear();
    else this.set(list);
  }
}

class HeapMapState<K, V> extends HeapState<Map<K, V>> implements MapState<K, V> {
  private map(create: boolean): Map<K, V> | undefined {
    let m = this.current();
    if (!m && create) {
      m = new Map();
      this.set(m);
    }
    return m;
  }
  get(key: K): V | undefined {
    return this.map(false)?.get(key);
  }
  put(key: K, value: V): void {
    this.map(true)!.set(key, value);
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    const m = this.map(true)!;
    for (const [k, v] of entries) m.set(k, v);
  }
  remove(key: K): void {
    const m = this.map(false);
    if (!m) return;
    m.delete(key);
    if (m.size === 0) this.clear();
  }
  contains(key: K): boolean {
    return this.map(false)?.has(key) ?? false;
  }
  entries(): IterableIterator<[K, V]> {
    return (this.map(false) ?? new Map<K, V>()).entries();
  }
  keys(): IterableIterator<K> {
    return (this.map(false) ?? new Map<K, V>()).keys();
  }
  values(): IterableIterator<V> {
    return (this.map(false) ?? new Map<K, V>()).values();
  }
  isEmpty(): boolean {
    return (this.map(false)?.size ?? 0) === 0;
  }
}

class HeapReducingState<T> extends HeapState<T> implements ReducingState<T> {
  constructor(backend: HeapKeyedStateBackend, table: StateTable<T>, private readonly reduce: (a: T, b: T) => T) {
    super(backend, table);
  }
  get(): T | undefined {
    return this.current();
  }
  add(value: T): void {
    const v = this.current();
    this.set(v === undefined ? value : this.reduce(v, value));
  }
}

class HeapAggregatingState<IN, ACC, OUT> extends HeapState<ACC> implements AggregatingState<IN, OUT> {
  constructor(
    backend: HeapKeyedStateBackend,
    table: StateTable<ACC>,
    private readonly fn: AggregatingStateDescriptor<IN, ACC, OUT>['aggregateFunction'],
  ) {
    super(backend, table);
  }
  get(): OUT | undefined {
    const acc = this.current();
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }
  add(value: IN): void {
    const acc = this.current() ?? this.fn.createAccumulator();
    this.set(this.fn.add(value, acc));
  }
}

