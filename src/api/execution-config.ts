import { describeArgument } from '../util/describe-argument.js';

/**
 * Flink's ExecutionConfig: settings of how a job runs, made in its code (they win over
 * `config.yaml` and `-D`). Only what this engine has: the watermark interval.
 */
export class ExecutionConfig {
  private autoWatermarkInterval: number | undefined;

  /**
   * How often periodic watermark generators emit (`pipeline.auto-watermark-interval`), in
   * milliseconds of processing time; 0 turns periodic emission off (punctuated generators and
   * the watermark at the end of input still work).
   */
  setAutoWatermarkInterval(intervalMs: number): this {
    if (!Number.isInteger(intervalMs) || intervalMs < 0 || intervalMs > 2_147_483_647) {
      throw new RangeError(`The auto-watermark interval must be a whole number of milliseconds from 0 to 2147483647, got ${describeArgument(intervalMs)}.`);
    }
    this.autoWatermarkInterval = intervalMs;
    return this;
  }

  /** The interval set in code, or -1 if the configured one (default 200 ms) applies. */
  getAutoWatermarkInterval(): number {
    return this.autoWatermarkInterval ?? -1;
  }

  /** @internal The interval set in code, if any. */
  get autoWatermarkIntervalSetting(): number | undefined {
    return this.autoWatermarkInterval;
  }
}
