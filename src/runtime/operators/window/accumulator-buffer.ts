/**
 * A write-back buffer of window accumulators, for the window operator's common case: aligned
 * event-time windows (tumbling, sliding) with the default trigger and incremental aggregation
 * (`reduce`/`aggregate`). Between two watermarks such a window only takes elements in — nothing
 * reads its contents until a timer fires — so each (key, window) accumulator is read from keyed
 * state once, folded in memory by every further element, and written back before anything else
 * can read it: before a snapshot's cut, before a due processing-time timer, and after a
 * watermark's timers for the windows it reached but did not end (within their allowed lateness,
 * whose late elements go through state). A watermark's timers read the windows they fire from
 * here, and the cleanup drops the ones it ends, so a window that opened and ended between two
 * write-backs never goes to state at all; windows a watermark does not reach stay buffered.
 * Elements are folded in the order they came, with the same `add`/`reduce` calls, so results are
 * exactly those without the buffer.
 *
 * The gain is the lookups: state keeps a key's windows as a map per key in a map per key group
 * (three dependent lookups per element; finding the key's map alone took ~35 ns of the ~60 ns
 * the state path cost per element in a profile), the buffer one probe in a table per window
 * (window-accumulators.ts). Flink's SQL window aggregation buffers records per key and window
 * before folding them into state, for the same reason.
 */
import type { KeyedStateBackend, Namespace, NamespacedState, State } from '../../../state/index.js';
import { NOT_HELD, WindowAccumulators, isIntKey } from './window-accumulators.js';

/** What the buffer needs of the contents state: a reducing or aggregating state's accumulator. */
export interface FoldingState extends State {
  /** The accumulator of the current key in the current namespace; undefined if it has none. */
  accumulator(): unknown;
  /** `value` folded into `acc`, as adding it to the state would. */
  fold(value: unknown, acc: unknown): unknown;
  /** Stores `acc` as the current key's accumulator in the current namespace. */
  setAccumulator(acc: unknown): void;
  /** The accumulator of `value` alone, as adding it to an empty state would store it. */
  first(value: unknown): unknown;
  /** What reading the state gives when `acc` is its accumulator. */
  result(acc: unknown): unknown;
}

/** What {@link AccumulatorBuffer.resultOf} gives for a key and window whose accumulator is not in the buffer. */
export const NOT_BUFFERED = NOT_HELD;

/** True if `state` has what the buffer needs (reducing and aggregating states do). */
export function isFolding<S extends State>(state: S): state is S & FoldingState {
  const s = state as Partial<FoldingState>;
  return typeof s.accumulator === 'function' && typeof s.fold === 'function' && typeof s.setAccumulator === 'function' && typeof s.first === 'function' && typeof s.result === 'function';
}

/**
 * Accumulators held before they are written back: bounds the memory (about 8 MB of tables with
 * int keys, ~32 bytes an accumulator besides its value), and is enough that each is folded many
 * times before a write-back. When event time runs far ahead of the clock, as in a replay,
 * windows open faster than watermarks come: the buffer must hold the windows one watermark ends
 * for them to fire from it, and a full buffer writes everything back. At 16,384, a thousand
 * keys' tumbling windows filled it halfway between two watermarks of the windows bench; at
 * 65,536, its sliding windows (six per element, ~76 open per key between two watermarks) still
 * overflowed, and the in-process sliding job took 2680 ms of CPU time against 2320 ms at this
 * capacity, its peak RSS 225 MB against 177 MB (less went through state); the tumbling job,
 * which never fills it, did not change.
 */
export const ACCUMULATOR_BUFFER_CAPACITY = 262_144;

/** Emptied tables kept for reuse: more than the windows open at once in any common job. */
const MAX_SPARE_TABLES = 64;

export class AccumulatorBuffer {
  /** Buffered accumulators by window namespace. */
  private readonly windows = new Map<Namespace, WindowAccumulators>();
  /** Tables of windows written back, emptied, for the next windows (a table grows to the keys a window sees once). */
  private readonly spare: WindowAccumulators[] = [];
  private count = 0;
  /** By position in the assigned windows: the namespace last seen there and its table in {@link windows}. */
  private readonly slotNamespaces: Namespace[] = [];
  private readonly slotEntries: (WindowAccumulators | undefined)[] = [];
  /**
   * The windows a write-back put accumulators of into state, until they end. A window not here
   * has none in state (the operator buffers only windows with no restored contents, and adds
   * nothing to state directly while they are open), so a key's first element there is not
   * looked up.
   */
  private readonly writtenBack = new Set<Namespace>();

  constructor(
    private readonly contents: NamespacedState<FoldingState>,
    private readonly backend: KeyedStateBackend,
    private readonly capacity = ACCUMULATOR_BUFFER_CAPACITY,
  ) {}

  /** Accumulators buffered now. */
  get size(): number {
    return this.count;
  }

