import type { Namespace } from './internal-timer-service.js';
import { type HeapTimer, type RetainPredicate, TimerHeap } from './timer-heap.js';

/** Ascending runs kept beside the heap. */
const MAX_RUNS = 4;

/** Slots a run starts with (a power of two). */
const RUN_INITIAL_CAPACITY = 64;

/** True if timer (t1, s1) comes before timer (t2, s2): by time, then registration order. */
function precedes(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 < s2);
}

/** A timer as {@link TimerQueue.pop} fills it: the queue's own object, overwritten by the next pop. */
interface PoppedTimer {
  timestamp: number;
  key: unknown;
  namespace: Namespace;
  mapKey: unknown;
  keyGroup: number;
  seq: number;
}

/**
 * Timers in ascending order, taken from the front: a ring of columns (time, order, key,
 * namespace, map key, key group) over slots that are reused, grown by doubling and never shrunk.
 *
 * Columns, not a timer object per slot: a window operator's run holds a timer per key and open
 * window (tens of thousands), each living until its window ends — long enough to be copied by
 * the young-generation GC and promoted, to be freed by a full GC later. And a ring, not an array
 * pushed at the back and sliced at the front: an array that size is allocated afresh at every
 * slice and growth, in memory the VM faults in page by page (~10 µs a page on the machines this
 * project runs on). Pushing and popping a timer: 94 ns with an array of objects, 36 ns with a
 * ring of objects, in a micro-benchmark.
 */
class Run {
  private times = new Float64Array(RUN_INITIAL_CAPACITY);
  private seqs = new Float64Array(RUN_INITIAL_CAPACITY);
  private keys: unknown[] = new Array<unknown>(RUN_INITIAL_CAPACITY);
  private namespaces: Namespace[] = new Array<Namespace>(RUN_INITIAL_CAPACITY);
  private mapKeys: unknown[] = new Array<unknown>(RUN_INITIAL_CAPACITY);
  private keyGroups = new Int32Array(RUN_INITIAL_CAPACITY);
  private head = 0;
  size = 0;

  firstTime(): number {
    return this.times[this.head]!;
  }

  firstSeq(): number {
    return this.seqs[this.head]!;
  }

  lastTime(): number {
    return this.times[(this.head + this.size - 1) & (this.times.length - 1)]!;
  }

  lastSeq(): number {
    return this.seqs[(this.head + this.size - 1) & (this.times.length - 1)]!;
  }

  push(time: number, key: unknown, namespace: Namespace, mapKey: unknown, keyGroup: number, seq: number): void {
    if (this.size === this.times.length) this.grow();
    const i = (this.head + this.size) & (this.times.length - 1);
    this.times[i] = time;
    this.seqs[i] = seq;
    this.keys[i] = key;
    this.namespaces[i] = namespace;
    this.mapKeys[i] = mapKey;
    this.keyGroups[i] = keyGroup;
    this.size++;
  }

  /** Takes the first timer out, into `out`. */
  shiftInto(out: PoppedTimer): void {
    const i = this.head;
    out.timestamp = this.times[i]!;
    out.seq = this.seqs[i]!;
    out.key = this.keys[i];
    out.namespace = this.namespaces[i]!;
    out.mapKey = this.mapKeys[i];
    out.keyGroup = this.keyGroups[i]!;
    // Dropped, so a key whose timers all fired is not kept alive by a slot.
    this.keys[i] = undefined;
    this.mapKeys[i] = undefined;
    this.head = (i + 1) & (this.times.length - 1);
    this.size--;
  }

  /**
   * Keeps the timers `keep` accepts, in order, moved to the front of the slots (a run stays
   * ascending when some of it goes); returns how many are kept.
   */
  retain(keep: RetainPredicate): number {
    const mask = this.times.length - 1;
    let w = 0;
    for (let n = 0; n < this.size; n++) {
      const i = (this.head + n) & mask;
      const time = this.times[i]!;
      const seq = this.seqs[i]!;
      const key = this.keys[i];
      const namespace = this.namespaces[i]!;
      const mapKey = this.mapKeys[i];
      const keyGroup = this.keyGroups[i]!;
      // Dropped, so a slot does not keep a removed timer's key alive.
      this.keys[i] = undefined;
      this.mapKeys[i] = undefined;
      if (!keep(time, key, namespace, mapKey, keyGroup, seq)) continue;
      // Written head-relative: the write slot trails the read slot (w ≤ n), so every slot is
      // read before it is overwritten.
      const o = (this.head + w) & mask;
      this.times[o] = time;
      this.seqs[o] = seq;
      this.keys[o] = key;
      this.namespaces[o] = namespace;
      this.mapKeys[o] = mapKey;
      this.keyGroups[o] = keyGroup;
      w++;
    }
    this.size = w;
    return w;
  }

  /** The timers as objects, from the front (for a drain: rare). */
  timers(): HeapTimer[] {
    const all: HeapTimer[] = [];
    const mask = this.times.length - 1;
    for (let n = 0; n < this.size; n++) {
      const i = (this.head + n) & mask;
      all.push({ timestamp: this.times[i]!, key: this.keys[i], namespace: this.namespaces[i]!, mapKey: this.mapKeys[i], keyGroup: this.keyGroups[i]!, seq: this.seqs[i]! });
    }
    return all;
  }

