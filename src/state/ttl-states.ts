import type { Clock } from '../util/clock.js';
import { AbstractKeyedState, type KeyScope, type UserKeyCheck, type ValueCell, checkListElement, checkListElements, checkMapUserKey, checkMapUserKeys } from './keyed-states.js';
import type { ListState, MapState, ValueState } from './state.js';
import type { TtlValue } from './state-meta.js';
import type { StateTable } from './state-table.js';
import type { StateTtlConfig } from './ttl-config.js';
import type { IncrementalCleanup } from './ttl-cleanup.js';

/** Whether a value stamped `x[1]` has expired at `now` (Flink's TtlUtils.expired: `ts + ttl <= now`). */
export function isExpired(x: TtlValue<unknown>, ttlMs: number, now: number): boolean {
  return x[1] + ttlMs <= now;
}

/**
 * Base of the TTL states: every user value is stored with its timestamp; an expired value is
 * removed when read, and returned that once only with ReturnExpiredIfNotCleanedUp.
 */
abstract class TtlState<S> extends AbstractKeyedState<S> {
  protected readonly returnExpired: boolean;
  protected readonly refreshOnRead: boolean;

  constructor(
    scope: KeyScope,
    table: StateTable<S>,
    protected readonly ttl: StateTtlConfig,
    private readonly clock: Clock,
    private readonly cleanup: IncrementalCleanup | undefined,
  ) {
    super(scope, table);
    this.returnExpired = ttl.visibility === 'ReturnExpiredIfNotCleanedUp';
    this.refreshOnRead = ttl.updateType === 'OnReadAndWrite';
  }

  protected now(): number {
    return this.clock.now();
  }

  protected expired(x: TtlValue<unknown>, now: number): boolean {
    return isExpired(x, this.ttl.ttlMs, now);
  }

  /** Runs the bounded incremental cleanup tied to state access. */
  protected touched(): void {
    this.cleanup?.step();
  }
}

/** A single TTL'd value: value, reducing and aggregating states share this read path. */
export class TtlCell<V> extends TtlState<TtlValue<V>> implements ValueCell<V> {
  read(): V | undefined {
    this.touched();
    const s = this.current();
    if (!s) return undefined;
    const now = this.now();
    if (this.expired(s, now)) {
      this.clear();
      return this.returnExpired ? s[0] : undefined;
    }
    if (this.refreshOnRead) this.set([s[0], now]);
    return s[0];
  }

  /**
   * The value to fold an update into: an expired one counts as absent, unless expired values are
   * returned while not cleaned up (ReturnExpiredIfNotCleanedUp), as Flink's TTL reduce and
   * aggregate functions fold them in too. No refresh: the write refreshes.
   */
  live(): V | undefined {
    this.touched();
    const s = this.current();
    return s && (this.returnExpired || !this.expired(s, this.now())) ? s[0] : undefined;
  }

  write(v: V): void {
    this.set([v, this.now()]);
  }
}

export class TtlValueState<T> extends TtlCell<T> implements ValueState<T> {
  /** @param defaultValue a fresh copy of the descriptor's default per call (see defaultValueOf) */
  constructor(scope: KeyScope, table: StateTable<TtlValue<T>>, ttl: StateTtlConfig, clock: Clock, cleanup: IncrementalCleanup | undefined, private readonly defaultValue: () => T | undefined) {
    super(scope, table, ttl, clock, cleanup);
  }
  value(): T | undefined {
    const v = this.read();
    return v === undefined ? this.defaultValue() : v;
  }
  update(value: T | null): void {
    this.touched();
    if (value === undefined || value === null) this.clear();
    else this.write(value);
  }
}

