/**
 * When a FileSink closes a part file and opens the next (Flink's RollingPolicy). Here every
 * policy rolls at each checkpoint — Flink's CheckpointRollingPolicy family, which its bulk
 * formats require too: a part that stayed open across a checkpoint would have to be truncated
 * and resumed on restore, and this sink instead makes every part it recorded whole. Between
 * checkpoints a policy may roll sooner: on a record (its size), or on the time (its age).
 */

/** What a policy sees of the open part (Flink's PartFileInfo). */
export interface PartFileInfo {
  /** The bucket ('' for the sink's directory itself). */
  readonly bucketId: string;
  /** Bytes written to the part so far (UTF-8). */
  readonly size: number;
  /** When the part was opened (ms since the epoch, processing time). */
  readonly creationTime: number;
  /** When a record was last written to it. */
  readonly lastUpdateTime: number;
}

/**
 * A rolling policy that rolls at every checkpoint, and sooner when it says so (Flink's
 * CheckpointRollingPolicy): extend it, or use {@link OnCheckpointRollingPolicy} (the default)
 * or {@link SizeAndTimeRollingPolicy}.
 */
export abstract class CheckpointRollingPolicy<T> {
  /** Always: see the module's comment. */
  shouldRollOnCheckpoint(_part: PartFileInfo): true {
    return true;
  }
  /** Asked before `element` is written to `part`: true closes `part` and writes it to a new one. */
  abstract shouldRollOnEvent(part: PartFileInfo, element: T): boolean;
  /**
   * Asked after each batch of records (Flink asks every bucket check interval, 60 s by
   * default): true closes `part`. A sink that gets no records rolls at the next checkpoint.
   */
  abstract shouldRollOnProcessingTime(part: PartFileInfo, now: number): boolean;
}

/** Rolls at checkpoints only (Flink's OnCheckpointRollingPolicy; the FileSink's default). */
export class OnCheckpointRollingPolicy<T> extends CheckpointRollingPolicy<T> {
  static build<T>(): OnCheckpointRollingPolicy<T> {
    return new OnCheckpointRollingPolicy<T>();
  }
  shouldRollOnEvent(): boolean {
    return false;
  }
  shouldRollOnProcessingTime(): boolean {
    return false;
  }
}

/** Limits of {@link SizeAndTimeRollingPolicy}; each is off when absent. */
export interface SizeAndTimeLimits {
  /** A part past this many bytes is closed before the next record (Flink's maxPartSize). */
  readonly maxPartSize?: number;
  /** A part open this long (ms) is closed (Flink's rolloverInterval). */
  readonly rolloverInterval?: number;
  /** A part no record was written to for this long (ms) is closed (Flink's inactivityInterval). */
  readonly inactivityInterval?: number;
}

/**
 * Flink's DefaultRollingPolicy limits (part size, rollover interval, inactivity interval), as a
 * checkpoint rolling policy: it rolls at every checkpoint as well, where Flink's
 * DefaultRollingPolicy keeps a part open across checkpoints while it is under the limits.
 * flink-ts's own class (Flink has no built-in checkpoint policy with limits); the comparisons
 * are DefaultRollingPolicy's: size > max, now − created ≥ rollover, now − last write ≥ inactivity.
 */
export class SizeAndTimeRollingPolicy<T> extends CheckpointRollingPolicy<T> {
  private readonly limits: Required<SizeAndTimeLimits>;

  constructor(limits: SizeAndTimeLimits) {
    super();
    const check = (name: keyof SizeAndTimeLimits): number => {
      const v = limits[name];
      if (v === undefined) return Infinity;
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new TypeError(`SizeAndTimeRollingPolicy: ${name} must be a positive number, got ${String(v)}.`);
      return v;
    };
    this.limits = { maxPartSize: check('maxPartSize'), rolloverInterval: check('rolloverInterval'), inactivityInterval: check('inactivityInterval') };
  }

  static of<T>(limits: SizeAndTimeLimits): SizeAndTimeRollingPolicy<T> {
    return new SizeAndTimeRollingPolicy<T>(limits);
  }

  shouldRollOnEvent(part: PartFileInfo, _element: T): boolean {
    return part.size > this.limits.maxPartSize;
  }

  shouldRollOnProcessingTime(part: PartFileInfo, now: number): boolean {
    return now - part.creationTime >= this.limits.rolloverInterval || now - part.lastUpdateTime >= this.limits.inactivityInterval;
  }
}
