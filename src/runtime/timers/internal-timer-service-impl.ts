import {
  EVENT_TIME_DOMAIN,
  type KeyedStateBackend,
  PROCESSING_TIME_DOMAIN,
  type StateTable,
  type StoredTimer,
  TIMERS_STATE,
  ValueStateDescriptor,
  checkStoredKeyTimers,
  entriesByKeyGroup,
  mapKey,
} from '../../state/index.js';
import type { Clock } from '../../util/clock.js';
import { SnapshotRestoreError } from '../../util/errors.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP, checkTimestamp } from '../../util/time.js';
import type { RecordContext } from '../record-context.js';
import type { InternalTimerService, Namespace, Triggerable } from './internal-timer-service.js';
import type { HeapTimer, RetainPredicate } from './timer-heap.js';
import { TimerQueue } from './timer-queue.js';
import { type Domain, indexOfTimer, insertTimer, insertionIndex, sortTimers } from './timer-lists.js';

const TIMERS = new ValueStateDescriptor<unknown[]>(TIMERS_STATE);

/** Stale heap entries (deleted timers) tolerated beyond twice the live ones before a heap is compacted. */
const COMPACT_SLACK = 1024;

function checkNamespace(ns: Namespace): void {
  if (typeof ns !== 'number' && typeof ns !== 'string') throw new TypeError(`A timer namespace must be a number or a string, got ${typeof ns}.`);
}

/**
 * The timers of one keyed operator subtask (Flink's InternalTimerServiceImpl). The truth is the
 * keyed state `_timers` (see state/snapshot-format/timers-state.ts): one list per key, in time
 * order, which is also what keeps a timer unique — registering looks the key's list up and scans
 * it from the back, finding a window's end (later than the key's other timers) at once; no
 * identity strings built. Firing order comes from an in-memory timer queue per domain
 * (timer-queue.ts). A deleted timer is not searched for in its queue: an entry that comes out
 * first fires only if its timer is still in its key's list (and is removed from it then), so a
 * timer deleted and registered again fires once. Queues are rebuilt from the state after a
 * restore, and compacted when deleted entries pile up.
 */
