/**
 * The source contract (after Flink's FLIP-27): a source cuts its input into splits; each
 * parallel reader works through the splits it was given and can report, at any moment, how far
 * it got in each. Those positions are the reader's operator state, which makes every source
 * replayable.
 */
import type { Clock } from '../util/clock.js';
import type { MetricGroup } from './metrics.js';
import type { WatermarkOutput } from './watermark.js';

/** Whether a source ends. */
export type Boundedness = 'BOUNDED' | 'CONTINUOUS_UNBOUNDED';

/** What `pollNext` found. */
export type InputStatus = 'MORE_AVAILABLE' | 'NOTHING_AVAILABLE' | 'END_OF_INPUT';

/** What a reader knows of where it runs. */
export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly clock: Clock;
  /** Where the reader registers its own metrics (Flink's SourceReaderContext.metricGroup()); shown under the source's name. */
  readonly metricGroup?: MetricGroup;
  /**
   * Tells the engine that records arrived for a reader that last returned NOTHING_AVAILABLE
   * (a socket's data event, a client's callback): it is polled at once rather than at its
   * `nextAvailableTime()` — the role of Flink's `SourceReader.isAvailable()` future. Safe to call
   * from any callback on the reader's thread, as often as data comes.
   */
  readonly notifyAvailable?: () => void;
  /**
   * Asks the source's {@link SplitEnumerator} for a split (Flink's `sendSplitRequest()`): its
   * answer, a split or the end of them, comes later through {@link SourceReader.addSplits} or
   * {@link SourceReader.notifyNoMoreSplits}, never within this call. Set by the engine for a source
   * with an enumerator; a reader asks when it starts without splits and again each time it
   * finished the ones it had (a request in flight when a checkpoint was taken is not in it: a
   * restored reader without splits asks again).
   */
  readonly sendSplitRequest?: () => void;
}

/**
 * Where a reader emits records (Flink's SourceOutput). `timestamp` is the record's own time if
 * the source knows one (e.g. an event's time); the watermark strategy's timestamp assigner sees
 * it and may replace it. As a WatermarkOutput, a reader may also emit watermarks itself.
 */
export interface SourceOutput<T> extends WatermarkOutput {
  collect(record: T, timestamp?: number): void;
}

/**
 * The output `pollNext` gets (Flink's ReaderOutput). A reader that reads several splits should
 * emit each split's records through `createOutputForSplit(splitId)`: each split then gets its own
 * watermark generator, and the source's watermark is the minimum over its splits' (idle splits
 * left out), so a split that is behind does not find its records late. Create the output of
 * every split the reader holds before reading any (Flink's source operator creates them when
 * splits are assigned), so a split not read yet holds the watermark back; release a split's
 * output when the split is finished. A reader without splits uses this output directly.
 */
export interface ReaderOutput<T> extends SourceOutput<T> {
  /** The output of split `splitId`, created on first use; the same object afterwards. */
  createOutputForSplit(splitId: string): SourceOutput<T>;
  /** The split is finished: its watermark no longer holds the source's back. */
  releaseOutputForSplit(splitId: string): void;
}

