/**
 * Watermarks and the user-facing contracts that make them (Flink's `org.apache.flink.api.common.
 * eventtime`): a watermark `t` says no more records with a timestamp ≤ `t` are expected.
 */
import { checkTimestamp, MAX_TIMESTAMP, MIN_TIMESTAMP } from '../util/time.js';

/** A point in event time: records up to and including `timestamp` have arrived. */
export class Watermark {
  /** The watermark at the end of a bounded input: every event-time timer and window fires. */
  static readonly MAX_WATERMARK = new Watermark(MAX_TIMESTAMP);
  /** The watermark before any has arrived. */
  static readonly UNINITIALIZED = new Watermark(MIN_TIMESTAMP);

  readonly timestamp: number;

  constructor(timestamp: number) {
    this.timestamp = checkTimestamp(timestamp, 'A watermark');
  }

  getTimestamp(): number {
    return this.timestamp;
  }

  equals(other: unknown): boolean {
    return other instanceof Watermark && other.timestamp === this.timestamp;
  }

  toString(): string {
    return `Watermark @ ${this.timestamp}`;
  }
}

/**
 * Where a {@link WatermarkGenerator} sends what it decides. An idle output is left out of the
 * minimum that downstream tasks take over their inputs, until it is active again.
 */
export interface WatermarkOutput {
  /** Emits a watermark; one not above the last emitted is ignored downstream (watermarks never go back). */
  emitWatermark(watermark: Watermark): void;
  /** Marks this output idle: no records and no watermarks for now. */
  markIdle(): void;
  /** Marks this output active again. */
  markActive(): void;
}

/**
 * Makes watermarks from the events it sees (Flink's WatermarkGenerator). A periodic generator
 * emits from `onPeriodicEmit` (called every `pipeline.auto-watermark-interval`); a punctuated
 * one emits from `onEvent`.
 *
 * @example
 * class Punctuated implements WatermarkGenerator<Event> {
 *   onEvent(e: Event, ts: number, out: WatermarkOutput) { if (e.isMarker) out.emitWatermark(new Watermark(ts)); }
 *   onPeriodicEmit() {}
 * }
 */
export interface WatermarkGenerator<T> {
  /** Called for every event, after its timestamp has been assigned. */
  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void;
  /** Called periodically; may emit a watermark. */
  onPeriodicEmit(output: WatermarkOutput): void;
}

/**
 * Gives an event its timestamp in milliseconds; `recordTimestamp` is the one the record came
 * with (`MIN_TIMESTAMP` when it had none).
 */
export type TimestampAssigner<T> = (event: T, recordTimestamp: number) => number;
