/**
 * The built-in watermark generators, as Flink's: bounded out-of-orderness, ascending
 * timestamps, none, and the idleness wrapper.
 */
import type { Clock } from '../util/clock.js';
import { MIN_TIMESTAMP } from '../util/time.js';
import { Watermark, type WatermarkGenerator, type WatermarkOutput } from './watermark.js';

/**
 * Emits, periodically, the highest timestamp seen minus the bound minus 1: a record may arrive
 * up to `maxOutOfOrdernessMs` later than a record with a higher timestamp without being late.
 * Before any event it emits `MIN_TIMESTAMP`.
 */
export class BoundedOutOfOrdernessWatermarks<T> implements WatermarkGenerator<T> {
  private maxTimestamp: number;

  constructor(private readonly maxOutOfOrdernessMs: number) {
    if (!(maxOutOfOrdernessMs >= 0)) throw new RangeError(`maxOutOfOrderness cannot be negative, got ${maxOutOfOrdernessMs} ms.`);
    // Starts where the first emitted watermark is MIN_TIMESTAMP, as Flink does.
    this.maxTimestamp = MIN_TIMESTAMP + maxOutOfOrdernessMs + 1;
  }

  onEvent(_event: T, eventTimestamp: number, _output: WatermarkOutput): void {
    if (eventTimestamp > this.maxTimestamp) this.maxTimestamp = eventTimestamp;
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    output.emitWatermark(new Watermark(this.maxTimestamp - this.maxOutOfOrdernessMs - 1));
  }
}

/** For timestamps that never decrease: the watermark trails the highest timestamp by 1 ms. */
export class AscendingTimestampsWatermarks<T> extends BoundedOutOfOrdernessWatermarks<T> {
  constructor() {
    super(0);
  }
}

/** Emits nothing: the stream runs on processing time only. */
export class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(_event: T, _eventTimestamp: number, _output: WatermarkOutput): void {}
  onPeriodicEmit(_output: WatermarkOutput): void {}
}

/**
 * Flink's idleness timer, checked at each periodic emit: the first check that sees no activity
 * since the previous one starts the countdown; a later check finds the output idle once
 * strictly more than the timeout has passed since. Any activity resets it.
 */
export class IdlenessTimer {
  private counter = 0;
  private lastCounter = 0;
  /** When the countdown started; undefined while none runs. */
  private startOfInactivity: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly maxIdleTimeMs: number,
  ) {}

  activity(): void {
    this.counter++;
  }

  checkIfIdle(): boolean {
    if (this.counter !== this.lastCounter) {
      this.lastCounter = this.counter;
      this.startOfInactivity = undefined;
      return false;
    }
    if (this.startOfInactivity === undefined) {
      this.startOfInactivity = this.clock.now();
      return false;
    }
    return this.clock.now() - this.startOfInactivity > this.maxIdleTimeMs;
  }
}

/**
 * Adds idleness to another generator: once no event has come for the timeout (as seen at
 * periodic emits), the output is marked idle and the inner generator is not asked for
 * watermarks; the next event marks it active again before the inner generator sees it.
 */
export class WatermarksWithIdleness<T> implements WatermarkGenerator<T> {
  private readonly timer: IdlenessTimer;
  private idleNow = false;

  constructor(
    private readonly watermarks: WatermarkGenerator<T>,
    idleTimeoutMs: number,
    clock: Clock,
  ) {
    if (!(idleTimeoutMs > 0)) throw new RangeError(`idleTimeout must be greater than zero, got ${idleTimeoutMs} ms.`);
    this.timer = new IdlenessTimer(clock, idleTimeoutMs);
  }

  onEvent(event: T, eventTimestamp: number, output: WatermarkOutput): void {
    if (this.idleNow) {
      this.idleNow = false;
      output.markActive();
    }
    this.watermarks.onEvent(event, eventTimestamp, output);
    this.timer.activity();
  }

  onPeriodicEmit(output: WatermarkOutput): void {
    if (this.timer.checkIfIdle()) {
      if (!this.idleNow) {
        output.markIdle();
        this.idleNow = true;
      }
    } else {
      this.watermarks.onPeriodicEmit(output);
    }
  }
}
