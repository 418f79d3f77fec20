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

function before(a: HeapTimer, b: HeapTimer): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}

/** A binary min-heap of timers by time, then registration order. */
export class TimerHeap {
  private items: HeapTimer[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): HeapTimer | undefined {
    return this.items[0];
  }

  push(t: HeapTimer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): HeapTimer | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Removes every timer and returns them, in no particular order. */
  drain(): HeapTimer[] {
    const all = this.items;
    this.items = [];
    return all;
  }

  /** Replaces the content with `timers` (in O(n)). */
  reset(timers: HeapTimer[]): void {
    this.items = timers;
    for (let i = (timers.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(start: number): void {
    const a = this.items;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l]!, a[m]!)) m = l;
      if (r < a.length && before(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
}
