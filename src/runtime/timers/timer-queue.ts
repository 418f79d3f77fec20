import { type HeapTimer, TimerHeap } from './timer-heap.js';

/** Ascending runs kept beside the heap. */
const MAX_RUNS = 4;

/** Slots a run starts with (a power of two). */
const RUN_INITIAL_CAPACITY = 64;

function before(a: HeapTimer, b: HeapTimer): boolean {
  return a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.seq < b.seq);
}

/**
 * Timers in ascending order, taken from the front: a ring over slots that are reused, grown by
 * doubling and never shrunk. Not an array pushed at the back and sliced at the front: a window
 * operator's run holds a timer per key and open window (tens of thousands), and an array that
 * size is allocated afresh at every slice and growth, in memory the machine has to fault in
 * page by page (~10 µs a page on the VMs we run on: 300 ns per timer in a micro-benchmark, 90
 * with this ring).
 */
class Run {
  private slots: (HeapTimer | undefined)[] = new Array<HeapTimer | undefined>(RUN_INITIAL_CAPACITY);
  private head = 0;
  size = 0;

  first(): HeapTimer {
    return this.slots[this.head]!;
  }

  last(): HeapTimer {
    return this.slots[(this.head + this.size - 1) & (this.slots.length - 1)]!;
  }

  push(t: HeapTimer): void {
    if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) & (this.slots.length - 1)] = t;
    this.size++;
  }

  shift(): HeapTimer {
    const t = this.slots[this.head]!;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.size--;
    return t;
  }

  /** The timers in order, from the front. */
  *timers(): IterableIterator<HeapTimer> {
    for (let i = 0; i < this.size; i++) yield this.slots[(this.head + i) & (this.slots.length - 1)]!;
  }

  private grow(): void {
    const old = this.slots;
    const slots = new Array<HeapTimer | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) slots[i] = old[(this.head + i) & (old.length - 1)];
    this.slots = slots;
    this.head = 0;
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
  /** The last run emptied, reused by the next one started. */
  private spare: Run | undefined;

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
    if (run.size === 0) {
      this.runs.splice(r, 1);
      // Kept for the next run: its slots have grown to what a run here holds.
      this.spare = run;
    }
    return t;
  }

  /** Appends `t` behind the run whose last timer it follows most closely, else starts a run, else heaps it. */
  push(t: HeapTimer): void {
    let best: Run | undefined;
    for (const r of this.runs) {
      const last = r.last();
      if (!before(t, last) && (best === undefined || before(best.last(), last))) best = r;
    }
    if (best !== undefined) best.push(t);
    else if (this.runs.length < MAX_RUNS) {
      const run = this.spare ?? new Run();
      this.spare = undefined;
      run.push(t);
      this.runs.push(run);
    } else this.heap.push(t);
  }

  /** Removes every timer and returns them, in no particular order. */
  drain(): HeapTimer[] {
    const all = this.heap.drain();
    for (const r of this.runs) for (const t of r.timers()) all.push(t);
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
