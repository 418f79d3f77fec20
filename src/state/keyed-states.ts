import type { AggregateFunction } from './descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, State, ValueState } from './state.js';
import type { StateTable } from './state-table.js';

/** The current key, as states read it on every access. */
export interface KeyScope {
  readonly currentMapKey: unknown;
  /**
   * The key's key group if known, -1 without a key, below -1 where not computed: passed to the
   * tables as it is (see StateTable.get), so that the heap's hot path computes none.
   */
  readonly keyGroupHint: number;
}

/**
 * Base of the keyed states: the values of the current key in a StateTable, whichever store
 * holds it (heap or disk). The TTL states (ttl-states.ts) build on it.
 */
export abstract class AbstractKeyedState<V> implements State {
  constructor(
    protected readonly scope: KeyScope,
    protected readonly table: StateTable<V>,
  ) {}

  protected current(): V | undefined {
    const s = this.scope;
    const kg = s.keyGroupHint;
    if (kg === -1) noKey();
    return this.table.get(kg, s.currentMapKey);
  }

  /** Stores the value of the current key; also after changing a stored list or map in place (see StateTable). */
  protected set(value: V): void {
    const s = this.scope;
    const kg = s.keyGroupHint;
    if (kg === -1) noKey();
    this.table.set(kg, s.currentMapKey, value);
  }

  clear(): void {
    const s = this.scope;
    const kg = s.keyGroupHint;
    if (kg === -1) noKey();
    this.table.delete(kg, s.currentMapKey);
  }
}

function noKey(): never {
  throw new Error('No key is set: keyed state can only be accessed while processing a keyed record or timer.');
}

/**
 * What a ValueState without a value returns: its descriptor's default, a fresh copy on every read
 * for an object, as Flink's ValueStateDescriptor.getDefaultValue copies it with the state's
 * serializer — code that changes the object it read and writes it back (`acc.n++;
 * state.update(acc)`) must not change the default every other key reads. A class instance keeps
 * its class. A default that cannot be copied (one holding a function) is refused when the state
 * is created, in one line naming it.
 */
export function defaultValueOf<T>(stateName: string, value: T | undefined): () => T | undefined {
  if (value === null || typeof value !== 'object') return () => value;
  const proto: unknown = Object.getPrototypeOf(value);
  const copy = (): T => {
    const c = structuredClone(value);
    if (Object.getPrototypeOf(c) !== proto) Object.setPrototypeOf(c, proto as object | null);
    return c;
  };
  try {
    copy();
  } catch (err) {
    throw new TypeError(`The default value of ValueState '${stateName}' cannot be copied for each key (${(err as Error).message}): make it plain data.`);
  }
  return copy;
}

export class KeyedValueState<T> extends AbstractKeyedState<T> implements ValueState<T> {
  constructor(scope: KeyScope, table: StateTable<T>, private readonly defaultValue: () => T | undefined) {
    super(scope, table);
  }
  value(): T | undefined {
    const v = this.current();
    return v === undefined ? this.defaultValue() : v;
  }
  /** As in Flink, updating to null (or undefined) clears the value: the default comes back. */
  update(value: T | null): void {
    if (value === undefined || value === null) this.clear();
    else this.set(value);
  }
}

/**
 * Refuses null and undefined as list elements, as Flink's ListState refuses null in `add`,
 * `addAll` and `update` (StateBackendTestBase.testListStateAddNull and friends) — before
 * anything is changed. `refuse` is undefined for the engine's own lists (names starting with
 * `_`), which hold whatever records a stream carries.
 */
