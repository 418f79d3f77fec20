import type { TimestampAssigner, WatermarkGenerator, WatermarkStrategy } from '../../graph/index.js';
import { MAX_TIMESTAMP } from '../../util/time.js';
import { WatermarkEmitter } from '../watermarks/watermark-emitter.js';
import { StreamOperator } from './stream-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/**
 * `assignTimestampsAndWatermarks(strategy)` (Flink's TimestampsAndWatermarksOperator): gives each
 * record the assigner's timestamp, feeds the generator, and runs its periodic emission every
 * `pipeline.auto-watermark-interval` of processing time. Watermarks and idleness from upstream
 * are dropped, except the maximum watermark that ends the input.
 */
export class TimestampsAndWatermarksOperator extends StreamOperator<unknown> {
  private readonly assigner: TimestampAssigner<unknown>;
  private readonly generator: WatermarkGenerator<unknown>;
  private readonly emitter: WatermarkEmitter;
  private nextEmit: number;

  constructor(
    ctx: OperatorContext,
    strategy: WatermarkStrategy<unknown>,
    private readonly intervalMs: number,
  ) {
    super(ctx);
    this.assigner = strategy.createTimestampAssigner();
    this.generator = strategy.createWatermarkGenerator({ getInputActivityClock: () => ctx.clock });
    this.emitter = new WatermarkEmitter({
      collect: () => {},
      emitWatermark: (ts) => this.forwardWatermark(ts),
      emitWatermarkStatus: (idle) => this.forwardWatermarkStatus(idle),
    });
    this.nextEmit = intervalMs > 0 ? ctx.clock.now() + intervalMs : Infinity;
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    const rc = this.ctx.recordContext;
    const previous = rc.timestamp;
    try {
      const t = this.assigner(value, previous);
      rc.timestamp = t;
      this.output.collect(value);
      this.generator.onEvent(value, t, this.emitter);
    } catch (err) {
      throw userError(this.name, err);
    } finally {
      rc.timestamp = previous;
    }
  }

  override processWatermark(timestamp: number): void {
    if (timestamp !== MAX_TIMESTAMP) return;
    this.currentWatermark = timestamp;
    this.emitter.emitTimestamp(MAX_TIMESTAMP);
  }

  override processWatermarkStatus(_idle: boolean): void {}

  override nextTimerTime(): number {
    return this.nextEmit;
  }

  override advanceProcessingTime(now: number): void {
    if (now < this.nextEmit) return;
    this.nextEmit = now + this.intervalMs;
    this.periodicEmit();
  }

  override endInput(): void {
    this.periodicEmit();
  }

  private periodicEmit(): void {
    if (this.currentWatermark === MAX_TIMESTAMP) return; // the input has ended: nothing follows its final watermark
    try {
      this.generator.onPeriodicEmit(this.emitter);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
