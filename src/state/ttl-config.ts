import { type DurationLike, Time, durationToMillis } from '../util/time.js';
import { describeArgument } from '../util/describe-argument.js';

/** When a TTL'd value's timestamp is refreshed. */
export const UpdateType = {
  /** On creation and every write (the default). */
  OnCreateAndWrite: 'OnCreateAndWrite',
  /** Also on every read. */
  OnReadAndWrite: 'OnReadAndWrite',
} as const;
export type UpdateType = (typeof UpdateType)[keyof typeof UpdateType];

/** Whether an expired value that is still stored may be returned. */
export const StateVisibility = {
  /** Expired values are never returned (the default). */
  NeverReturnExpired: 'NeverReturnExpired',
  /** An expired value not yet cleaned up is returned once (and removed). */
  ReturnExpiredIfNotCleanedUp: 'ReturnExpiredIfNotCleanedUp',
} as const;
export type StateVisibility = (typeof StateVisibility)[keyof typeof StateVisibility];

/**
 * Time-to-live of a state's values, after Flink's StateTtlConfig (processing time). Expired
 * values are removed when read; `cleanupFullSnapshot` keeps them out of snapshots;
 * `cleanupIncrementally` checks a few entries on each state access (and, optionally, record).
 *
 * @example
 * const ttl = StateTtlConfig.newBuilder(Time.hours(24))
 *   .setUpdateType(UpdateType.OnCreateAndWrite)
 *   .setStateVisibility(StateVisibility.NeverReturnExpired)
 *   .cleanupFullSnapshot()
 *   .build();
 * descriptor.enableTimeToLive(ttl);
 */
export class StateTtlConfig {
  private constructor(
    readonly ttlMs: number,
    readonly updateType: UpdateType,
    readonly visibility: StateVisibility,
    readonly cleanupFullSnapshot: boolean,
    readonly incrementalCleanup: { readonly size: number; readonly perRecord: boolean } | undefined,
  ) {}

  /** Starts a config whose values live `ttl` (a Duration, as Flink 2.x takes, a Time, or milliseconds) after their last update. */
  static newBuilder(ttl: DurationLike | number): StateTtlConfigBuilder {
    return new StateTtlConfigBuilder(typeof ttl === 'number' ? ttl : durationToMillis(ttl, 'A state TTL'));
  }

  /** @internal */
  static create(b: StateTtlConfigBuilder): StateTtlConfig {
    return new StateTtlConfig(b.ttlMs, b.updateType, b.visibility, b.fullSnapshot, b.incremental);
  }
}

/** Builds a {@link StateTtlConfig}. */
export class StateTtlConfigBuilder {
  /** @internal */ updateType: UpdateType = UpdateType.OnCreateAndWrite;
  /** @internal */ visibility: StateVisibility = StateVisibility.NeverReturnExpired;
  /** @internal */ fullSnapshot = false;
  /** @internal */ incremental: { size: number; perRecord: boolean } | undefined;

  constructor(readonly ttlMs: number) {
    if (!(Number.isFinite(ttlMs) && ttlMs > 0)) throw new RangeError(`A state TTL must be a positive time, got ${ttlMs} ms.`);
  }

  setUpdateType(type: UpdateType): this {
    if (!Object.values(UpdateType).includes(type)) throw new RangeError(`Unknown TTL update type ${String(type)}.`);
    this.updateType = type;
    return this;
  }

  setStateVisibility(visibility: StateVisibility): this {
    if (!Object.values(StateVisibility).includes(visibility)) throw new RangeError(`Unknown TTL state visibility ${String(visibility)}.`);
    this.visibility = visibility;
    return this;
  }

  /** Expired values never reach a snapshot. */
  cleanupFullSnapshot(): this {
    this.fullSnapshot = true;
    return this;
  }

  /**
   * Checks `cleanupSize` entries for expiry on every access to the state and, if
   * `runCleanupForEveryRecord`, on every record the operator processes.
   */
  cleanupIncrementally(cleanupSize: number, runCleanupForEveryRecord = false): this {
    if (!(Number.isInteger(cleanupSize) && cleanupSize > 0)) throw new RangeError(`cleanupIncrementally needs a positive size, got ${describeArgument(cleanupSize)}.`);
    this.incremental = { size: cleanupSize, perRecord: runCleanupForEveryRecord };
    return this;
  }

  build(): StateTtlConfig {
    return StateTtlConfig.create(this);
  }
}

export { Time };
