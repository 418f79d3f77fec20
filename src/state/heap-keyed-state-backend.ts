import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  type StateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import { KeyGroupRange, assignToKeyGroup, mapKey } from './key-groups.js';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from './state.js';
import { StateTable } from './state-table.js';

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
  private readonly states = new Map<string, { descriptor: StateDescriptor; state: State; table: StateTable<unknown> }>();

  constructor(
    readonly maxParallelism: number,
    readonly keyGroupRange: KeyGroupRange,
  ) {}

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
    const table = new StateTable<unknown>(this.keyGroupRange);
    const state = this.createState(descriptor, table);
    this.states.set(descriptor.name, { descriptor, state, table });
    return state as S;
  }

  /** Names and tables of every registered state, for snapshots and inspection. */
  registeredStates(): ReadonlyMap<string, { descriptor: StateDescriptor; table: StateTable<unknown> }> {
    return this.states;
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

export { KeyGroupRange };
