import type { TimerService } from '../graph/index.js';
import type { KeyedStateBackend } from '../state/index.js';
import { mapKey } from '../state/index.js';
import type { Clock } from '../util/clock.js';
import { type Timer, TimerHeap } from './timer-heap.js';

/**
 * Processing-time timers of one keyed operator subtask. At most one timer per key and time;
 * deleted timers are dropped lazily when they reach the top of the heap. Timers belong to the
 * key's key group, so they are snapshotted and redistributed with keyed state.
 */
export class InternalTimerService implements TimerService {
  private readonly heap = new TimerHeap();
  /** Live timers by identity, to keep one timer per key and time. */
  private readonly live = new Map<string, Timer>();
  private seq = 0;

  constructor(
    private readonly backend: KeyedStateBackend,
    private readonly clock: Clock,
  ) {}

  currentProcessingTime(): number {
    return this.clock.now();
  }

  registerProcessingTimeTimer(time: number): void {
    this.register(time, this.backend.getCurrentKey(), this.backend.currentKeyGroup);
  }

  /** Registers a timer for an explicit key (used when restoring timers). */
  register(time: number, key: unknown, keyGroup: number): void {
    if (!Number.isFinite(time)) throw new TypeError(`A timer needs a finite time, got ${time}.`);
    const id = timerId(time, key);
    if (this.live.has(id)) return;
    const timer: Timer = { timestamp: time, key, keyGroup, seq: this.seq++, cancelled: false };
    this.live.set(id, timer);
    this.heap.push(timer);
  }

  deleteProcessingTimeTimer(time: number): void {
    const id = timerId(time, this.backend.getCurrentKey());
    const timer = this.live.get(id);
    if (timer) {
      timer.cancelled = true;
      this.live.delete(id);
    }
  }

  /** The time of the earliest live timer, or Infinity. */
  nextTimerTime(): number {
    for (;;) {
      const top = this.heap.peek();
      if (!top) return Infinity;
      if (!top.cancelled) return top.timestamp;
      this.heap.pop();
    }
  }

  /** Fires every live timer due at `now`, in time order; `fire` runs with the timer's key set. */
  advanceTo(now: number, fire: (timer: Timer) => void): void {
    while (this.nextTimerTime() <= now) {
      const timer = this.heap.pop()!;
      this.live.delete(timerId(timer.timestamp, timer.key));
      this.backend.setCurrentKey(timer.key, timer.keyGroup);
      fire(timer);
    }
  }

  /** Live timers, for snapshots. */
  timers(): IterableIterator<Timer> {
    return this.live.values();
  }

  get size(): number {
    return this.live.size;
  }
}

function timerId(time: number, key: unknown): string {
  const k = mapKey(key);
  return `${time}|${typeof k}|${String(k)}`;
}
