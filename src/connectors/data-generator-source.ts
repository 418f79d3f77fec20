import type { Boundedness, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import { type IndexSplit, IndexRangeReader, splitIndexRange } from './index-range-reader.js';
import { describeArgument } from '../util/describe-argument.js';

/** Options of a {@link DataGeneratorSource}. */
export interface DataGeneratorOptions {
  /** Records per second over all parallel readers; unlimited if not set. */
  readonly recordsPerSecond?: number;
}

/**
 * Flink's RateLimiterStrategy, for code ported from Flink: it makes the options above
 * (`perSecond(n)`: `n` records per second over all readers, as Flink divides it by the
 * parallelism; `noOp()`: unlimited). Flink's `perCheckpoint` has no counterpart here.
 *
 * @example
 * new DataGeneratorSource((i) => `e${i}`, 1000, RateLimiterStrategy.perSecond(100));
 */
export const RateLimiterStrategy = Object.freeze({
  perSecond(recordsPerSecond: number): DataGeneratorOptions {
    return Object.freeze({ recordsPerSecond });
  },
  noOp(): DataGeneratorOptions {
    return Object.freeze({});
  },
});

/**
 * Records made by a function of their index (0, 1, 2, …), `count` of them or without end
 * (`Infinity`). Deterministic by index, so a restored reader produces exactly what follows its
 * recorded position.
 *
 * @example
 * env.fromSource(new DataGeneratorSource((i) => ({ user: `u${i % 100}`, amount: i % 7 }), Infinity,
 *   { recordsPerSecond: 1000 }), WatermarkStrategy.noWatermarks(), 'transactions');
 */
export class DataGeneratorSource<T> implements Source<T, IndexSplit> {
  constructor(
    private readonly generator: (index: number) => T,
    private readonly count: number,
    private readonly options: DataGeneratorOptions = {},
  ) {
    if (typeof generator !== 'function') throw new TypeError('DataGeneratorSource needs a generator function (index) => record.');
    if (!(count === Infinity || (Number.isSafeInteger(count) && count >= 0))) {
      throw new TypeError(`DataGeneratorSource count must be a non-negative integer or Infinity, got ${describeArgument(count)}.`);
    }
    const rps = options.recordsPerSecond;
    if (rps !== undefined && !(rps > 0)) {
      throw new TypeError(`recordsPerSecond must be positive, got ${describeArgument(rps)}.`);
    }
  }

  getBoundedness(): Boundedness {
    return this.count === Infinity ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
  }

  createSplits(parallelism: number): IndexSplit[] {
    return splitIndexRange(this.count, parallelism);
  }

  createReader(ctx: SourceReaderContext): SourceReader<T, IndexSplit> {
    const rps = this.options.recordsPerSecond;
    return new IndexRangeReader(this.generator, ctx.clock, rps === undefined ? undefined : rps / ctx.parallelism);
  }
}
