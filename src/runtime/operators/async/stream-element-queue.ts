/**
 * An input of an async operator in flight, or a watermark between them (Flink's
 * StreamElementQueueEntry). `results` is set once the input's call has completed.
 */
export type QueueEntry<E> = ElementEntry<E> | WatermarkEntry;

export interface ElementEntry<E> {
  readonly kind: 'element';
  readonly element: E;
  results: readonly unknown[] | undefined;
  /** Order of completion, for the unordered queue. */
  completedAt: number;
}

export interface WatermarkEntry {
  readonly kind: 'watermark';
  readonly timestamp: number;
}

/**
 * The entries of an async operator, in arrival order, and which of them may leave now (Flink's
 * OrderedStreamElementQueue and UnorderedStreamElementQueue): ordered, the head while it is
 * complete; unordered, complete elements before the first watermark in the order they completed,
 * then that watermark once nothing is left before it. A pure structure: calls and emission are
 * the operator's.
 */
export class StreamElementQueue<E> {
  private entries: QueueEntry<E>[] = [];
  private completions = 0;

  constructor(private readonly ordered: boolean) {}

  get size(): number {
    return this.entries.length;
  }

  /** Every entry, in arrival order (what a snapshot keeps). */
  all(): readonly QueueEntry<E>[] {
    return this.entries;
  }

  add(entry: QueueEntry<E>): void {
    this.entries.push(entry);
  }

  /** The call for `entry` completed with `results`. */
  complete(entry: ElementEntry<E>, results: readonly unknown[]): void {
    entry.results = results;
    entry.completedAt = this.completions++;
  }

  /** Takes out, in emission order, the entries that may leave now. */
  takeReady(): QueueEntry<E>[] {
    const out: QueueEntry<E>[] = [];
    if (this.ordered) {
      let i = 0;
      while (i < this.entries.length) {
        const e = this.entries[i]!;
        if (e.kind === 'element' && e.results === undefined) break;
        out.push(e);
        i++;
      }
      if (i > 0) this.entries = this.entries.slice(i);
      return out;
    }
    for (;;) {
      const boundary = this.entries.findIndex((e) => e.kind === 'watermark');
      const end = boundary < 0 ? this.entries.length : boundary;
      const done: ElementEntry<E>[] = [];
      for (let i = 0; i < end; i++) {
        const e = this.entries[i] as ElementEntry<E>;
        if (e.results !== undefined) done.push(e);
      }
      done.sort((a, b) => a.completedAt - b.completedAt);
      out.push(...done);
      if (done.length < end || boundary < 0) {
        if (done.length > 0) {
          const left = new Set<QueueEntry<E>>(done);
          this.entries = this.entries.filter((e) => !left.has(e));
        }
        return out;
      }
      // Everything before the watermark has left: the watermark goes too, then the next segment.
      out.push(this.entries[boundary]!);
      this.entries = this.entries.slice(boundary + 1);
    }
  }
}
