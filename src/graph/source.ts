/**
 * The source contract (after Flink's FLIP-27): a source cuts its input into splits; each
 * parallel reader works through the splits it was given and can report, at any moment, how far
 * it got in each. Those positions are the reader's operator state, which makes every source
 * replayable.
 */
import type { Clock } from '../util/clock.js';
import type { Collector } from './functions.js';

/** Whether a source ends. */
export type Boundedness = 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';

/** What `pollNext` found. */
export type InputStatus = 'MORE_AVAILABLE' | 'NOTHING_AVAILABLE' | 'END_OF_INPUT';

/** What a reader knows of where it runs. */
export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly clock: Clock;
}

/** One parallel instance of a source. */
export interface SourceReader<T, Split> {
  /** Hands the reader splits to read (at start, or restored from a snapshot). */
  addSplits(splits: Split[]): void;
  /** Emits at most `maxRecords` records; must not block. */
  pollNext(output: Collector<T>, maxRecords: number): InputStatus;
  /** After NOTHING_AVAILABLE: the earliest time more may be available (ms since epoch). */
  nextAvailableTime?(): number;
  /** The unfinished splits with their current positions; must be cheap and synchronous. */
  snapshotState(): Split[];
  close?(): void;
}

/** A replayable source of records of type `T`. */
export interface Source<T, Split = unknown> {
  getBoundedness(): Boundedness;
  /** The largest parallelism the source supports (1 for a non-parallel source). */
  readonly maxSourceParallelism?: number;
  /**
   * The records are written in the job file itself (fromElements, fromCollection, fromSequence):
   * such a source is for examples and tests, so a missing uid on it is not warned about.
   */
  readonly inlineInput?: boolean;
  /** Splits of the whole input, created once when the job starts from scratch. */
  createSplits(parallelism: number): Split[];
  createReader(context: SourceReaderContext): SourceReader<T, Split>;
}
