/**
 * How a stream gets event time: a timestamp per record and a watermark generator (Flink's
 * WatermarkStrategy). A strategy is data: the runtime makes one generator and one assigner per
 * source split (or per subtask of `assignTimestampsAndWatermarks`).
 */
import type { Clock } from '../util/clock.js';
import { Duration, checkTimestamp, durationToMillis, type DurationLike } from '../util/time.js';
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

/** Flink's WatermarkAlignmentParams: which group a source aligns in, and how. */
export interface WatermarkAlignment {
  readonly group: string;
  /** How far ahead of the group's lowest watermark a subtask may read. */
  readonly maxAllowedDriftMs: number;
  /** How often a subtask reports its watermark (Flink's default: 1 s). */
  readonly updateIntervalMs: number;
}

/** Flink's default `updateInterval` of watermark alignment. */
export const DEFAULT_ALIGNMENT_UPDATE_INTERVAL_MS = 1000;

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
    private readonly alignment: WatermarkAlignment | undefined = undefined,
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
    return new WatermarkStrategy<T>(this.supplier, fn, this.idleTimeoutMs, this.alignment);
  }

  /**
   * Marks a split or subtask idle when no event came for `idleTimeout`, so it does not hold
   * back the watermark downstream; the next event makes it active again.
   */
  withIdleness(idleTimeout: DurationLike): WatermarkStrategy<T> {
    const ms = durationToMillis(idleTimeout, 'idleTimeout');
    if (ms <= 0) throw new RangeError(`idleTimeout must be greater than zero, got ${ms} ms.`);
    return new WatermarkStrategy<T>(this.supplier, this.assigner, ms, this.alignment);
  }

  /**
   * Watermark alignment (Flink's FLIP-182): every source subtask whose strategy names `group`
   * reports its watermark every `updateInterval`; a subtask whose watermark is more than
   * `maxAllowedWatermarkDrift` ahead of the lowest reported in the group stops reading until the
   * others catch up, so one fast source cannot fill the state of the operators downstream with
   * records they must hold back. Only sources (`fromSource`) align.
   */
  withWatermarkAlignment(watermarkGroup: string, maxAllowedWatermarkDrift: DurationLike, updateInterval: DurationLike = Duration.ofMillis(DEFAULT_ALIGNMENT_UPDATE_INTERVAL_MS)): WatermarkStrategy<T> {
    if (typeof watermarkGroup !== 'string' || watermarkGroup === '') throw new TypeError('withWatermarkAlignment needs a watermark group name (a non-empty string).');
    const maxAllowedDriftMs = durationToMillis(maxAllowedWatermarkDrift, 'maxAllowedWatermarkDrift');
    if (maxAllowedDriftMs < 0) throw new RangeError(`maxAllowedWatermarkDrift cannot be negative, got ${maxAllowedDriftMs} ms.`);
    const updateIntervalMs = durationToMillis(updateInterval, 'updateInterval');
    if (updateIntervalMs <= 0) throw new RangeError(`updateInterval must be greater than zero, got ${updateIntervalMs} ms.`);
    return new WatermarkStrategy<T>(this.supplier, this.assigner, this.idleTimeoutMs, { group: watermarkGroup, maxAllowedDriftMs, updateIntervalMs });
  }

  /** The alignment `withWatermarkAlignment` set, if any. */
  getAlignment(): WatermarkAlignment | undefined {
    return this.alignment;
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
