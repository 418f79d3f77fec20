import { HeapBroadcastState } from './broadcast-state.js';
import { type ListStateDescriptor, type MapStateDescriptor, checkUserStateName } from './descriptors.js';
import { checkListElement, checkListElements, listNullRefusal } from './keyed-states.js';
import { type OperatorStateSerializers, checkSameSerializers, cutEntry, readRestored, serializersOf, snapshotEntry } from './operator-state-serializers.js';
import { StateFreeze } from './operator-state-freeze.js';
import { type OperatorStateCut, PendingOperatorLists } from './operator-state-snapshot.js';
import type { OperatorListEntry } from './operator-state-writers.js';
import type { ListState } from './state.js';

/**
 * How operator list state is redistributed when parallelism changes: `split` deals the
 * elements of all subtasks out in contiguous runs (checkpoint/operator-state-repartitioner.ts); `union` gives every subtask all elements; `broadcast`
 * (broadcast state, its elements a map's entries) gives every subtask one subtask's copy.
 */
export type OperatorStateMode = 'split' | 'union' | 'broadcast';

/** Operator state of one subtask, as handed to `CheckpointedFunction.initializeState`. */
export interface OperatorStateStore {
  /** List state whose elements are dealt out among the subtasks on rescale. */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  /** List state of which every subtask receives the union of all subtasks' lists on restore. */
  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
}

/**
 * Null and undefined elements are refused, as Flink's operator list state refuses null (the
 * engine's own `_` lists excepted). A snapshot in progress holds `values` as it was at its cut:
 * `add` only appends (the cut holds its length), `update` and `clear` replace the array; only
 * `get` hands out the elements, so only `get` lets the snapshot encode the state first.
 */
class OperatorListState<T> implements ListState<T> {
  values: T[] = [];
  constructor(
    private readonly refuseNull: string | undefined,
    private readonly freeze: StateFreeze,
  ) {}
  get(): readonly T[] {
    this.freeze.thaw();
    return this.values;
  }
  add(value: T): void {
    checkListElement(this.refuseNull, value);
    this.values.push(value);
  }
  addAll(values: Iterable<T>): void {
    for (const v of checkListElements(this.refuseNull, values)) this.values.push(v);
  }
  update(values: Iterable<T>): void {
    this.values = [...checkListElements(this.refuseNull, values)];
  }
  clear(): void {
    this.values = [];
  }
}

/**
 * The in-memory operator state store of one subtask. Each state's elements go into snapshots
 * through its descriptor's serializers (broadcast state: key and value serializers); restored
 * elements stay as the snapshot held them until the state is registered, and are then read,
 * migrated if the serializer changed (operator-state-serializers.ts).
 */
export class DefaultOperatorStateStore implements OperatorStateStore {
  private readonly states = new Map<string, { mode: OperatorStateMode; state: OperatorListState<unknown>; serializers: OperatorStateSerializers }>();
  private readonly broadcastStates = new Map<string, { state: HeapBroadcastState<unknown, unknown>; serializers: OperatorStateSerializers }>();
  /** Each state's freeze (operator-state-freeze.ts), by name: a restored one's before it is registered, then the registered state's. */
  private readonly freezes = new Map<string, StateFreeze>();

