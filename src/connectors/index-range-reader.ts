import type { InputStatus, ReaderOutput, SourceOutput } from '../graph/index.js';
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
 * A split's identity, stable as it is read and across restores: its end and its residue modulo
 * the stride never change (no two splits of one source share both).
 */
export function indexSplitId(split: IndexSplit): string {
  return `${split.end}/${split.next % split.stride}`;
}

interface ReadingSplit {
  readonly id: string;
  next: number;
  readonly end: number;
  readonly stride: number;
}

/**
 * Reads index splits and turns each index into a record; optionally at most `ratePerSecond`
 * records per second (a token bucket started at the first poll). A reader with several splits
 * (after a restore at a lower parallelism) reads them side by side, a share of each poll each,
 * and emits each split's records through its own split output, so each split has its own
 * watermark (`timestampOf` gives records their own timestamp, e.g. an event's time).
 */
export class IndexRangeReader<T> {
  private splits: ReadingSplit[] = [];
  private started = -1;
  private emitted = 0;

  constructor(
    private readonly produce: (index: number) => T,
    private readonly clock: Clock,
    private readonly ratePerSecond: number | undefined,
    private readonly timestampOf?: (record: T) => number,
  ) {}

  addSplits(splits: IndexSplit[]): void {
    for (const s of splits) if (s.next < s.end) this.splits.push({ id: indexSplitId(s), next: s.next, end: s.end, stride: s.stride });
  }

  pollNext(output: ReaderOutput<T>, max: number): InputStatus {
    // Every split's output exists before any split is read (Flink's SourceOperator creates them
    // when splits are assigned, FLINK-26018): otherwise the first split's watermarks (one per
    // record with a punctuated generator) would pass before the others count, and their earlier
    // records would be late. Idempotent, one lookup per split.
    for (const s of this.splits) output.createOutputForSplit(s.id);
    let budget = max;
    if (this.ratePerSecond !== undefined) {
      const now = this.clock.now();
      if (this.started < 0) this.started = now;
      const allowed = Math.floor(((now - this.started) * this.ratePerSecond) / 1000) + 1 - this.emitted;
      if (allowed <= 0) return 'NOTHING_AVAILABLE';
      budget = Math.min(budget, allowed);
    }
    while (budget > 0 && this.splits.length > 0) {
      const share = Math.ceil(budget / this.splits.length);
      for (let k = 0; k < this.splits.length && budget > 0; ) {
        const s = this.splits[k]!;
        const n = this.read(s, output.createOutputForSplit(s.id), Math.min(share, budget));
        budget -= n;
        this.emitted += n;
        if (s.next >= s.end) {
          output.releaseOutputForSplit(s.id);
          this.splits.splice(k, 1);
        } else k++;
      }
    }
    if (this.splits.length === 0) return 'END_OF_INPUT';
    return budget > 0 || this.ratePerSecond === undefined ? 'MORE_AVAILABLE' : 'NOTHING_AVAILABLE';
  }

  /** Emits up to `count` records of split `s`; returns how many. */
  private read(s: ReadingSplit, out: SourceOutput<T>, count: number): number {
    const produce = this.produce;
    const stride = s.stride;
    const first = s.next;
    const stop = Math.min(s.end, first + count * stride);
    let i = first;
    const timestampOf = this.timestampOf;
    if (timestampOf === undefined) {
      for (; i < stop; i += stride) out.collect(produce(i));
    } else {
      for (; i < stop; i += stride) {
        const record = produce(i);
        out.collect(record, timestampOf(record));
      }
    }
    s.next = i;
    return Math.ceil((i - first) / stride);
  }

  /** When the rate limit lets the next record through. */
  nextAvailableTime(): number {
    if (this.ratePerSecond === undefined || this.started < 0) return this.clock.now();
    return this.started + Math.ceil((this.emitted * 1000) / this.ratePerSecond);
  }

  snapshotState(): IndexSplit[] {
    return this.splits.map((s) => ({ next: s.next, end: s.end, stride: s.stride }));
  }
}
