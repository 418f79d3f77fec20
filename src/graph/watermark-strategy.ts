/**
 * How a stream gets event time: a timestamp per record and a watermark generator (Flink's
 * WatermarkStrategy). A strategy is data: the runtime makes one generator and one assigner per
 * source split (or per subtask of `assignTimestampsAndWatermarks`).
 */
import type { Clock } from '../util/clock.js';
import { checkTimestamp, durationToMillis, type DurationLike } from '../util/time.js';
import type { TimestampAssigner, WatermarkGenerator } from './watermark.js';
import {
  AscendingTimestampsWatermarks,
  BoundedOutOfOrdernessWatermarks,
  NoWatermarksGenerator,
  WatermarksWithIdleness,
} from './watermark-generators.js';

/** What the runtime gives a strategy when it makes a generator. */
export interface WatermarkGeneratorContext {
  /** The clock idleness is measured on (a ManualClock in tests). */
  getInputActivityClock(): Clock;
}

/** Makes a generator: what `WatermarkStrategy.forGenerator` takes. */
export type WatermarkGeneratorSupplier<T> = (context: WatermarkGeneratorContext) => WatermarkGenerator<T>;

/** A timestamp assigner as a function or, as in Flink, an object with `extractTimestamp`. */
export type TimestampAssignerLike<T> = TimestampAssigner<T> | { extractTimestamp(event: T, recordTimestamp: number): number };

const recordTimestamp: TimestampAssigner<unknown> = (_event, ts) => ts;

/**
 * How a source or `assignTimestampsAndWatermarks` assigns event time. Immutable: each `with…`
 * returns a new strategy.
 *
 * @example
 * WatermarkStrategy.forBoundedOutOfOrderness<Click>(Duration.ofSeconds(5))
 *   .withTimestampAssigner((click) => click.time)
 *   .withIdleness(Duration.ofMinutes(1));
 */
export class WatermarkStrategy<T> {
  private constructor(
    private readonly supplier: WatermarkGeneratorSupplier<T> | undefined,
    private readonly assigner: TimestampAssigner<T> | undefined,
    private readonly idleTimeoutMs: number | undefined,
  ) {}

  /** No watermarks: the job runs on processing time only (timestamps, if assigned, still travel). */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(undefined, undefined, undefined);
  }

  /** For timestamps that never decrease: watermark = highest timestamp seen − 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new AscendingTimestampsWatermarks<T>(), undefined, undefined);
  }

  /** Watermark = highest timestamp seen − `maxOutOfOrderness` − 1, emitted periodically. */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: DurationLike): WatermarkStrategy<T> {
    const ms = durationToMillis(maxOutOfOrderness, 'maxOutOfOrderness');
    if (ms < 0) throw new RangeError(`maxOutOfOrderness cannot be negative, got ${ms} ms.`);
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessWatermarks<T>(ms), undefined, undefined);
  }

  /** A custom generator, made by `supplier` for each split or subtask. */
  static forGenerator<T>(supplier: WatermarkGeneratorSupplier<T>): WatermarkStrategy<T> {
    if (typeof supplier !== 'function') {
      throw new TypeError('forGenerator needs a function (context) => WatermarkGenerator.');
    }
    return new WatermarkStrategy<T>(supplier, undefined, undefined);
  }

  /** Takes each record's timestamp from `assigner(event, recordTimestamp)` (milliseconds). */
  withTimestampAssigner(assigner: TimestampAssignerLike<T>): WatermarkStrategy<T> {
    let fn: TimestampAssigner<T>;
    if (typeof assigner === 'function') fn = assigner;
    else if (assigner !== null && typeof assigner === 'object' && typeof assigner.extractTimestamp === 'function') {
      fn = (event, ts) => assigner.extractTimestamp(event, ts);
    } else {
      throw new TypeError('withTimestampAssigner needs a function (event, recordTimestamp) => milliseconds.');
    }
    return new WatermarkStrategy<T>(this.supplier, fn, this.idleTimeoutMs);
  }

  /**
   * Marks a split or subtask idle when no event came for `idleTimeout`, so it does not hold
   * back the watermark downstream; the next event makes it active again.
   */
  withIdleness(idleTimeout: DurationLike): WatermarkStrategy<T> {
    const ms = durationToMillis(idleTimeout, 'idleTimeout');
    if (ms <= 0) throw new RangeError(`idleTimeout must be greater than zero, got ${ms} ms.`);
    return new WatermarkStrategy<T>(this.supplier, this.assigner, ms);
  }

  /**
   * True when the generator would never emit anything (`noWatermarks()` without idleness): the
   * runtime may then skip generators and periodic emission altogether.
   */
  isNoWatermarks(): boolean {
    return this.supplier === undefined && this.idleTimeoutMs === undefined;
  }

  /** True when `withTimestampAssigner` was given; otherwise records keep the timestamp they came with. */
  hasTimestampAssigner(): boolean {
    return this.assigner !== undefined;
  }

  /** A fresh generator, for one split or subtask. */
  createWatermarkGenerator(context: WatermarkGeneratorContext): WatermarkGenerator<T> {
    const inner = this.supplier ? this.supplier(context) : new NoWatermarksGenerator<T>();
    if (this.idleTimeoutMs === undefined) return inner;
    return new WatermarksWithIdleness(inner, this.idleTimeoutMs, context.getInputActivityClock());
  }

  /**
   * The timestamp assigner: the user's, checked to return a safe whole number of
   * milliseconds, or one that keeps the record's own timestamp.
   */
  createTimestampAssigner(): TimestampAssigner<T> {
    const user = this.assigner;
    if (user === undefined) return recordTimestamp;
    return (event, ts) => {
      const t = user(event, ts);
      return typeof t === 'number' && Number.isSafeInteger(t) ? t : checkTimestamp(t, 'The timestamp assigner result');
    };
  }
}
