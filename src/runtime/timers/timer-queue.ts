import { type HeapTimer, TimerHeap } from './timer-heap.js';

/** Ascending runs kept beside the heap. */
const MAX_RUNS = 4;

/** Consumed entries a run keeps before it drops them. */
const RUN_SLACK = 1024;

function before(a: HeapTimer, b: HeapTimer): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}

/** Timers in ascending order, taken from the front. */
class Run {
  items: HeapTimer[] = [];
  head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  first(): HeapTimer {
    return this.items[this.head]!;
  }

  last(): HeapTimer {
    return this.items[this.items.length - 1]!;
  }

  shift(): HeapTimer {
    const t = this.items[this.head++]!;
    if (this.head >= RUN_SLACK && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return t;
  }
}

/**
 * Timers by time, then registration order. Most timers are set in time order (an element's
 * cleanup time, a window's end, per input of a join), so up to {@link MAX_RUNS} ascending runs
 * take those in and out in O(1) — a binary heap pays O(log n) for every pop — and only a timer
 * that fits behind no run goes into the heap. The earliest timer is the least of the runs'
 * firsts and the heap's top.
 */
export class TimerQueue {
  private readonly heap = new TimerHeap();
  private runs: Run[] = [];

  get size(): number {
    let n = this.heap.size;
    for (const r of this.runs) n += r.size;
    return n;
  }

  peek(): HeapTimer | undefined {
    const r = this.earliestRun();
    const top = this.heap.peek();
    if (r < 0) return top;
    const first = this.runs[r]!.first();
    return top !== undefined && before(top, first) ? top : first;
  }

  pop(): HeapTimer | undefined {
    const r = this.earliestRun();
    const top = this.heap.peek();
    if (r < 0) return this.heap.pop();
    const run = this.runs[r]!;
    if (top !== undefined && before(top, run.first())) return this.heap.pop();
    const t = run.shift();
    if (run.size === 0) this.runs.splice(r, 1);
    return t;
  }

  /** Appends `t` behind the run whose last timer it follows most closely, else starts a run, else heaps it. */
  push(t: HeapTimer): void {
    let best: Run | undefined;
    for (const r of this.runs) {
      const last = r.last();
      if (!before(t, last) && (best === undefined || before(best.last(), last))) best = r;
    }
    if (best !== undefined) best.items.push(t);
    else if (this.runs.length < MAX_RUNS) {
      const run = new Run();
      run.items.push(t);
      this.runs.push(run);
    } else this.heap.push(t);
  }

  /** Removes every timer and returns them, in no particular order. */
  drain(): HeapTimer[] {
    const all = this.heap.drain();
    for (const r of this.runs) for (let i = r.head; i < r.items.length; i++) all.push(r.items[i]!);
    this.runs = [];
    return all;
  }

  /** Replaces the content with `timers` (in O(n)). */
  reset(timers: HeapTimer[]): void {
    this.runs = [];
    this.heap.reset(timers);
  }

  /** The index of the run with the earliest first timer, or -1. */
  private earliestRun(): number {
    const runs = this.runs;
    let best = -1;
    for (let i = 0; i < runs.length; i++) {
      if (best < 0 || before(runs[i]!.first(), runs[best]!.first())) best = i;
    }
    return best;
  }
}
