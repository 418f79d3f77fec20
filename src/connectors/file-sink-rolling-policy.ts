import { MemorySize } from '../util/memory-size.js';
import type { DurationLike } from '../util/time.js';
import { positive, positiveMillis } from './positive-setting.js';

/**
 * When a FileSink closes its open part file and starts a new one (Flink's `RollingPolicy`, from
 * `org.apache.flink.streaming.api.functions.sink.filesystem`). A closed part waits, hidden, for
 * the next checkpoint to complete and then becomes visible; a part that does not roll at a
 * checkpoint stays open across it (the checkpoint records how much of it is durable).
 */

/** What a rolling policy sees of the open part of a bucket (Flink's `PartFileInfo`). */
export interface PartFileInfo {
  /** The bucket the part belongs to ('' = the sink's directory). */
  getBucketId(): string;
  /** When the part was opened (processing time, ms). */
  getCreationTime(): number;
  /** Its size in bytes, records not yet flushed to the file included. */
  getSize(): number;
  /** When a record was last written to it (processing time, ms). */
  getLastUpdateTime(): number;
}

/** Decides when the open part of a bucket rolls (Flink's `RollingPolicy`). */
export interface RollingPolicy<IN> {
  /** Asked at every checkpoint barrier: true closes the part, so that the checkpoint commits it. */
  shouldRollOnCheckpoint(part: PartFileInfo): boolean;
  /** Asked before `element` is written: true closes the part and writes `element` to a new one. */
  shouldRollOnEvent(part: PartFileInfo, element: IN): boolean;
  /** Asked every bucket check interval (`withBucketCheckInterval`): true closes the part. */
  shouldRollOnProcessingTime(part: PartFileInfo, currentTime: number): boolean;
}

/**
 * A policy that rolls at every checkpoint (Flink's `CheckpointRollingPolicy`); subclasses say
 * whether a part also rolls on an event or on processing time. Bulk formats need one in Flink.
 */
export abstract class CheckpointRollingPolicy<IN> implements RollingPolicy<IN> {
  shouldRollOnCheckpoint(_part: PartFileInfo): boolean {
    return true;
  }
  abstract shouldRollOnEvent(part: PartFileInfo, element: IN): boolean;
  abstract shouldRollOnProcessingTime(part: PartFileInfo, currentTime: number): boolean;
}

/** Rolls at every checkpoint and only then (Flink's `OnCheckpointRollingPolicy`): one part per checkpoint per bucket per subtask. */
export class OnCheckpointRollingPolicy<IN = unknown> extends CheckpointRollingPolicy<IN> {
  private constructor() {
    super();
  }

  static build<IN = unknown>(): OnCheckpointRollingPolicy<IN> {
    return new OnCheckpointRollingPolicy<IN>();
  }

  shouldRollOnEvent(_part: PartFileInfo, _element: IN): boolean {
    return false;
  }

  shouldRollOnProcessingTime(_part: PartFileInfo, _currentTime: number): boolean {
    return false;
  }
}

/** Flink's defaults: 128 MiB, 60 s, 60 s. */
const DEFAULT_MAX_PART_SIZE = 128 * 1024 * 1024;
const DEFAULT_ROLLOVER_INTERVAL = 60_000;
const DEFAULT_INACTIVITY_INTERVAL = 60_000;

/**
 * Rolls a part once it is larger than the maximum size (checked before each record and at each
 * checkpoint), once it is as old as the rollover interval, or once nothing was written to it for
 * the inactivity interval (both checked every bucket check interval) — Flink's `DefaultRollingPolicy`.
 * Sizes are MemorySizes, as Flink's, or bytes; intervals are Durations or Times, as Flink's, or ms.
 *
 * @example
 * DefaultRollingPolicy.builder().withMaxPartSize(MemorySize.ofMebiBytes(1)).withRolloverInterval(15 * 60_000).withInactivityInterval(5 * 60_000).build()
 */
