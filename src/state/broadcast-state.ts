import { FlinkError } from '../util/errors.js';
import { checkUserKey } from './keyed-states.js';
import type { StateFreeze } from './operator-state-freeze.js';
import type { State } from './state.js';

/**
 * The read-only view of a {@link BroadcastState}, as the non-broadcast side of a broadcast
 * connection sees it (Flink's ReadOnlyBroadcastState). Values are not copied: do not mutate
 * what `get` or `immutableEntries` return.
 */
export interface ReadOnlyBroadcastState<K, V> extends State {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  immutableEntries(): Iterable<readonly [K, V]>;
}

/**
 * Operator state that every subtask keeps a full copy of, written only from the broadcast side
 * (`processBroadcastElement`), so all copies stay the same as long as the function is
 * deterministic. Checkpointed per subtask; on restore each subtask gets a copy (Flink's
 * BroadcastState).
 */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
}

/** The message of a write through the read-only view. */
const READ_ONLY_BROADCAST_STATE =
  'The broadcast state is read-only on the non-broadcast side (processElement): modify it in processBroadcastElement, so every subtask keeps the same state.';

/**
 * A broadcast state on the heap (as in Flink, on every state backend). While a snapshot in
 * progress holds it unencoded (`freeze`), every call that hands out a value or changes the map
 * lets the snapshot encode it first (operator-state-freeze.ts); `contains`, `keys` and `isEmpty`
 * need not: keys are primitives.
 */
export class HeapBroadcastState<K, V> implements BroadcastState<K, V> {
  readonly map: Map<K, V>;
  /** The view handed to the non-broadcast side; writes through it throw. */
  readonly readOnly: ReadOnlyBroadcastState<K, V>;

  constructor(
    entries: Iterable<readonly [K, V]>,
    private readonly freeze: StateFreeze,
  ) {
    this.map = new Map(entries);
    const map = this.map;
    const refuse = (): never => {
      throw new FlinkError('state.broadcastReadOnly', READ_ONLY_BROADCAST_STATE);
    };
    // Nothing can change the map while the non-broadcast side iterates it: no copy per call
    // (a rules engine iterates its rules for every element).
    const everyEntry: Iterable<readonly [K, V]> = {
      [Symbol.iterator]: () => {
        freeze.thaw();
        return map.entries();
      },
    };
    const view = {
      get: (key: K) => {
        freeze.thaw();
        return map.get(checked(key));
      },
      contains: (key: K) => map.has(checked(key)),
      immutableEntries: () => everyEntry,
      clear: refuse,
      put: refuse,
      putAll: refuse,
      remove: refuse,
    };
    this.readOnly = view;
  }

  get(key: K): V | undefined {
    this.freeze.thaw();
    return this.map.get(checked(key));
  }
  contains(key: K): boolean {
    return this.map.has(checked(key));
  }
  immutableEntries(): Iterable<readonly [K, V]> {
    this.freeze.thaw();
    return [...this.map.entries()];
  }
  put(key: K, value: V): void {
    this.freeze.thaw();
    this.map.set(checked(key), value);
  }
  putAll(entries: Iterable<readonly [K, V]>): void {
    this.freeze.thaw();
    for (const [k, v] of entries) this.map.set(checked(k), v);
  }
  remove(key: K): void {
    this.freeze.thaw();
    this.map.delete(checked(key));
  }
  entries(): IterableIterator<[K, V]> {
    this.freeze.thaw();
    return this.map.entries();
  }
  keys(): IterableIterator<K> {
    return this.map.keys();
  }
  values(): IterableIterator<V> {
    this.freeze.thaw();
    return this.map.values();
  }
  isEmpty(): boolean {
    return this.map.size === 0;
  }
  clear(): void {
    this.freeze.thaw();
    this.map.clear();
  }
}

/**
 * A user key checked as a MapState's is (see checkUserKey): an object key would be compared by
 * identity and lost on restore, where every subtask's copy is made from the snapshot's.
 */
function checked<K>(key: K): K {
  return checkUserKey(key, 'BroadcastState');
}
