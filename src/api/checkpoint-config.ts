import { type EnumValue, stringEnum } from '../util/string-enum.js';
import { describeArgument } from '../util/describe-argument.js';

/** Consistency of checkpoints: aligned barriers (EXACTLY_ONCE) or unaligned (AT_LEAST_ONCE). */
export const CheckpointingMode = stringEnum('EXACTLY_ONCE', 'AT_LEAST_ONCE');
export type CheckpointingMode = EnumValue<typeof CheckpointingMode>;

/** What happens to retained checkpoints when a job is cancelled. */
export const ExternalizedCheckpointRetention = stringEnum('RETAIN_ON_CANCELLATION', 'DELETE_ON_CANCELLATION', 'NO_EXTERNALIZED_CHECKPOINTS');
export type ExternalizedCheckpointRetention = EnumValue<typeof ExternalizedCheckpointRetention>;

/** Checkpoint settings made in job code; unset fields fall back to config.yaml, -D and defaults. */
export interface CheckpointSettings {
  interval?: number;
  mode?: CheckpointingMode;
  timeout?: number;
  minPause?: number;
  maxConcurrent?: number;
  tolerableFailures?: number;
  externalizedRetention?: ExternalizedCheckpointRetention;
  storageDir?: string;
}

function nonNegative(name: string, v: number, min = 0): number {
  if (!Number.isFinite(v) || v < min || !Number.isInteger(v)) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${describeArgument(v)}.`);
  }
  return v;
}

/**
 * Flink's CheckpointConfig: the checkpoint settings of a job, as set in its code. Values set
 * here win over `config.yaml` and `-D`.
 */
export class CheckpointConfig {
  /** @internal */
  readonly settings: CheckpointSettings = {};

  setCheckpointInterval(ms: number): void {
    this.settings.interval = nonNegative('The checkpoint interval', ms, 1);
  }
  setCheckpointingMode(mode: CheckpointingMode): void {
    if (mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') throw new RangeError(`Unknown checkpointing mode ${String(mode)}.`);
    this.settings.mode = mode;
  }
  setCheckpointTimeout(ms: number): void {
    this.settings.timeout = nonNegative('The checkpoint timeout', ms, 1);
  }
  setMinPauseBetweenCheckpoints(ms: number): void {
    this.settings.minPause = nonNegative('The minimum pause between checkpoints', ms);
  }
  setMaxConcurrentCheckpoints(n: number): void {
    this.settings.maxConcurrent = nonNegative('The number of concurrent checkpoints', n, 1);
  }
  setTolerableCheckpointFailureNumber(n: number): void {
    this.settings.tolerableFailures = nonNegative('The tolerable checkpoint failure number', n);
  }
  setExternalizedCheckpointRetention(retention: ExternalizedCheckpointRetention): void {
    if (!Object.values(ExternalizedCheckpointRetention).includes(retention)) {
      throw new RangeError(`Unknown externalized checkpoint retention ${String(retention)}.`);
    }
    this.settings.externalizedRetention = retention;
  }
  /** Where checkpoints are written (`execution.checkpointing.dir`). */
  setCheckpointStorage(directory: string): void {
    if (typeof directory !== 'string' || directory.length === 0) throw new TypeError('The checkpoint storage needs a directory path.');
    this.settings.storageDir = directory.startsWith('file://') ? new URL(directory).pathname : directory;
  }
  isCheckpointingEnabled(): boolean {
    return this.settings.interval !== undefined;
  }
  getCheckpointInterval(): number {
    return this.settings.interval ?? -1;
  }
  getCheckpointingMode(): CheckpointingMode {
    return this.settings.mode ?? 'EXACTLY_ONCE';
  }
}
