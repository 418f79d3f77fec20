import type { InternalTimer, Namespace } from './internal-timer-service.js';

/** A timer in a heap: what fires, and where its entry in `_timers` state is. */
export interface HeapTimer extends InternalTimer {
  readonly timestamp: number;
  readonly key: unknown;
  readonly namespace: Namespace;
  /** The key as the state table stores it. */
  readonly mapKey: unknown;
  readonly keyGroup: number;
  /** Registration order; breaks ties so timers of equal time fire in the order they were set. */
  readonly seq: number;
}

/**
 * Whether a timer stays, by its fields (as arguments, so that asking makes no object per timer:
 * the run queue holds its timers as columns).
 */
export type RetainPredicate = (timestamp: number, key: unknown, namespace: Namespace, mapKey: unknown, keyGroup: number, seq: number) => boolean;

/**
 * A binary min-heap of timers by time, then registration order. The order keys live in typed
 * arrays beside the timers, so sifting compares numbers in place instead of following a pointer
 * to each timer: with tens of thousands of timers, those loads were most of the time of a pop.
 */
export class TimerHeap {
  private items: HeapTimer[] = [];
  private times = new Float64Array(64);
  private seqs = new Float64Array(64);

  get size(): number {
    return this.items.length;
  }

  peek(): HeapTimer | undefined {
    return this.items[0];
  }

  push(t: HeapTimer): void {
    const n = this.items.length;
    if (n === this.times.length) this.grow(n * 2);
    this.items.push(t);
    this.siftUp(n, t);
  }

  pop(): HeapTimer | undefined {
    const a = this.items;
    const n = a.length;
    if (n === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (n > 1) this.siftDown(0, last, this.times[n - 1]!, this.seqs[n - 1]!);
    return top;
  }

  /** Removes every timer and returns them, in no particular order. */
  drain(): HeapTimer[] {
    const all = this.items;
    this.items = [];
    return all;
  }

  /**
   * Keeps the timers `keep` accepts, in place, and restores the heap order (in O(n)); returns
   * how many are kept. For compaction: no timer is copied or made.
   */
  retain(keep: RetainPredicate): number {
    const items = this.items;
    const n = items.length;
    let w = 0;
    for (let i = 0; i < n; i++) {
      const t = items[i]!;
      if (!keep(t.timestamp, t.key, t.namespace, t.mapKey, t.keyGroup, t.seq)) continue;
      items[w] = t;
      this.times[w] = this.times[i]!;
      this.seqs[w] = this.seqs[i]!;
      w++;
    }
    items.length = w;
    for (let i = (w >> 1) - 1; i >= 0; i--) this.siftDown(i, items[i]!, this.times[i]!, this.seqs[i]!);
    return w;
  }

  /** Replaces the content with `timers` (in O(n)). */
  reset(timers: HeapTimer[]): void {
    this.items = timers;
    if (timers.length > this.times.length) this.grow(timers.length);
    for (let i = 0; i < timers.length; i++) {
      this.times[i] = timers[i]!.timestamp;
      this.seqs[i] = timers[i]!.seq;
    }
    for (let i = (timers.length >> 1) - 1; i >= 0; i--) this.siftDown(i, timers[i]!, this.times[i]!, this.seqs[i]!);
  }

  private grow(capacity: number): void {
    const times = new Float64Array(capacity);
    const seqs = new Float64Array(capacity);
    times.set(this.times.subarray(0, Math.min(this.times.length, capacity)));
    seqs.set(this.seqs.subarray(0, Math.min(this.seqs.length, capacity)));
    this.times = times;
    this.seqs = seqs;
  }

  /** True if the timer at `i` comes before the one at `j`. */
  private before(i: number, j: number): boolean {
    const ti = this.times[i]!;
    const tj = this.times[j]!;
    return ti < tj || (ti === tj && this.seqs[i]! < this.seqs[j]!);
  }

  /** Moves `t`, to be placed at the free slot `start`, up past the parents it comes before. */
  private siftUp(start: number, t: HeapTimer): void {
    const times = this.times;
    const seqs = this.seqs;
    const time = t.timestamp;
    const seq = t.seq;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (time > pt || (time === pt && seq >= seqs[parent]!)) break;
      this.move(parent, i);
      i = parent;
    }
    this.place(i, t, time, seq);
  }

  /** Moves `t` (time, seq), to be placed at the free slot `start`, down past the children that come before it. */
  private siftDown(start: number, t: HeapTimer, time: number, seq: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const n = this.items.length;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && this.before(r, l)) m = r;
      const mt = times[m]!;
      if (mt > time || (mt === time && seqs[m]! >= seq)) break;
      this.move(m, i);
      i = m;
    }
    this.place(i, t, time, seq);
  }

  /** Copies the timer at `from` to slot `to`. */
  private move(from: number, to: number): void {
    this.items[to] = this.items[from]!;
    this.times[to] = this.times[from]!;
    this.seqs[to] = this.seqs[from]!;
  }

  private place(i: number, t: HeapTimer, time: number, seq: number): void {
    this.items[i] = t;
    this.times[i] = time;
    this.seqs[i] = seq;
  }
}
