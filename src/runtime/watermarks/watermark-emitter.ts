import type { Watermark, WatermarkOutput } from '../../graph/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { Output } from '../output.js';

/**
 * A generator's WatermarkOutput on an operator output (Flink's WatermarkEmitter /
 * WatermarkToDataOutput): forwards only watermarks above the last one, and idleness only when it
 * changes; a watermark makes an idle output active again first.
 */
export class WatermarkEmitter implements WatermarkOutput {
  private current = MIN_TIMESTAMP;
  private idle = false;

  constructor(private readonly output: Output<unknown>) {}

  /** The last watermark forwarded. */
  get currentWatermark(): number {
    return this.current;
  }

  /** The output is idle (the last status forwarded). */
  get isIdle(): boolean {
    return this.idle;
  }

  emitWatermark(watermark: Watermark): void {
    this.emitTimestamp(watermark.timestamp);
  }

  /** As `emitWatermark`, with a plain timestamp. */
  emitTimestamp(timestamp: number): void {
    if (timestamp <= this.current) return;
    this.current = timestamp;
    this.markActive();
    this.output.emitWatermark(timestamp);
  }

  markIdle(): void {
    if (this.idle) return;
    this.idle = true;
    this.output.emitWatermarkStatus(true);
  }

  markActive(): void {
    if (!this.idle) return;
    this.idle = false;
    this.output.emitWatermarkStatus(false);
  }
}
