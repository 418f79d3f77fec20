import { MIN_TIMESTAMP } from '../../util/time.js';

/**
 * The watermark of an operator with several inputs (Flink's IndexedCombinedWatermarkStatus): the
 * minimum over the inputs that are not idle; it never goes back. When every input is idle the
 * combined status is idle and the watermark moves up to the largest of any input. Each input's
 * own watermark comes from its valve (already the minimum over its channels); an ended input has
 * sent the maximum watermark, so it holds nothing back.
 */
export class CombinedWatermark {
  private readonly watermarks: number[];
  private readonly idle: boolean[];
  private combined = MIN_TIMESTAMP;
  private combinedIdle = false;

  constructor(inputCount: number) {
    this.watermarks = new Array<number>(inputCount).fill(MIN_TIMESTAMP);
    this.idle = new Array<boolean>(inputCount).fill(false);
  }

  /** The combined watermark (`MIN_TIMESTAMP` before the first). */
  get watermark(): number {
    return this.combined;
  }

  /** True while every input is idle. */
  get isIdle(): boolean {
    return this.combinedIdle;
  }

  /** Input `index` (0-based) reached `timestamp`; true if the combined watermark advanced. */
  updateWatermark(index: number, timestamp: number): boolean {
    if (timestamp > this.watermarks[index]!) this.watermarks[index] = timestamp;
    return this.update();
  }

  /** Input `index` went idle or active; true if the combined watermark advanced. */
  updateStatus(index: number, idle: boolean): boolean {
    this.idle[index] = idle;
    return this.update();
  }

  private update(): boolean {
    let min = Infinity;
    let max = MIN_TIMESTAMP;
    let allIdle = true;
    for (let i = 0; i < this.watermarks.length; i++) {
      const w = this.watermarks[i]!;
      if (w > max) max = w;
      if (this.idle[i]) continue;
      allIdle = false;
      if (w < min) min = w;
    }
    this.combinedIdle = allIdle;
    // All idle: the largest watermark of any input (Flink's CombinedWatermarkStatus since
    // FLINK-38454, as the valve flushes), so the result does not hang on the order they went idle in.
    const next = allIdle ? max : min;
    if (next > this.combined) {
      this.combined = next;
      return true;
    }
    return false;
  }
}