  /**
   * Folds `value` into the current key's accumulator in window `ns` (the contents' current
   * namespace), which is the `slot`-th window the element was assigned, reading it from state
   * the first time. True if the key had an accumulator there; false if `value` is the first
   * element of the key's window, now buffered as its accumulator (the caller still runs the
   * trigger and registers the cleanup timer; state gets it at the next write-back). A full
   * buffer is written back before it takes another accumulator.
   */
  add(slot: number, ns: Namespace, value: unknown): boolean {
    let table = this.slotEntries[slot];
    if (table === undefined || this.slotNamespaces[slot] !== ns) table = this.tableOf(slot, ns);
    const b = this.backend;
    const state = this.contents.state;
    const k = b.currentMapKey;
    if (isIntKey(k)) {
      const at = table.find(k);
      if (at >= 0) {
        table.accs[at] = state.fold(value, table.accs[at]);
        return true;
      }
      const acc = this.writtenBack.has(ns) ? state.accumulator() : undefined;
      const folded = acc === undefined ? state.first(value) : state.fold(value, acc);
      if (this.makeRoom()) {
        table = this.tableOf(slot, ns);
        table.insert(-1 - table.find(k), k, b.currentKeyGroup, folded, acc !== undefined);
      } else {
        table.insert(-1 - at, k, b.currentKeyGroup, folded, acc !== undefined);
      }
      this.count++;
      return acc !== undefined;
    }
    const buffered = table.others.get(k);
    if (buffered !== undefined) {
      buffered.acc = state.fold(value, buffered.acc);
      return true;
    }
    const acc = this.writtenBack.has(ns) ? state.accumulator() : undefined;
    const folded = acc === undefined ? state.first(value) : state.fold(value, acc);
    if (this.makeRoom()) table = this.tableOf(slot, ns);
    table.others.set(k, { key: b.getCurrentKey(), keyGroup: b.currentKeyGroup, acc: folded, stored: acc !== undefined });
    this.count++;
    return acc !== undefined;
  }

  /**
   * Writes everything back if the buffer is full (what the caller read from state is not
   * buffered, so writing back the others leaves it as it was); true if it did.
   */
  private makeRoom(): boolean {
    if (this.count < this.capacity) return false;
    this.flush();
    return true;
  }

  /**
   * Writes every buffered accumulator back to state and empties the buffer; the current key and
   * namespace are as before.
   */
  flush(): void {
    this.writeBackExcept(undefined);
  }

  /**
   * Writes back the windows `stays` does not keep (all, if it is undefined); those it keeps stay
   * buffered, for {@link resultOf} and {@link discard}. The current key and namespace are as
   * before. Keys are visited without per-record TTL cleanup steps, so other states' cleanup
   * advances as it would without the buffer.
   */
  writeBackExcept(stays: ((ns: Namespace) => boolean) | undefined): void {
    if (this.count === 0) return;
    const b = this.backend;
    const hadKey = b.currentKeyGroup >= 0;
    const key = b.getCurrentKey();
    const keyGroup = b.currentKeyGroup;
    const namespace = this.contents.getCurrentNamespace();
    const state = this.contents.state;
    const write = (k: unknown, kg: number, acc: unknown): void => {
      b.setCurrentKeyWithoutCleanup(k, kg);
      state.setAccumulator(acc);
    };
    let kept = 0;
    for (const [ns, table] of this.windows) {
      if (stays?.(ns)) {
        kept += table.size;
        continue;
      }
      this.contents.setCurrentNamespace(ns);
      table.forEach(write);
      this.writtenBack.add(ns);
      this.release(ns, table);
    }
    this.slotEntries.fill(undefined);
    this.count = kept;
    if (hadKey) b.setCurrentKeyWithoutCleanup(key, keyGroup);
    this.contents.setCurrentNamespace(namespace);
  }

  /** Forgets the windows `ended` names as written back: they have ended and their state is cleared (call after their timers fired). */
  forgetEnded(ended: (ns: Namespace) => boolean): void {
    for (const ns of this.writtenBack) if (ended(ns)) this.writtenBack.delete(ns);
  }

  /** What reading the contents gives for the current key in window `ns`, if its accumulator is buffered; else {@link NOT_BUFFERED}. */
  resultOf(ns: Namespace): unknown {
    const acc = this.windows.get(ns)?.accumulatorOf(this.backend.currentMapKey) ?? NOT_HELD;
    return acc === NOT_HELD ? NOT_BUFFERED : this.contents.state.result(acc);
  }

  /**
   * Drops the current key's accumulator in window `ns` from the buffer; true if state may hold
   * one there too (it was not buffered, or was read from state), so the caller clears that.
   */
  discard(ns: Namespace): boolean {
    const table = this.windows.get(ns);
    const stored = table?.drop(this.backend.currentMapKey);
    if (table === undefined || stored === undefined) return true;
    this.count--;
    if (table.size === 0) {
      this.release(ns, table);
      this.slotEntries.fill(undefined);
    }
    return stored;
  }

  /** Takes `ns`'s emptied table out, keeping it for a later window. */
  private release(ns: Namespace, table: WindowAccumulators): void {
    this.windows.delete(ns);
    table.clear();
    if (this.spare.length < MAX_SPARE_TABLES) this.spare.push(table);
  }

  private tableOf(slot: number, ns: Namespace): WindowAccumulators {
    let table = this.windows.get(ns);
    if (table === undefined) {
      table = this.spare.pop() ?? new WindowAccumulators();
      this.windows.set(ns, table);
    }
    this.slotNamespaces[slot] = ns;
    this.slotEntries[slot] = table;
    return table;
  }
}