export class DefaultRollingPolicy<IN = unknown> implements RollingPolicy<IN> {
  private constructor(
    private readonly partSize: number,
    private readonly rolloverInterval: number,
    private readonly inactivityInterval: number,
  ) {}

  static builder(): DefaultRollingPolicyBuilder {
    return new DefaultRollingPolicyBuilder(DEFAULT_MAX_PART_SIZE, DEFAULT_ROLLOVER_INTERVAL, DEFAULT_INACTIVITY_INTERVAL);
  }

  /** @internal used by the builder */
  static create<IN>(partSize: number, rolloverInterval: number, inactivityInterval: number): DefaultRollingPolicy<IN> {
    return new DefaultRollingPolicy<IN>(partSize, rolloverInterval, inactivityInterval);
  }

  shouldRollOnCheckpoint(part: PartFileInfo): boolean {
    return sizeExceeds(part, this.partSize);
  }

  shouldRollOnEvent(part: PartFileInfo, _element: IN): boolean {
    return sizeExceeds(part, this.partSize);
  }

  shouldRollOnProcessingTime(part: PartFileInfo, currentTime: number): boolean {
    return currentTime - part.getCreationTime() >= this.rolloverInterval || currentTime - part.getLastUpdateTime() >= this.inactivityInterval;
  }

  /** The size in bytes above which a part rolls. */
  getMaxPartSize(): number {
    return this.partSize;
  }

  /** How long (ms) a part may stay open. */
  getRolloverInterval(): number {
    return this.rolloverInterval;
  }

  /** How long (ms) a part may go without a record. */
  getInactivityInterval(): number {
    return this.inactivityInterval;
  }
}

/** Configures a {@link DefaultRollingPolicy}; each setting returns a new builder, as Flink's does. */
export class DefaultRollingPolicyBuilder {
  /** @internal use DefaultRollingPolicy.builder() */
  constructor(
    private readonly partSize: number,
    private readonly rolloverInterval: number,
    private readonly inactivityInterval: number,
  ) {}

  /** The size above which a part rolls: a MemorySize, as Flink 2.x's, or a number of bytes (default 128 MiB). */
  withMaxPartSize(size: number | MemorySize): DefaultRollingPolicyBuilder {
    const bytes = size instanceof MemorySize ? size.getBytes() : size;
    return new DefaultRollingPolicyBuilder(positive('withMaxPartSize', 'a MemorySize or a number of bytes', bytes), this.rolloverInterval, this.inactivityInterval);
  }

  /** How long a part may stay open before it rolls: a Duration or Time, as Flink's, or ms (default 60 000). */
  withRolloverInterval(interval: number | DurationLike): DefaultRollingPolicyBuilder {
    return new DefaultRollingPolicyBuilder(this.partSize, positiveMillis('withRolloverInterval', interval), this.inactivityInterval);
  }

  /** How long a part may go without a record before it rolls: a Duration or Time, as Flink's, or ms (default 60 000). */
  withInactivityInterval(interval: number | DurationLike): DefaultRollingPolicyBuilder {
    return new DefaultRollingPolicyBuilder(this.partSize, this.rolloverInterval, positiveMillis('withInactivityInterval', interval));
  }

  build<IN = unknown>(): DefaultRollingPolicy<IN> {
    return DefaultRollingPolicy.create<IN>(this.partSize, this.rolloverInterval, this.inactivityInterval);
  }
}

/**
 * A part info that can answer "larger than `limit`?" without counting the bytes of every record
 * (the sink's own parts: see InProgressPart.sizeExceeds); `getSize` answers it for any other.
 */
interface SizeBound {
  sizeExceeds(limit: number): boolean;
}

function sizeExceeds(part: PartFileInfo, limit: number): boolean {
  const bounded = part as PartFileInfo & Partial<SizeBound>;
  return typeof bounded.sizeExceeds === 'function' ? bounded.sizeExceeds(limit) : part.getSize() > limit;
}
