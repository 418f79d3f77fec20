/**
 * How a source assigns event-time watermarks. Event time is not implemented yet; the only
 * strategy is `noWatermarks()`, which `fromSource` takes for compatibility with Flink's API.
 */
export class WatermarkStrategy<T> {
  private constructor(readonly kind: 'none') {}
  declare readonly _type?: T;

  /** No watermarks: the job runs on processing time only. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>('none');
  }
}
