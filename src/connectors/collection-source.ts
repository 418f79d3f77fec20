import type { Boundedness, InputStatus, ReaderOutput, Source, SourceReader } from '../graph/index.js';

/** The one split of a collection, as its split output knows it. */
const COLLECTION_SPLIT = 'collection';

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
      pollNext(output: ReaderOutput<T>, max: number): InputStatus {
        if (next < 0) return 'END_OF_INPUT';
        const split = output.createOutputForSplit(COLLECTION_SPLIT);
        const end = Math.min(items.length, next + max);
        for (; next < end; next++) split.collect(items[next]!);
        if (next < items.length) return 'MORE_AVAILABLE';
        output.releaseOutputForSplit(COLLECTION_SPLIT);
        return 'END_OF_INPUT';
      },
      snapshotState(): CollectionSplit[] {
        return next < 0 || next >= items.length ? [] : [{ next }];
      },
    };
  }
}
