import type { Boundedness, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import { type IndexSplit, IndexRangeReader, splitIndexRange } from './index-range-reader.js';
import { describeArgument } from '../util/describe-argument.js';

/** The numbers `from` to `to`, both inclusive (`fromSequence`); parallel, by contiguous ranges. */
export class NumberSequenceSource implements Source<number, IndexSplit> {
  readonly inlineInput = true;

  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to)) {
      const bad = Number.isSafeInteger(from) ? to : from;
      throw new TypeError(`fromSequence(from, to): both ends must be safe integers, got ${describeArgument(bad)}.`);
    }
    if (to < from) throw new TypeError(`fromSequence(${from}, ${to}): 'to' must not be less than 'from'.`);
  }

  getBoundedness(): Boundedness {
    return 'BOUNDED';
  }

  createSplits(parallelism: number): IndexSplit[] {
    return splitIndexRange(this.to - this.from + 1, parallelism);
  }

  createReader(ctx: SourceReaderContext): SourceReader<number, IndexSplit> {
    const from = this.from;
    return new IndexRangeReader((i) => from + i, ctx.clock, undefined);
  }
}
