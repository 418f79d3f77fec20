import type {
  ReaderOutput,
  SourceOutput,
  TimestampAssigner,
  Watermark,
  WatermarkGenerator,
  WatermarkGeneratorContext,
  WatermarkOutput,
  WatermarkStrategy,
} from '../../graph/index.js';
import type { Clock } from '../../util/clock.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../../util/time.js';
import type { Output } from '../output.js';
import type { RecordContext } from '../record-context.js';
import { WatermarkEmitter } from '../watermarks/watermark-emitter.js';
import { PartialWatermark, WatermarkOutputMultiplexer } from '../watermarks/watermark-output-multiplexer.js';

/**
 * Timestamps and watermarks of a source subtask (Flink's ProgressiveTimestampsAndWatermarks):
 * the output its reader polls into, the periodic emission, and the maximum watermark at the end.
 */
export interface SourceWatermarks {
  /** What the reader's `pollNext` gets. */
  readonly output: ReaderOutput<unknown>;
  /** True if generators have periodic work (`onPeriodicEmit`). */
  readonly periodic: boolean;
  /** Runs every generator's `onPeriodicEmit` and emits the combined watermark if it advanced. */
  emitPeriodic(): void;
  /** The input ended (or is drained): emits the maximum watermark; nothing is emitted after it. */
  endOfInput(): void;
  /** The last watermark the source emitted (Flink's current effective watermark), and whether it is idle. */
  readonly currentWatermark: number;
  readonly idle: boolean;
}

/** Where a source's records and watermarks go, and what it runs with. */
export interface SourceWatermarksContext {
  readonly strategy: WatermarkStrategy<unknown>;
  /** The head of the source task's chain. */
  readonly chain: Output<unknown>;
  readonly recordContext: RecordContext;
  /** The clock idleness is measured on. */
  readonly clock: Clock;
}

/** Picks the cheapest implementation the strategy allows. */
export function createSourceWatermarks(ctx: SourceWatermarksContext): SourceWatermarks {
  const { strategy } = ctx;
  return strategy.isNoWatermarks() && !strategy.hasTimestampAssigner() ? new PlainSourceWatermarks(ctx) : new ProgressiveSourceWatermarks(ctx);
}

/**
 * What both implementations share: watermarks and idleness the reader emits on its main output
 * go to `target` until the end of input, which emits the maximum watermark once.
 */
abstract class EndingSourceWatermarks implements WatermarkOutput {
  protected ended = false;

  constructor(
    protected readonly emitter: WatermarkEmitter,
    private readonly target: WatermarkOutput,
  ) {}

  get currentWatermark(): number {
    return this.emitter.currentWatermark;
  }

  get idle(): boolean {
    return this.emitter.isIdle;
  }

  emitWatermark(watermark: Watermark): void {
    if (!this.ended) this.target.emitWatermark(watermark);
  }

  markIdle(): void {
    if (!this.ended) this.target.markIdle();
  }

  markActive(): void {
    if (!this.ended) this.target.markActive();
  }

  endOfInput(): void {
    if (this.ended) return;
    this.emitter.emitTimestamp(MAX_TIMESTAMP);
    this.ended = true;
  }
}

/**
 * `noWatermarks()` without a timestamp assigner: records keep the timestamp the reader gives
 * (or none) and nothing runs per record; split outputs are the main output.
 */
class PlainSourceWatermarks extends EndingSourceWatermarks implements SourceWatermarks, ReaderOutput<unknown> {
  readonly periodic = false;
  private readonly chain: Output<unknown>;
  private readonly rc: RecordContext;

  constructor(ctx: SourceWatermarksContext) {
    const emitter = new WatermarkEmitter(ctx.chain);
    super(emitter, emitter);
    this.chain = ctx.chain;
    this.rc = ctx.recordContext;
  }

  get output(): ReaderOutput<unknown> {
    return this;
  }

  collect(record: unknown, timestamp?: number): void {
    this.rc.timestamp = timestamp === undefined ? MIN_TIMESTAMP : timestamp;
    this.chain.collect(record);
  }

  createOutputForSplit(): SourceOutput<unknown> {
    return this;
  }

  releaseOutputForSplit(): void {}

  emitPeriodic(): void {}
}

