import type { Boundedness, Source, SourceReader, SourceReaderContext } from '../../graph/index.js';
import { type IndexSplit, IndexRangeReader } from '../index-range-reader.js';
import { type NexmarkGeneratorOptions, resolveNexmarkConfig } from './nexmark-config.js';
import type { NexmarkEvent } from './nexmark-events.js';
import { NexmarkGenerator } from './nexmark-generator.js';
import { describeArgument } from '../../util/describe-argument.js';

/** Options of a {@link NexmarkSource}: how many events, how fast, and Nexmark's own parameters. */
export interface NexmarkSourceOptions extends NexmarkGeneratorOptions {
  /** Events to generate (indexes 0 … count-1), or `Infinity` (the default) for no end. */
  readonly count?: number;
  /** Events emitted per second over all parallel readers; unlimited if not set. */
  readonly recordsPerSecond?: number;
}

/**
 * The Nexmark benchmark's event stream (persons, auctions, bids) as a replayable, parallel
 * source. Event `i` is the same at any parallelism and after any restore: reader `k` of `n`
 * emits the events `i ≡ k (mod n)` in index order, so each reader's event times rise at
 * `firstEventRate / n` — the timeline Nexmark gives each of its parallel generators — and its
 * position (the next index of each split) is its operator state.
 *
 * Every event carries its `dateTime` as its record timestamp (as a Kafka record carries its
 * own), so a watermark strategy needs no timestamp assigner; each split gets its own watermark
 * generator.
 *
 * @example
 * env.fromSource(new NexmarkSource({ count: 1_000_000 }), WatermarkStrategy.forMonotonousTimestamps(), 'nexmark')
 *   .filter((e) => e.type === 'bid')
 *   .map((e) => ({ auction: e.bid!.auction, price: e.bid!.price }));
 */
const eventTime = (e: NexmarkEvent): number => e.dateTime;

export class NexmarkSource implements Source<NexmarkEvent, IndexSplit> {
  private readonly options: NexmarkSourceOptions;
  private readonly count: number;

  constructor(options: NexmarkSourceOptions = {}) {
    const { count = Infinity, recordsPerSecond, ...generatorOptions } = options;
    if (!(count === Infinity || (Number.isSafeInteger(count) && count >= 0))) {
      throw new TypeError(`NexmarkSource count must be a non-negative integer or Infinity, got ${describeArgument(count)}.`);
    }
    if (recordsPerSecond !== undefined && !(typeof recordsPerSecond === 'number' && recordsPerSecond > 0)) {
      throw new TypeError(`NexmarkSource recordsPerSecond must be positive, got ${describeArgument(recordsPerSecond)}.`);
    }
    // Checked now, where the job is defined, rather than in every reader.
    resolveNexmarkConfig(generatorOptions);
    this.options = options;
    this.count = count;
  }

  getBoundedness(): Boundedness {
    return this.count === Infinity ? 'CONTINUOUS_UNBOUNDED' : 'BOUNDED';
  }

  createSplits(parallelism: number): IndexSplit[] {
    const n = Math.min(parallelism, this.count);
    return Array.from({ length: n }, (_, k) => ({ next: k, end: this.count, stride: parallelism }));
  }

  createReader(ctx: SourceReaderContext): SourceReader<NexmarkEvent, IndexSplit> {
    const { count: _count, recordsPerSecond: rps, ...generatorOptions } = this.options;
    const generator = new NexmarkGenerator(generatorOptions);
    return new IndexRangeReader((i) => generator.event(i), ctx.clock, rps === undefined ? undefined : rps / ctx.parallelism, eventTime);
  }
}
