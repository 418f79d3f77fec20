import type { Clock } from '../util/clock.js';

/** A range of indices `[next, end)` still to read, stepping by `stride`. */
export interface IndexSplit {
  readonly next: number;
  /** Exclusive end; Infinity for an unbounded split. */
  readonly end: number;
  readonly stride: number;
}

/** Cuts `[0, count)` into `parallelism` contiguous splits, or strided ones if count is infinite. */
export function splitIndexRange(count: number, parallelism: number): IndexSplit[] {
  if (count === Infinity) {
    return Array.from({ length: parallelism }, (_, i) => ({ next: i, end: Infinity, stride: parallelism }));
  }
  const splits: IndexSplit[] = [];
  for (let i = 0; i < parallelism; i++) {
    const next = Math.floor((count * i) / parallelism);
    const end = Math.floor((count * (i + 1)) / parallelism);
    if (end > next) splits.push({ next, end, stride: 1 });
  }
  return splits;
}

/**
 * Reads index splits one after another and turns each index into a record; optionally at
 * most `ratePerSecond` records per second (a token bucket started at the first poll).
 */
export class IndexRangeReader<T> {
  private splits: { next: number; end: number; stride: number }[] = [];
  private started = -1;
  private emitted = 0;

  constructor(
    private readonly produce: (index: number) => T,
    private readonly clock: Clock,
    private readonly ratePerSecond: number | undefined,
  ) {}

  addSplits(splits: IndexSplit[]): void {
    for (const s of splits) if (s.next < s.end) this.splits.push({ ...s });
  }

  pollNext(output: { collect(v: T): void }, max: number): 'MORE_AVAILABLE' | 'NOTHING_AVAILABLE' | 'END_OF_INPUT' {
    let budget = max;
    if (this.ratePerSecond !== undefined) {
      const now = this.clock.now();
      if (this.started < 0) this.started = now;
      const allowed = Math.floor(((now - this.started) * this.ratePerSecond) / 1000) + 1 - this.emitted;
      if (allowed <= 0) return 'NOTHING_AVAILABLE';
      budget = Math.min(budget, allowed);
    }
    while (budget > 0 && this.splits.length > 0) {
      const s = this.splits[0]!;
      const produce = this.produce;
      let i = s.next;
      const stride = s.stride;
      const stop = Math.min(s.end, i + budget * stride);
      for (; i < stop; i += stride) output.collect(produce(i));
      const n = Math.ceil((i - s.next) / stride);
      budget -= n;
      this.emitted += n;
      s.next = i;
      if (s.next >= s.end) this.splits.shift();
    }
    if (this.splits.length === 0) return 'END_OF_INPUT';
    return budget > 0 || this.ratePerSecond === undefined ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
  }

  /** When the rate limit lets the next record through. */
  nextAvailableTime(): number {
    if (this.ratePerSecond === undefined || this.started < 0) return this.clock.now();
    return this.started + Math.ceil((this.emitted * 1000) / this.ratePerSecond);
  }

  snapshotState(): IndexSplit[] {
    return this.splits.map((s) => ({ ...s }));
  }
}
