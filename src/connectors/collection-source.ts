import type { Boundedness, Collector, InputStatus, Source, SourceReader } from '../graph/index.js';

/** Position in a collection: the index of the next element. */
export interface CollectionSplit {
  readonly next: number;
}

/**
 * The elements of an in-memory array, in order (`fromElements`, `fromCollection`). Not
 * parallel; its position is the index of the next element.
 */
export class CollectionSource<T> implements Source<T, CollectionSplit> {
  readonly maxSourceParallelism = 1;
  readonly inlineInput = true;
  private readonly items: readonly T[];

  constructor(items: Iterable<T>) {
    this.items = [...items];
  }

  getBoundedness(): Boundedness {
    return 'BOUNDED';
  }

  createSplits(): CollectionSplit[] {
    return [{ next: 0 }];
  }

  createReader(): SourceReader<T, CollectionSplit> {
    const items = this.items;
    let next = -1;
    return {
      addSplits(splits: CollectionSplit[]) {
        for (const s of splits) next = Math.max(next, s.next);
      },
      pollNext(output: Collector<T>, max: number): InputStatus {
        if (next < 0) return 'END_OF_INPUT';
        const end = Math.min(items.length, next + max);
        for (; next < end; next++) output.collect(items[next]!);
        return next >= items.length ? 'END_OF_INPUT' : 'MORE_AVAILABLE';
      },
      snapshotState(): CollectionSplit[] {
        return next < 0 || next >= items.length ? [] : [{ next }];
      },
    };
  }
}
