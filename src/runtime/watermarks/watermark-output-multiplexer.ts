import type { Watermark, WatermarkOutput } from '../../graph/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { WatermarkEmitter } from './watermark-emitter.js';

/** One output's part of a combined watermark (e.g. one source split's). */
export class PartialWatermark {
  watermark = MIN_TIMESTAMP;
  idle = false;
}

/**
 * Combines the watermarks of several outputs — a source reader's splits — into one (Flink's
 * WatermarkOutputMultiplexer): the minimum over the outputs that are not idle; idle only when all
 * are, and then first the largest watermark of any output if that advances it. An immediate
 * output's update may emit at once (punctuated generators, a reader's own watermarks); a deferred
 * output's waits for `onPeriodicEmit` (periodic generators).
 */
export class WatermarkOutputMultiplexer {
  private readonly outputs = new Set<PartialWatermark>();
  private combined = MIN_TIMESTAMP;

  constructor(private readonly underlying: WatermarkEmitter) {}

  /** Counts `p` in the combined watermark from now on. */
  register(p: PartialWatermark): void {
    this.outputs.add(p);
  }

  /** Stops counting `p` (its split is finished). */
  unregister(p: PartialWatermark): void {
    this.outputs.delete(p);
  }

  /** An output whose updates take effect at once. */
  immediate(p: PartialWatermark): WatermarkOutput {
    return {
      emitWatermark: (w: Watermark) => {
        const wasIdle = p.idle;
        p.idle = false;
        const advanced = w.timestamp > p.watermark;
        if (advanced) p.watermark = w.timestamp;
        if ((advanced && w.timestamp > this.combined) || wasIdle) this.update();
      },
      markIdle: () => {
        p.idle = true;
        this.update();
      },
      markActive: () => {
        p.idle = false;
        this.update();
      },
    };
  }

  /** An output whose updates wait for the next {@link onPeriodicEmit}. */
  deferred(p: PartialWatermark): WatermarkOutput {
    return {
      emitWatermark: (w: Watermark) => {
        p.idle = false;
        if (w.timestamp > p.watermark) p.watermark = w.timestamp;
      },
      markIdle: () => {
        p.idle = true;
      },
      markActive: () => {
        p.idle = false;
      },
    };
  }

  /** Combines the deferred updates and emits what changed. */
  onPeriodicEmit(): void {
    this.update();
  }

  private update(): void {
    if (this.outputs.size === 0) return;
    let min = Infinity;
    let max = MIN_TIMESTAMP;
    for (const p of this.outputs) {
      if (p.watermark > max) max = p.watermark;
      if (!p.idle && p.watermark < min) min = p.watermark;
    }
    if (min === Infinity) {
      // All idle: none will advance for now, so what every one of them reached may pass (Flink's
      // CombinedWatermarkStatus since FLINK-38454, as the valve flushes). Otherwise the result
      // would hang on the order they went idle in: the last one's watermark would decide.
      if (max > this.combined) {
        this.combined = max;
        this.underlying.emitTimestamp(max);
      }
      this.underlying.markIdle();
      return;
    }
    if (min > this.combined) {
      this.combined = min;
      this.underlying.emitTimestamp(min);
    } else {
      // Back from idleness without a new watermark: downstream must count this input again.
      this.underlying.markActive();
    }
  }
}