export class InternalTimerServiceImpl implements InternalTimerService {
  private table: StateTable<unknown[]> | undefined;
  private readonly heaps: [TimerQueue, TimerQueue] = [new TimerQueue(), new TimerQueue()];
  /** Timers in state, by domain. */
  private readonly live: [number, number] = [0, 0];
  private seq = 0;
  private watermark = MIN_TIMESTAMP;
  /**
   * The `_timers` list of the key looked up last, reused while the backend's access epoch stays
   * (same key, no snapshot cut or restore since): an element of sliding windows registers a
   * timer for each of its windows, all of one key.
   */
  private memoEpoch = -1;
  private memoKeyGroup = -1;
  private memoKey: unknown = undefined;
  private memoList: unknown[] | undefined = undefined;
  /** While the final watermark's first round fires: the registrations (by seq) that fire in it too (see fireFinal). */
  private finalChains: Set<number> | undefined;
  /** The time of the timer the final watermark fires now. */
  private finalFiring = MIN_TIMESTAMP;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly clock: Clock,
    private readonly recordContext: RecordContext,
    /** The operator's uid, for messages. */
    private readonly operatorUid: string,
  ) {}

  currentProcessingTime(): number {
    return this.clock.now();
  }

  currentWatermark(): number {
    return this.watermark;
  }

  registerEventTimeTimer(ns: Namespace, time: number): void {
    this.register(EVENT_TIME_DOMAIN, ns, time);
  }

  deleteEventTimeTimer(ns: Namespace, time: number): void {
    this.delete(EVENT_TIME_DOMAIN, ns, time);
  }

  registerProcessingTimeTimer(ns: Namespace, time: number): void {
    this.register(PROCESSING_TIME_DOMAIN, ns, time);
  }

  deleteProcessingTimeTimer(ns: Namespace, time: number): void {
    this.delete(PROCESSING_TIME_DOMAIN, ns, time);
  }

  /** Timers in state (of every key), event time. */
  get eventTimeTimerCount(): number {
    return this.live[EVENT_TIME_DOMAIN];
  }

  /** Timers in state (of every key), processing time. */
  get processingTimeTimerCount(): number {
    return this.live[PROCESSING_TIME_DOMAIN];
  }

  /** Entries in the event-time and processing-time heaps, deleted timers' included (for tests). */
  get heapSizes(): [number, number] {
    return [this.heaps[EVENT_TIME_DOMAIN].size, this.heaps[PROCESSING_TIME_DOMAIN].size];
  }

  /** The time of the earliest processing-time timer, or Infinity (it may have been deleted: then firing finds nothing). */
  nextProcessingTime(): number {
    return this.heaps[PROCESSING_TIME_DOMAIN].peekTime();
  }

  /** Fires the processing-time timers due at `now`, in time order, with their key set and no record timestamp. */
  advanceProcessingTime(now: number, target: Triggerable): void {
    const heap = this.heaps[PROCESSING_TIME_DOMAIN];
    while (heap.peekTime() <= now) {
      // The queue's own object for a timer out of a run: read before the next pop.
      const t = heap.pop()!;
      if (!this.claim(PROCESSING_TIME_DOMAIN, t)) continue;
      this.backend.setCurrentKey(t.key, t.keyGroup);
      const rc = this.recordContext;
      const previous = rc.timestamp;
      rc.timestamp = MIN_TIMESTAMP;
      target.onProcessingTime(t);
      rc.timestamp = previous;
    }
  }

  /**
   * The task's input ended: the maximum watermark fired the event-time timers and the due
   * processing-time timers fired. What is left can never fire in this run — processing-time
   * timers not yet due (dropped at end of input, as in Flink), event-time timers registered
   * after the final watermark (by a processing-time timer that fired later) — and leaves state
   * too, so the finished task's snapshots hold none: a restore from such a snapshot (a failure
   * after the input ended, before the job did) runs the task's end again, and would otherwise
   * fire timers the failure-free run dropped — output that run never had. Not called when the
   * input ends for a drain: its savepoint keeps them, as Flink's does, for the job resumed from it.
   */
  dropTimers(): void {
    for (const domain of [EVENT_TIME_DOMAIN, PROCESSING_TIME_DOMAIN] as const) {
      const heap = this.heaps[domain];
      for (let t = heap.pop(); t !== undefined; t = heap.pop()) this.claim(domain, t);
    }
  }

  /**
   * The watermark reached `time`: fires the event-time timers at or below it, in time order (a
   * timer registered meanwhile at or below it fires too, as in Flink). The maximum watermark, at
   * end of input, is final: the timers there fire, then those registered while they fired, in
   * one more round; timers registered during that round are dropped, so the job ends.
   */
  advanceWatermark(time: number, target: Triggerable): void {
    this.watermark = time;
    if (time === MAX_TIMESTAMP) {
      this.fireFinal(target);
      return;
    }
    const heap = this.heaps[EVENT_TIME_DOMAIN];
    while (heap.peekTime() <= time) {
      const t = heap.pop()!;
      if (this.claim(EVENT_TIME_DOMAIN, t)) this.fireEventTime(t, target);
    }
  }

  /**
   * Rebuilds the heaps from restored `_timers` state, after converting the processing-time
   * timers of a format-2 snapshot into it. Call once, after the key groups are restored.
   *
   * @throws SnapshotRestoreError if a restored timer list is malformed
   */
  restore(legacyTimers: readonly StoredTimer[]): void {
    if (!this.backend.stateTables().has(TIMERS_STATE) && legacyTimers.length === 0) return;
    this.memoEpoch = -1;
    const table = this.stateTable();
    for (const [time, key, kg] of legacyTimers) {
      const mk = mapKey(key);
      // Format 2 accepted any finite time; fire fractional ones at the next whole millisecond.
      const t = Math.ceil(time);
      const list = table.get(kg, mk) ?? [key];
      const at = insertionIndex(list, PROCESSING_TIME_DOMAIN, t, 0);
      if (at >= 0) insertTimer(list, at, PROCESSING_TIME_DOMAIN, t, 0);
      table.set(kg, mk, list);
    }
    // Written back after the scan, not while a store's cursor is open on the key group.
    const reordered: [number, unknown, unknown[]][] = [];
    for (const { keyGroup: kg, key: mk, value } of entriesByKeyGroup(table)) {
      const bad = checkStoredKeyTimers(value);
      if (bad !== undefined) {
        throw new SnapshotRestoreError(`Cannot restore the timers of operator '${this.operatorUid}': a key in key group ${kg} ${bad}; the snapshot is damaged.`);
      }
      if (sortTimers(value)) reordered.push([kg, mk, value]);
      for (let i = 1; i < value.length; i += 3) {
        const domain = value[i] as Domain;
        this.heaps[domain].add(value[i + 1] as number, value[0], value[i + 2] as Namespace, mk, kg, this.seq++);
        this.live[domain]++;
      }
    }
    for (const [kg, mk, value] of reordered) table.set(kg, mk, value);
  }

  private stateTable(): StateTable<unknown[]> {
    if (this.table) return this.table;
    this.backend.getOrCreateState(TIMERS);
    this.table = this.backend.stateTables().get(TIMERS_STATE)!.table as StateTable<unknown[]>;
    return this.table;
  }

  private register(domain: Domain, ns: Namespace, time: number): void {
    checkTimestamp(time, 'A timer');
    checkNamespace(ns);
    const b = this.backend;
    const kg = b.currentKeyGroup;
    if (kg < 0) throw new Error('Timers can only be set while a keyed record or timer is processed.');
    const mk = b.currentMapKey;
    const table = this.stateTable();
    let list = this.keyTimers(table, kg, mk);
    let at = 1;
    if (list === undefined) list = [b.getCurrentKey(), domain, time, ns];
    else {
      at = insertionIndex(list, domain, time, ns);
      if (at < 0) return;
      insertTimer(list, at, domain, time, ns);
    }
    this.storeKeyTimers(table, kg, mk, list);
    this.live[domain]++;
    const chains = this.finalChains;
    if (chains !== undefined && domain === EVENT_TIME_DOMAIN && this.isWithinPending(list, at, time, ns)) chains.add(this.seq);
    const heap = this.heaps[domain];
    heap.add(time, b.getCurrentKey(), ns, mk, kg, this.seq++);
    if (heap.size > 2 * this.live[domain] + COMPACT_SLACK) this.compact(domain);
  }

  private delete(domain: Domain, ns: Namespace, time: number): void {
    const b = this.backend;
    const kg = b.currentKeyGroup;
    if (kg < 0) throw new Error('Timers can only be deleted while a keyed record or timer is processed.');
    const table = this.table;
    if (!table) return;
    const mk = b.currentMapKey;
    const list = this.keyTimers(table, kg, mk);
    if (list === undefined) return;
    const i = indexOfTimer(list, domain, time, ns);
    if (i >= 0) this.removeAt(table, kg, mk, list, i, domain);
  }

  /** The timers of key `mk` as stored in `_timers` (undefined: none), looked up once per access epoch. */
  private keyTimers(table: StateTable<unknown[]>, kg: number, mk: unknown): unknown[] | undefined {
    const epoch = this.backend.accessEpoch;
    if (this.memoEpoch === epoch && this.memoKey === mk && this.memoKeyGroup === kg) return this.memoList;
    const list = table.get(kg, mk);
    this.memoEpoch = epoch;
    this.memoKeyGroup = kg;
    this.memoKey = mk;
    this.memoList = list;
    return list;
  }

  /** Stores the timers of key `mk` (`undefined`: it has none left), keeping the memo of {@link keyTimers} true. */
  private storeKeyTimers(table: StateTable<unknown[]>, kg: number, mk: unknown, list: unknown[] | undefined): void {
    if (list === undefined) table.delete(kg, mk);
    else table.set(kg, mk, list);
    if (this.memoKey === mk && this.memoKeyGroup === kg) this.memoList = list;
  }

  /** Takes timer `t` out of state if it is still there; false if it was deleted. */
  private claim(domain: Domain, t: HeapTimer): boolean {
    const table = this.table!;
    const list = this.keyTimers(table, t.keyGroup, t.mapKey);
    if (list === undefined) return false;
    const i = indexOfTimer(list, domain, t.timestamp, t.namespace);
    if (i < 0) return false;
    this.removeAt(table, t.keyGroup, t.mapKey, list, i, domain);
    return true;
  }

  private removeAt(table: StateTable<unknown[]>, kg: number, mk: unknown, list: unknown[], i: number, domain: Domain): void {
    // `splice` moves the rest down natively: measured at least as fast as a plain loop for a key
    // with one timer, three times as fast with forty (its allocation of the removed three is cheap).
    list.splice(i, 3);
    this.storeKeyTimers(table, kg, mk, list.length === 1 ? undefined : list);
    this.live[domain]--;
  }

  private fireEventTime(t: HeapTimer, target: Triggerable): void {
    this.backend.setCurrentKey(t.key, t.keyGroup);
    const rc = this.recordContext;
    const previous = rc.timestamp;
    rc.timestamp = t.timestamp;
    target.onEventTime(t);
    rc.timestamp = previous;
  }

  /**
   * SPEC's final-watermark rule. Every timer pending at the maximum watermark fires, in
   * timestamp order, and so does a timer registered meanwhile that stays within what its key
   * and namespace had pending ({@link isWithinPending}): a chain of timers that ends — a
   * `ContinuousEventTimeTrigger` firing every second up to its window's end — fires in full and
   * in order, as in Flink. Any other timer registered meanwhile (a chain with nothing pending
   * after it, e.g. the same trigger on a global window, which Flink would fire without end)
   * fires in one more round, and what that round registers is dropped, so the job ends.
   */
  private fireFinal(target: Triggerable): void {
    const heap = this.heaps[EVENT_TIME_DOMAIN];
    const firstRound = this.seq;
    const secondRound: HeapTimer[] = [];
    this.finalChains = new Set<number>();
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) {
      if (t.seq >= firstRound && !this.finalChains.has(t.seq)) secondRound.push({ ...t }); // a copy: the queue reuses what it pops
      else if (this.claim(EVENT_TIME_DOMAIN, t)) {
        this.finalFiring = t.timestamp;
        this.fireEventTime(t, target);
      }
    }
    this.finalChains = undefined;
    const lastRound = this.seq;
    heap.reset(secondRound);
    for (let t = heap.pop(); t !== undefined; t = heap.pop()) {
      if (this.claim(EVENT_TIME_DOMAIN, t) && t.seq < lastRound) this.fireEventTime(t, target);
    }
  }

  /**
   * During the final watermark's first round: true if an event-time timer at `time`, just
   * registered in `list` (its key's timers) at `at`, is later than the timer firing now and no
   * later than another event-time timer of its namespace before the end of time. Such a chain
   * climbs strictly and stays under a bound that was there at the end of input, so it ends.
   */
  private isWithinPending(list: readonly unknown[], at: number, time: number, ns: Namespace): boolean {
    if (time <= this.finalFiring) return false;
    for (let i = 1; i < list.length; i += 3) {
      if (i === at) continue;
      const t = list[i + 1] as number;
      if (t >= time && t < MAX_TIMESTAMP && list[i] === EVENT_TIME_DOMAIN && list[i + 2] === ns) return true;
    }
    return false;
  }

  /**
   * Drops queue entries of deleted timers, and all but the oldest entry of a timer registered
   * again. The deleted ones go in place (no entry copied, no identity string built: a session
   * window moves its timer on every record, so this runs every thousand records or so). Every
   * timer in state has an entry (it got one when registered, and loses it only by firing or
   * here), so as many entries left as timers in state means no timer has two; only otherwise
   * (a timer deleted and registered again while its old entry waited) are entries told apart.
   */
  private compact(domain: Domain): void {
    const kept = this.heaps[domain].retain(this.isInState[domain]);
    if (kept !== this.live[domain]) this.dropDuplicates(domain);
  }

  /** Whether an event-time timer's entry is in state still, for {@link compact}; then a processing-time one's. */
  private readonly isInState: [RetainPredicate, RetainPredicate] = [
    (time, _key, ns, mk, kg) => this.inState(EVENT_TIME_DOMAIN, time, ns, mk, kg),
    (time, _key, ns, mk, kg) => this.inState(PROCESSING_TIME_DOMAIN, time, ns, mk, kg),
  ];

  private inState(domain: Domain, time: number, ns: Namespace, mk: unknown, kg: number): boolean {
    const list = this.table!.get(kg, mk);
    return list !== undefined && indexOfTimer(list, domain, time, ns) >= 0;
  }

  /** Keeps the oldest of the entries of each timer in state (and none of a deleted one's): by identity strings, rarely needed. */
  private dropDuplicates(domain: Domain): void {
    const heap = this.heaps[domain];
    const table = this.table!;
    const kept = new Map<string, HeapTimer>();
    for (const t of heap.drain()) {
      const list = table.get(t.keyGroup, t.mapKey);
      if (list === undefined || indexOfTimer(list, domain, t.timestamp, t.namespace) < 0) continue;
      const id = `${t.keyGroup}|${typeof t.mapKey}|${String(t.mapKey)}|${t.timestamp}|${typeof t.namespace}|${t.namespace}`;
      const seen = kept.get(id);
      if (seen === undefined || t.seq < seen.seq) kept.set(id, t);
    }
    heap.reset([...kept.values()]);
  }
}