  private grow(): void {
    const n = this.times.length;
    const times = new Float64Array(n * 2);
    const seqs = new Float64Array(n * 2);
    const keys = new Array<unknown>(n * 2);
    const namespaces = new Array<Namespace>(n * 2);
    const mapKeys = new Array<unknown>(n * 2);
    const keyGroups = new Int32Array(n * 2);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & (n - 1);
      times[k] = this.times[i]!;
      seqs[k] = this.seqs[i]!;
      keys[k] = this.keys[i];
      namespaces[k] = this.namespaces[i]!;
      mapKeys[k] = this.mapKeys[i];
      keyGroups[k] = this.keyGroups[i]!;
    }
    this.times = times;
    this.seqs = seqs;
    this.keys = keys;
    this.namespaces = namespaces;
    this.mapKeys = mapKeys;
    this.keyGroups = keyGroups;
    this.head = 0;
  }
}

/**
 * Timers by time, then registration order. Most timers are set in time order (an element's
 * cleanup time, a window's end, per input of a join), so up to {@link MAX_RUNS} ascending runs
 * take those in and out in O(1) — a binary heap pays O(log n) for every pop — and only a timer
 * that fits behind no run goes into the heap (as an object). The earliest timer is the least of
 * the runs' firsts and the heap's top.
 */
export class TimerQueue {
  private readonly heap = new TimerHeap();
  private runs: Run[] = [];
  /** The last run emptied, reused by the next one started. */
  private spare: Run | undefined;
  /** What {@link pop} gives for a timer out of a run. */
  private readonly popped: PoppedTimer = { timestamp: 0, key: undefined, namespace: 0, mapKey: undefined, keyGroup: 0, seq: 0 };

  /** Timers in the runs and the heap: counted as they come and go, since every registration asks. */
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The time of the earliest timer; Infinity if there is none. */
  peekTime(): number {
    const r = this.earliestRun();
    const top = this.heap.peek();
    const runTime = r < 0 ? Infinity : this.runs[r]!.firstTime();
    return top !== undefined && top.timestamp < runTime ? top.timestamp : runTime;
  }

  /**
   * Takes the earliest timer out. A timer out of a run comes in an object of the queue's own,
   * which the next pop overwrites: read it before, copy what is kept.
   */
  pop(): HeapTimer | undefined {
    const r = this.earliestRun();
    const top = this.heap.peek();
    if (r < 0) return this.popHeap();
    const run = this.runs[r]!;
    if (top !== undefined && precedes(top.timestamp, top.seq, run.firstTime(), run.firstSeq())) return this.popHeap();
    this.count--;
    run.shiftInto(this.popped);
    if (run.size === 0) {
      this.runs.splice(r, 1);
      // Kept for the next run: its slots have grown to what a run here holds.
      this.spare = run;
    }
    return this.popped;
  }

  /**
   * Appends a timer behind the run whose last timer it follows most closely, else starts a run,
   * else heaps it (the only case that makes an object of it).
   */
  add(timestamp: number, key: unknown, namespace: Namespace, mapKey: unknown, keyGroup: number, seq: number): void {
    this.count++;
    let best: Run | undefined;
    for (const r of this.runs) {
      const lastTime = r.lastTime();
      const lastSeq = r.lastSeq();
      if (!precedes(timestamp, seq, lastTime, lastSeq) && (best === undefined || precedes(best.lastTime(), best.lastSeq(), lastTime, lastSeq))) best = r;
    }
    if (best !== undefined) best.push(timestamp, key, namespace, mapKey, keyGroup, seq);
    else if (this.runs.length < MAX_RUNS) {
      const run = this.spare ?? new Run();
      this.spare = undefined;
      run.push(timestamp, key, namespace, mapKey, keyGroup, seq);
      this.runs.push(run);
    } else this.heap.push({ timestamp, key, namespace, mapKey, keyGroup, seq });
  }

  /** Removes every timer and returns them (as objects), in no particular order. */
  drain(): HeapTimer[] {
    const all = this.heap.drain();
    for (const r of this.runs) for (const t of r.timers()) all.push(t);
    this.runs = [];
    this.count = 0;
    return all;
  }

  /** Replaces the content with `timers` (in O(n)). */
  reset(timers: HeapTimer[]): void {
    this.runs = [];
    this.heap.reset(timers);
    this.count = timers.length;
  }

  /**
   * Keeps the timers `keep` accepts (each asked once, in no particular order), where they are:
   * no timer is copied or made, and the runs stay runs (an emptied one is dropped); returns how
   * many are kept.
   */
  retain(keep: RetainPredicate): number {
    let n = this.heap.retain(keep);
    for (const r of this.runs) n += r.retain(keep);
    const emptied = this.runs.findIndex((r) => r.size === 0);
    if (emptied >= 0) {
      this.spare = this.runs[emptied];
      this.runs = this.runs.filter((r) => r.size > 0);
    }
    this.count = n;
    return n;
  }

  private popHeap(): HeapTimer | undefined {
    const t = this.heap.pop();
    if (t !== undefined) this.count--;
    return t;
  }

  /** The index of the run with the earliest first timer, or -1. */
  private earliestRun(): number {
    const runs = this.runs;
    let best = -1;
    for (let i = 0; i < runs.length; i++) {
      if (best < 0 || precedes(runs[i]!.firstTime(), runs[i]!.firstSeq(), runs[best]!.firstTime(), runs[best]!.firstSeq())) best = i;
    }
    return best;
  }
}