/** The records of one split (or of the reader's main output), with their own generator. */
class SplitOutput implements SourceOutput<unknown> {
  readonly partial = new PartialWatermark();
  readonly generator: WatermarkGenerator<unknown>;
  readonly immediate: WatermarkOutput;
  readonly deferred: WatermarkOutput;

  constructor(
    private readonly chain: Output<unknown>,
    private readonly rc: RecordContext,
    private readonly assigner: TimestampAssigner<unknown>,
    strategy: WatermarkStrategy<unknown>,
    generatorContext: WatermarkGeneratorContext,
    mux: WatermarkOutputMultiplexer,
  ) {
    this.generator = strategy.createWatermarkGenerator(generatorContext);
    this.immediate = mux.immediate(this.partial);
    this.deferred = mux.deferred(this.partial);
  }

  collect(record: unknown, timestamp?: number): void {
    const t = this.assigner(record, timestamp === undefined ? MIN_TIMESTAMP : timestamp);
    this.rc.timestamp = t;
    this.chain.collect(record);
    this.generator.onEvent(record, t, this.immediate);
  }

  emitWatermark(watermark: Watermark): void {
    this.immediate.emitWatermark(watermark);
  }

  markIdle(): void {
    this.immediate.markIdle();
  }

  markActive(): void {
    this.immediate.markActive();
  }
}

/**
 * A strategy with watermarks or a timestamp assigner: one generator per split output (and one
 * for the main output), combined by a multiplexer. The main output counts toward the minimum
 * while the reader has no split outputs, and once it has emitted a record itself — so a reader
 * that only uses split outputs is not held back by an unused main output, and a reader that has
 * nothing to read (no splits) holds the watermark back unless its strategy has idleness, as in
 * Flink.
 */
class ProgressiveSourceWatermarks extends EndingSourceWatermarks implements SourceWatermarks, ReaderOutput<unknown> {
  readonly periodic = true;
  private readonly mux: WatermarkOutputMultiplexer;
  private readonly main: SplitOutput;
  private readonly splits = new Map<string, SplitOutput>();
  private readonly newSplitOutput: () => SplitOutput;
  private mainUsed = false;
  private mainCounted = true;

  constructor(ctx: SourceWatermarksContext) {
    const emitter = new WatermarkEmitter(ctx.chain);
    const mux = new WatermarkOutputMultiplexer(emitter);
    const assigner = ctx.strategy.createTimestampAssigner();
    const generatorContext: WatermarkGeneratorContext = { getInputActivityClock: () => ctx.clock };
    const newSplitOutput = () => new SplitOutput(ctx.chain, ctx.recordContext, assigner, ctx.strategy, generatorContext, mux);
    const main = newSplitOutput();
    super(emitter, main);
    this.mux = mux;
    this.newSplitOutput = newSplitOutput;
    this.main = main;
    mux.register(main.partial);
  }

  get output(): ReaderOutput<unknown> {
    return this;
  }

  collect(record: unknown, timestamp?: number): void {
    if (!this.mainUsed) {
      this.mainUsed = true;
      this.countMain();
    }
    this.main.collect(record, timestamp);
  }

  createOutputForSplit(splitId: string): SourceOutput<unknown> {
    let out = this.splits.get(splitId);
    if (out === undefined) {
      out = this.newSplitOutput();
      this.splits.set(splitId, out);
      this.mux.register(out.partial);
      this.countMain();
    }
    return out;
  }

  releaseOutputForSplit(splitId: string): void {
    const out = this.splits.get(splitId);
    if (out === undefined) return;
    this.splits.delete(splitId);
    this.mux.unregister(out.partial);
    this.countMain();
  }

  emitPeriodic(): void {
    if (this.ended) return;
    this.main.generator.onPeriodicEmit(this.main.deferred);
    for (const s of this.splits.values()) s.generator.onPeriodicEmit(s.deferred);
    this.mux.onPeriodicEmit();
  }

  private countMain(): void {
    const counted = this.mainUsed || this.splits.size === 0;
    if (counted === this.mainCounted) return;
    this.mainCounted = counted;
    if (counted) this.mux.register(this.main.partial);
    else this.mux.unregister(this.main.partial);
  }
}