export function checkListElements<T>(refuse: string | undefined, values: Iterable<T> | null | undefined): readonly T[] {
  if (values === null || values === undefined || typeof (values as Partial<Iterable<T>>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${refuse ?? 'ListState'}: addAll and update take an iterable of elements, got ${values === null ? 'null' : typeof values}.`);
  }
  const list = Array.isArray(values) ? (values as T[]) : [...values];
  for (const v of list) checkListElement(refuse, v);
  return list;
}

/** Refuses one element as {@link checkListElements} does. */
export function checkListElement(refuse: string | undefined, v: unknown): void {
  if (refuse !== undefined && (v === null || v === undefined)) {
    throw new TypeError(`${refuse} cannot hold ${v === null ? 'null' : 'undefined'}: a list state's elements may not be null or undefined, as in Flink. Leave the element out, or wrap it.`);
  }
}

/** The refusal prefix for a list state named `name`, or undefined for the engine's own lists. */
export function listNullRefusal(name: string): string | undefined {
  return name.startsWith('_') ? undefined : `ListState '${name}'`;
}

export class KeyedListState<T> extends AbstractKeyedState<T[]> implements ListState<T> {
  constructor(scope: KeyScope, table: StateTable<T[]>, private readonly refuseNull: string | undefined) {
    super(scope, table);
  }
  get(): readonly T[] {
    return this.current() ?? [];
  }
  add(value: T): void {
    checkListElement(this.refuseNull, value);
    const list = this.current();
    if (list) list.push(value);
    this.set(list ?? [value]);
  }
  /** Adds `value` only if the key has elements already; true if it did (one lookup for both). */
  addIfPresent(value: T): boolean {
    const list = this.current();
    if (list === undefined) return false;
    list.push(value);
    this.set(list);
    return true;
  }
  addAll(values: Iterable<T>): void {
    const checked = checkListElements(this.refuseNull, values);
    if (checked.length === 0) return;
    const list = this.current();
    if (list) for (const v of checked) list.push(v);
    this.set(list ?? [...checked]);
  }
  update(values: Iterable<T>): void {
    const list = [...checkListElements(this.refuseNull, values)];
    if (list.length === 0) this.clear();
    else this.set(list);
  }
}

/**
 * A MapState's (or a BroadcastState's) user key, checked: a string, number, bigint or boolean (or null). An object or
 * array would be compared by identity, as a JS Map compares keys — Flink compares user keys by
 * value — and would not survive a snapshot (a restore makes new objects), so it is refused at
 * once rather than lost later.
 */
export function checkUserKey<K>(key: K, state: 'MapState' | 'BroadcastState' = 'MapState'): K {
  if (typeof key === 'object' && key !== null) {
    throw new TypeError(
      `A ${state} user key must be a string, number, bigint or boolean: an object or array key would be compared by identity, not by value as in Flink, and would not survive a restore. Use a string made from its parts (e.g. JSON.stringify(key)).`,
    );
  }
  return key;
}

/** The check of a restored map's user keys against the kinds it held (restored-key-kinds.ts). */
export interface UserKeyCheck {
  check(key: unknown): void;
}

/** A MapState's user key, checked as {@link checkUserKey} does and, for a restored map, by `fence`. */
export function checkMapUserKey<K>(key: K, fence: UserKeyCheck | undefined): K {
  checkUserKey(key);
  if (fence !== undefined) fence.check(key);
  return key;
}

/** The entries of a `putAll`, every user key checked before any is put (a refusal changes nothing). */
export function checkMapUserKeys<K, V>(entries: Iterable<readonly [K, V]>, fence: UserKeyCheck | undefined): ReadonlyArray<readonly [K, V]> {
  const all = [...entries];
  for (const [k] of all) checkMapUserKey(k, fence);
  return all;
}

export class KeyedMapState<K, V> extends AbstractKeyedState<Map<K, V>> implements MapState<K, V> {
  constructor(
    scope: KeyScope,
    table: StateTable<Map<K, V>>,
    private readonly fence: UserKeyCheck | undefined,
  ) {
    super(scope, table);
  }
  private map(create: boolean): Map<K, V> | undefined {
    return this.current() ?? (create ? new Map<K, V>() : undefined);
  }
  get(key: K): V | undefined {
    const k = checkMapUserKey(key, this.fence);
    return this.map(false)?.get(k);
  }
  put(key: K, value: V): void {
    const k = checkMapUserKey(key, this.fence);
    const m = this.map(true)!;
    m.set(k, value);
    this.set(m);
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    const all = checkMapUserKeys(entries, this.fence);
    const m = this.map(true)!;
    for (const [k, v] of all) m.set(k, v);
    this.set(m);
  }
  remove(key: K): void {
    const k = checkMapUserKey(key, this.fence);
    const m = this.map(false);
    if (!m?.delete(k)) return;
    if (m.size === 0) this.clear();
    else this.set(m);
  }
  contains(key: K): boolean {
    const k = checkMapUserKey(key, this.fence);
    return this.map(false)?.has(k) ?? false;
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

/**
 * The one value of the current key that reducing and aggregating states fold into: plain
 * ({@link PlainCell}), or with TTL (TtlCell in ttl-states.ts).
 */
export interface ValueCell<V> extends State {
  /** The value as a read returns it. */
  read(): V | undefined;
  /** The value to fold a new one into: an expired one counts as absent (unless its TTL returns expired values). */
  live(): V | undefined;
  write(value: V): void;
}

/** A value cell without TTL: the stored value itself. */
export class PlainCell<V> extends AbstractKeyedState<V> implements ValueCell<V> {
  read(): V | undefined {
    return this.current();
  }
  live(): V | undefined {
    return this.current();
  }
  write(value: V): void {
    this.set(value);
  }
}

export class KeyedReducingState<T> implements ReducingState<T> {
  constructor(
    private readonly cell: ValueCell<T>,
    private readonly reduce: (a: T, b: T) => T,
  ) {}
  get(): T | undefined {
    return this.cell.read();
  }
  add(value: T): void {
    const v = this.cell.live();
    this.cell.write(v === undefined ? value : this.reduce(v, value));
  }
  /** Folds `value` in only if the key has a (live) value already; true if it did (one lookup for both). */
  addIfPresent(value: T): boolean {
    const v = this.cell.live();
    if (v === undefined) return false;
    this.cell.write(this.reduce(v, value));
    return true;
  }
  /** The current key's (live) value, for a caller that folds values in itself (the window operator's accumulator buffer). */
  accumulator(): T | undefined {
    return this.cell.live();
  }
  /** `value` folded into `acc`, as {@link add} folds it into the stored value. */
  fold(value: T, acc: T): T {
    return this.reduce(acc, value);
  }
  setAccumulator(acc: T): void {
    this.cell.write(acc);
  }
  /** What {@link add} stores for `value` in an empty state: the value itself. */
  first(value: T): T {
    return value;
  }
  /** What {@link get} gives when `acc` is the stored value: the value itself. */
  result(acc: T): T {
    return acc;
  }
  clear(): void {
    this.cell.clear();
  }
}

export class KeyedAggregatingState<IN, ACC, OUT> implements AggregatingState<IN, OUT> {
  constructor(
    private readonly cell: ValueCell<ACC>,
    private readonly fn: AggregateFunction<IN, ACC, OUT>,
  ) {}
  get(): OUT | undefined {
    const acc = this.cell.read();
    return acc === undefined ? undefined : this.fn.getResult(acc);
  }
  add(value: IN): void {
    this.cell.write(this.fn.add(value, this.cell.live() ?? this.fn.createAccumulator()));
  }
  /** Adds `value` only if the key has a (live) accumulator already; true if it did (one lookup for both). */
  addIfPresent(value: IN): boolean {
    const acc = this.cell.live();
    if (acc === undefined) return false;
    this.cell.write(this.fn.add(value, acc));
    return true;
  }
  /** The current key's (live) accumulator, for a caller that folds values in itself (the window operator's accumulator buffer). */
  accumulator(): ACC | undefined {
    return this.cell.live();
  }
  /** `value` added to `acc`, as {@link add} adds it to the stored accumulator. */
  fold(value: IN, acc: ACC): ACC {
    return this.fn.add(value, acc);
  }
  setAccumulator(acc: ACC): void {
    this.cell.write(acc);
  }
  /** What {@link add} stores for `value` in an empty state: `value` added to a new accumulator. */
  first(value: IN): ACC {
    return this.fn.add(value, this.fn.createAccumulator());
  }
  /** What {@link get} gives when `acc` is the stored accumulator. */
  result(acc: ACC): OUT {
    return this.fn.getResult(acc);
  }
  clear(): void {
    this.cell.clear();
  }
}
