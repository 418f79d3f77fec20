import { Watermark } from '../graph/watermark.js';
import type { CheckpointOptions } from '../state/index.js';

/**
 * What flows through a channel: batches of records and, in order with them, events. Records
 * are never sent one by one; a batch carries the keys and key groups a hash partitioner
 * computed, so the keyed operator downstream does not compute them again.
 */

/**
 * A batch of records; `keys`/`keyGroups` are set on hash-partitioned edges. `timestamps` holds
 * each record's timestamp (`MIN_TIMESTAMP` for none) and stays undefined while no record of the
 * batch has one, so a stream without event time carries nothing extra.
 */
export class RecordBatch {
  constructor(
    readonly values: unknown[],
    readonly keys: ArrayLike<unknown> | undefined,
    readonly keyGroups: ArrayLike<number> | undefined,
    readonly timestamps: ArrayLike<number> | undefined = undefined,
  ) {}
}

/** Checkpoint barrier n: everything before it belongs to checkpoint n, everything after to n+1. */
export class CheckpointBarrier {
  constructor(
    readonly checkpointId: number,
    readonly timestamp: number,
    readonly options: CheckpointOptions,
  ) {}
}

/**
 * The channel's producer went idle (no records, no watermarks for now) or active again; an idle
 * channel does not hold back the watermark of the task it feeds (Flink's WatermarkStatus).
 */
export class WatermarkStatus {
  static readonly IDLE = new WatermarkStatus(true);
  static readonly ACTIVE = new WatermarkStatus(false);
  private constructor(readonly idle: boolean) {}

  static of(idle: boolean): WatermarkStatus {
    return idle ? WatermarkStatus.IDLE : WatermarkStatus.ACTIVE;
  }
}

/**
 * The channel's producer has no more records. `drained`: its input was ended by `flink stop
 * --drain` (Flink's EndOfData carries its StopMode likewise), so the task it reaches keeps, for
 * the drain's savepoint, what it cannot fire (see StreamTask.drained). In the channel, not told to
 * each task by its thread: a worker thread may take this event from another worker's channel
 * before its own message about the drain arrives.
 */
export class EndOfInput {
  static readonly INSTANCE = new EndOfInput(false);
  static readonly DRAINED = new EndOfInput(true);
  private constructor(readonly drained: boolean) {}

  static of(drained: boolean): EndOfInput {
    return drained ? EndOfInput.DRAINED : EndOfInput.INSTANCE;
  }
}

/** A watermark in a channel is the user-facing {@link Watermark}: event time has reached its timestamp. */
export { Watermark };

export type ChannelEvent = RecordBatch | CheckpointBarrier | Watermark | WatermarkStatus | EndOfInput;