/** A list whose elements expire one by one. */
export class TtlListState<T> extends TtlState<TtlValue<T>[]> implements ListState<T> {
  /** @param refuseNull see checkListElements (undefined for the engine's own lists) */
  constructor(scope: KeyScope, table: StateTable<TtlValue<T>[]>, ttl: StateTtlConfig, clock: Clock, cleanup: IncrementalCleanup | undefined, private readonly refuseNull: string | undefined) {
    super(scope, table, ttl, clock, cleanup);
  }
  get(): readonly T[] {
    this.touched();
    const list = this.current();
    if (!list) return [];
    const now = this.now();
    const alive = list.filter((x) => !this.expired(x, now));
    const result = (this.returnExpired ? list : alive).map((x) => x[0]);
    if (alive.length === 0) this.clear();
    else if (this.refreshOnRead) this.set(alive.map((x): TtlValue<T> => [x[0], now]));
    else if (alive.length !== list.length) this.set(alive);
    return result;
  }
  add(value: T): void {
    checkListElement(this.refuseNull, value);
    this.touched();
    const list = this.current();
    if (list) list.push([value, this.now()]);
    this.set(list ?? [[value, this.now()]]);
  }
  addAll(values: Iterable<T>): void {
    const checked = checkListElements(this.refuseNull, values);
    this.touched();
    if (checked.length === 0) return;
    const now = this.now();
    const list = this.current() ?? [];
    for (const v of checked) list.push([v, now]);
    this.set(list);
  }
  update(values: Iterable<T>): void {
    const checked = checkListElements(this.refuseNull, values);
    this.touched();
    const now = this.now();
    const list = checked.map((v): TtlValue<T> => [v, now]);
    if (list.length === 0) this.clear();
    else this.set(list);
  }
}

/** A map whose entries expire one by one. */
export class TtlMapState<K, V> extends TtlState<Map<K, TtlValue<V>>> implements MapState<K, V> {
  constructor(
    scope: KeyScope,
    table: StateTable<Map<K, TtlValue<V>>>,
    ttl: StateTtlConfig,
    clock: Clock,
    cleanup: IncrementalCleanup | undefined,
    private readonly fence: UserKeyCheck | undefined,
  ) {
    super(scope, table, ttl, clock, cleanup);
  }
  get(key: K): V | undefined {
    const k = checkMapUserKey(key, this.fence);
    this.touched();
    const m = this.current();
    const x = m?.get(k);
    if (!m || !x) return undefined;
    const now = this.now();
    if (this.expired(x, now)) {
      this.removeEntry(m, key);
      return this.returnExpired ? x[0] : undefined;
    }
    if (this.refreshOnRead) {
      m.set(key, [x[0], now]);
      this.set(m);
    }
    return x[0];
  }
  put(key: K, value: V): void {
    this.touched();
    const m = this.current() ?? new Map<K, TtlValue<V>>();
    m.set(checkMapUserKey(key, this.fence), [value, this.now()]);
    this.set(m);
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    for (const [k, v] of checkMapUserKeys(entries, this.fence)) this.put(k, v);
  }
  remove(key: K): void {
    this.touched();
    const k = checkMapUserKey(key, this.fence);
    const m = this.current();
    if (m) this.removeEntry(m, k);
  }
  contains(key: K): boolean {
    return this.get(key) !== undefined;
  }
  entries(): IterableIterator<[K, V]> {
    return this.live().entries();
  }
  keys(): IterableIterator<K> {
    return this.live().keys();
  }
  values(): IterableIterator<V> {
    return this.live().values();
  }
  isEmpty(): boolean {
    return this.live().size === 0;
  }

  /** The live entries (expired ones are removed; returned once with ReturnExpiredIfNotCleanedUp). */
  private live(): Map<K, V> {
    this.touched();
    const m = this.current();
    const out = new Map<K, V>();
    if (!m) return out;
    const now = this.now();
    let changed = false;
    for (const [k, x] of [...m]) {
      if (this.expired(x, now)) {
        m.delete(k);
        changed = true;
        if (this.returnExpired) out.set(k, x[0]);
        continue;
      }
      if (this.refreshOnRead) {
        m.set(k, [x[0], now]);
        changed = true;
      }
      out.set(k, x[0]);
    }
    if (m.size === 0) this.clear();
    else if (changed) this.set(m);
    return out;
  }

  private removeEntry(m: Map<K, TtlValue<V>>, key: K): void {
    if (!m.delete(key)) return;
    if (m.size === 0) this.clear();
    else this.set(m);
  }
}