/** One parallel instance of a source. */
export interface SourceReader<T, Split> {
  /** Hands the reader splits to read (at start, or restored from a snapshot). */
  addSplits(splits: Split[]): void;
  /** Emits at most `maxRecords` records; must not block. */
  pollNext(output: ReaderOutput<T>, maxRecords: number): InputStatus;
  /** After NOTHING_AVAILABLE: the earliest time more may be available (ms since epoch). */
  nextAvailableTime?(): number;
  /**
   * The unfinished splits with their current positions, as checkpoint (or savepoint)
   * `checkpointId` stores them; must be cheap and synchronous. A reader that commits its
   * positions somewhere on completion (see {@link notifyCheckpointComplete}) keeps what it
   * returned here under the id.
   */
  snapshotState(checkpointId: number): Split[];
  /**
   * Checkpoint (or savepoint) `checkpointId` is complete: published, so a restore starts from
   * the positions {@link snapshotState} returned for it. The moment to commit them outside the job
   * — a Kafka reader commits its offsets to the broker's consumer group here, as Flink's does
   * (the job restores from its own snapshots, not from those commits). Not called for a
   * checkpoint that did not complete, and notifications may skip ids: a later one covers the
   * earlier ones. Runs on the reader's thread between its polls; a throw or a rejected promise
   * fails the job, as a sink's failed commit does.
   */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  /** Checkpoint `checkpointId` was aborted (it failed or timed out): what {@link snapshotState} kept for it can go. */
  notifyCheckpointAborted?(checkpointId: number): void;
  /**
   * A source with an enumerator: the enumerator will assign this reader no more splits
   * (Flink's `notifyNoMoreSplits`); a bounded reader ends once it finished the splits it has.
   */
  notifyNoMoreSplits?(): void;
  /** Releases the reader; a promise (e.g. a user function's asynchronous close) is awaited, and a rejection fails the task as a throw would. */
  close?(): void | Promise<void>;
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
  /**
   * False for a source that cannot read its input again (a socket): a restore cannot take it
   * back to a position, so a missing uid on it is not warned about either.
   */
  readonly replayable?: boolean;
  /**
   * Splits of the whole input, created once when the job starts from scratch and dealt to the
   * readers round robin. A source with an enumerator ({@link createEnumerator}) has none: its
   * readers ask for splits.
   */
  createSplits?(parallelism: number): Split[];
  createReader(context: SourceReaderContext): SourceReader<T, Split>;
  /**
   * The source's split enumerator (Flink's FLIP-27 SplitEnumerator), for a job that starts from
   * scratch: it runs once per source, on the job's main thread, and hands splits to the readers
   * that ask. Without it the source's splits come from {@link createSplits}.
   */
  createEnumerator?(context: SplitEnumeratorContext<Split>): SplitEnumerator<Split, unknown>;
  /**
   * The enumerator of a restored job, from what its {@link SplitEnumerator.snapshotState} returned
   * in the snapshot (`state`, whatever it was, undefined included). `legacy` is true when the
   * snapshot holds no enumerator state for the source — one taken before the source had an
   * enumerator: the readers' restored splits then hold all of the source's position (`state` is
   * undefined). A damaged entry never restores as legacy: the restore is refused.
   */
  restoreEnumerator?(context: SplitEnumeratorContext<Split>, state: unknown, legacy: boolean): SplitEnumerator<Split, unknown>;
}

/**
 * What a {@link SplitEnumerator} knows of the job and how it answers the readers (Flink's
 * SplitEnumeratorContext). Every call is made on the job's main thread; an assignment reaches
 * the reader asynchronously, in order with the other assignments to it.
 */
export interface SplitEnumeratorContext<Split> {
  /** The source's parallelism (the number of readers). */
  readonly parallelism: number;
  readonly clock: Clock;
  /** The subtasks whose readers are registered (all of them once the job runs). */
  registeredReaders(): ReadonlySet<number>;
  /** Gives `split` to the reader of subtask `subtask`; it is the reader's from now on (its state). */
  assignSplit(split: Split, subtask: number): void;
  /** Gives several splits at once, by subtask. */
  assignSplits(assignment: ReadonlyMap<number, readonly Split[]>): void;
  /** Tells the reader of `subtask` that no more splits will come. */
  signalNoMoreSplits(subtask: number): void;
  /**
   * Runs `callable` (e.g. listing a directory) now or after `initialDelayMs`, then every
   * `periodMs` if given, and `handler` with its result on the main thread (Flink's callAsync).
   * A rejected callable hands its error to `handler`; a throw from `handler` fails the job.
   * Stops when the enumerator closes.
   */
  callAsync<R>(callable: () => R | Promise<R>, handler: (result: R | undefined, error: unknown) => void, initialDelayMs?: number, periodMs?: number): void;
}

/**
 * The source's one coordinator of splits (Flink's SplitEnumerator): it discovers splits (files,
 * partitions) and hands them to the readers that ask. Its state — the splits not assigned yet
 * and what it must remember (paths it handed out) — is taken at every checkpoint before the
 * readers', so each split is, in a completed checkpoint, in exactly one place: the enumerator's
 * state or one reader's.
 */
export interface SplitEnumerator<Split, State> {
  /** Called once before any other call but {@link snapshotState} (e.g. to list, or to start periodic discovery). */
  start(): void;
  /** The reader of `subtask` asks for a split (`requesterHostname` is always undefined here: one host). */
  handleSplitRequest(subtask: number, requesterHostname?: string): void;
  /** The reader of `subtask` is registered (at each run's start). */
  addReader(subtask: number): void;
  /**
   * The enumerator's state in checkpoint `checkpointId`, as plain data (it is encoded like
   * operator state, with no functions or classes); synchronous and cheap.
   */
  snapshotState(checkpointId: number): State;
  /** Checkpoint `checkpointId` is complete. A throw fails the job. */
  notifyCheckpointComplete?(checkpointId: number): void;
  /**
   * Checkpoint `checkpointId` was aborted (it failed, timed out or was declined), whether or not
   * its {@link snapshotState} was taken: what the enumerator kept for it can go (Flink's
   * `CheckpointListener.notifyCheckpointAborted`, a no-op by default). A throw fails the job.
   */
  notifyCheckpointAborted?(checkpointId: number): void;
  /** The job's run ends (also on failover: the next run's enumerator is restored anew). */
  close?(): void;
}
