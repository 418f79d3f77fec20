import { MIN_TIMESTAMP } from '../../util/time.js';

/**
 * The watermark of an operator with several inputs (Flink's IndexedCombinedWatermarkStatus): the
 * minimum over the inputs that are not idle; it never goes back. When every input is idle the
 * combined status is idle and the watermark stays where it was. Each input's own watermark
 * comes from its valve (already the minimum over its channels); an ended input has sent the
 * maximum watermark, so it holds nothing back.
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
    let allIdle = true;
    for (let i = 0; i < this.watermarks.length; i++) {
      if (this.idle[i]) continue;
      allIdle = false;
      if (this.watermarks[i]! < min) min = this.watermarks[i]!;
    }
    this.combinedIdle = allIdle;
    if (!allIdle && min > this.combined) {
      this.combined = min;
      return true;
    }
    return false;
  }
}