  /**
   * @param restored the lists restored for this subtask, by state name (already redistributed)
   * @param fromSnapshot the subtask's operator had state in the snapshot the job starts from (so
   *   it is restored even if its share is empty, e.g. a subtask added by scaling up, or the state
   *   is keyed only); by default, whether any list was restored
   */
  constructor(
    private readonly restored: ReadonlyMap<string, OperatorListEntry> = new Map(),
    private readonly fromSnapshot = restored.size > 0,
  ) {}

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.get(descriptor, 'split');
  }

  getUnionListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.get(descriptor, 'union');
  }

  /**
   * The broadcast state named by `descriptor` (restored if the snapshot had it). Only the
   * broadcast operators use it, with the descriptors given to `broadcast(...)`. Its keys and
   * values go into snapshots through the descriptor's key and value serializers.
   *
   * @throws StateMigrationError if the restored state's serializers cannot be read by the descriptor's
   */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): HeapBroadcastState<K, V> {
    const name = descriptor.name;
    const existing = this.broadcastStates.get(name);
    if (existing) {
      checkSameSerializers(name, existing.serializers, serializersOf(descriptor as MapStateDescriptor<unknown, unknown>));
      return existing.state as HeapBroadcastState<K, V>;
    }
    if (this.states.has(name)) throw new TypeError(`Operator state '${name}' is already registered as ${this.states.get(name)!.mode} list state.`);
    const restored = this.restored.get(name);
    if (restored && restored.mode !== 'broadcast') throw new TypeError(`Operator state '${name}' was restored as ${restored.mode} list state, not as broadcast state.`);
    const serializers = serializersOf(descriptor as MapStateDescriptor<unknown, unknown>);
    const freeze = this.freezeOf(name);
    const state = new HeapBroadcastState<unknown, unknown>((restored ? readRestored(name, restored, serializers) : []) as Array<[unknown, unknown]>, freeze);
    this.broadcastStates.set(name, { state, serializers });
    return state as HeapBroadcastState<K, V>;
  }

  /** The store as user functions see it: names starting with `_` are the engine's. */
  forUserCode(): OperatorStateStore {
    const store = this;
    return {
      getListState<T>(d: ListStateDescriptor<T>): ListState<T> {
        checkUserStateName(d.name);
        return store.getListState(d);
      },
      getUnionListState<T>(d: ListStateDescriptor<T>): ListState<T> {
        checkUserStateName(d.name);
        return store.getUnionListState(d);
      },
    };
  }

  /**
   * True if this subtask was started from a snapshot holding state of its operator, as Flink's
   * `isRestored()`: on every subtask at any parallelism, an empty share or not (Flink's
   * RestoreStreamTaskTest); false for an operator the snapshot has no state of (a new uid).
   */
  get isRestored(): boolean {
    return this.fromSnapshot;
  }

  /**
   * Every list with its mode, for snapshots, each registered one written by its serializers; and
   * those restored but not asked for again (yet) as they were restored, with their writers — a
   * function that registers a state lazily (on its first element, which a subtask may not see
   * before the next checkpoint) must not lose it, as in Flink, whose operator state backend
   * keeps every restored state.
   *
   * @throws StateSerializationError naming the state if its serializer refuses an element
   */
  snapshot(): Map<string, OperatorListEntry> {
    const out = new Map<string, OperatorListEntry>();
    // Restored states first, at their places (registered ones too), as cut() orders them.
    for (const [name, { mode, values, writers }] of this.restored) out.set(name, { mode, values: [...values], ...(writers ? { writers } : {}) });
    for (const [name, { mode, state, serializers }] of this.states) out.set(name, snapshotEntry(name, mode, state.values, serializers));
    for (const [name, { state, serializers }] of this.broadcastStates) out.set(name, snapshotEntry(name, 'broadcast', [...state.map.entries()], serializers));
    return out;
  }

  /**
   * A checkpoint's cut of every state {@link snapshot} writes, in the same order, copying
   * nothing: each state is frozen for the returned snapshot, which serializes and packs its
   * elements afterwards, in slices, or at once when the task is about to read or change the
   * state (operator-state-freeze.ts). What the snapshot holds is each state as it was at the
   * cut, as Flink's copy at the synchronous part gives: elements added, removed or replaced after
   * it (add, update, clear, put) are not in it, and an element or value read through the state
   * after it (get, iteration) is encoded before the function gets it, so changing it in place
   * does not change the snapshot. Only what the function still holds from before the cut (an
   * object it added, or read before) escapes: changed in place, it is written as changed if the
   * snapshot has not encoded its state yet.
   */
  cut(): PendingOperatorLists {
    const out = new Map<string, OperatorStateCut>();
    for (const [name, { mode, values, writers }] of this.restored) {
      // Held as restored (MessagePack elements are the very objects a registration hands the
      // function): registered, the state shares this freeze, so its first read encodes them first.
      out.set(name, { mode, values, count: values.length, ...(writers ? { writers } : {}), freeze: this.freezeOf(name) });
    }
    for (const [name, { mode, state, serializers }] of this.states) out.set(name, cutEntry(name, mode, state.values, state.values.length, serializers, this.freezeOf(name)));
    for (const [name, { state, serializers }] of this.broadcastStates) {
      const map = state.map;
      // Entries as fresh pairs, as [...map.entries()] gives them (the bytes are the same).
      out.set(name, cutEntry(name, 'broadcast', { [Symbol.iterator]: () => map.entries() }, map.size, serializers, this.freezeOf(name)));
    }
    return new PendingOperatorLists(out);
  }

  /** The freeze of state `name` (one per name, shared by its restored and registered forms). */
  private freezeOf(name: string): StateFreeze {
    let freeze = this.freezes.get(name);
    if (freeze === undefined) this.freezes.set(name, (freeze = new StateFreeze(name)));
    return freeze;
  }

  private get<T>(descriptor: ListStateDescriptor<T>, mode: OperatorStateMode): ListState<T> {
    if (this.broadcastStates.has(descriptor.name)) throw new TypeError(`Operator state '${descriptor.name}' is already registered as broadcast state.`);
    const existing = this.states.get(descriptor.name);
    if (existing) {
      if (existing.mode !== mode) {
        throw new TypeError(`Operator state '${descriptor.name}' is already registered as ${existing.mode} list state.`);
      }
      checkSameSerializers(descriptor.name, existing.serializers, serializersOf(descriptor as ListStateDescriptor<unknown>));
      return existing.state as OperatorListState<T>;
    }
    const freeze = this.freezeOf(descriptor.name);
    const state = new OperatorListState<unknown>(listNullRefusal(descriptor.name), freeze);
    const restored = this.restored.get(descriptor.name);
    if (restored && restored.mode !== mode) {
      // Flink refuses too: the elements were redistributed by the mode they were written with.
      throw new TypeError(`Operator state '${descriptor.name}' was restored as ${restored.mode} list state, not as ${mode} list state.`);
    }
    const serializers = serializersOf(descriptor as ListStateDescriptor<unknown>);
    if (restored) state.values = readRestored(descriptor.name, restored, serializers);
    this.states.set(descriptor.name, { mode, state, serializers });
    return state as OperatorListState<T>;
  }
}
