import type { Watermark, WatermarkOutput } from '../../src/graph/index.js';

/** Records what a generator emits, as Flink's TestingWatermarkOutput. */
export class RecordingOutput implements WatermarkOutput {
  readonly events: string[] = [];
  emitWatermark(watermark: Watermark): void {
    this.events.push(`wm ${watermark.timestamp}`);
  }
  markIdle(): void {
    this.events.push('idle');
  }
  markActive(): void {
    this.events.push('active');
  }
  lastWatermark(): number | undefined {
    const last = [...this.events].reverse().find((e) => e.startsWith('wm '));
    return last === undefined ? undefined : Number(last.slice(3));
  }
}
