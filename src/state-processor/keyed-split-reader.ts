/**
 * What reading keyed state of a snapshot takes, whatever is read of it (keys for
 * `readKeyedState`, windows for `window(...)`): a split per subtask that wrote keyed state, its
 * key groups restored into a heap backend of the reader's own, and a position that counts what
 * was read, so a job reading a savepoint is itself replayable.
 */
import type { OperatorMetadata } from '../checkpoint/index.js';
import { readSubtaskState } from '../checkpoint/snapshot-loader.js';
import type { Collector, InputStatus, ReaderOutput, SourceReader, SourceReaderContext } from '../graph/index.js';
import { RecordContext } from '../runtime/record-context.js';
import type { StreamingRuntimeContext } from '../runtime/runtime-context.js';
import { InternalTimerServiceImpl } from '../runtime/timers/internal-timer-service-impl.js';
import { KeyGroupRange, KeyedStateBackend, type StateKinds, type StateTable, TIMERS_STATE } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';

/** One old subtask's keyed state, and how many of its units (keys, windows) were read (the reader's position). */
export interface KeyedStateSplit {
  readonly subtask: number;
  readonly next: number;
}

/** A split for every subtask of `op` that wrote keyed state. */
export function keyedSplitsOf(op: OperatorMetadata): KeyedStateSplit[] {
  return op.subtasks.filter((h) => h.keyGroupRange !== null && h.keyGroupRange !== undefined).map((h) => ({ subtask: h.subtask, next: 0 }));
}

/** One old subtask's keyed state, restored. */
export interface RestoredSubtask {
  readonly subtask: number;
  readonly backend: KeyedStateBackend;
  readonly range: KeyGroupRange;
  /** The metadata of every keyed state the subtask wrote, by name. */
  readonly kinds: StateKinds;
}

/** What a split holds to read: its units in an order that is the same every time its files are read, so a position means the same units again. */
export interface SplitUnits<OUT> {
  readonly count: number;
  /** Reads unit `index` into `out`. */
  read(index: number, out: Collector<OUT>): void;
}

interface OpenSplit<OUT> {
  readonly subtask: number;
  readonly units: SplitUnits<OUT>;
  next: number;
}

/**
 * A reader of keyed splits: restores each split's subtask in turn (checksums checked), asks
 * {@link openSplit} for its units, and reads them from the split's position on.
 */
export abstract class KeyedSplitReader<OUT> implements SourceReader<OUT, KeyedStateSplit> {
  private readonly queue: KeyedStateSplit[] = [];
  private current: OpenSplit<OUT> | undefined;

  constructor(
    protected readonly dir: string,
    protected readonly op: OperatorMetadata,
    protected readonly context: SourceReaderContext,
  ) {}

  /** The units of a restored subtask, with what reading them needs. */
  protected abstract openSplit(restored: RestoredSubtask): SplitUnits<OUT>;

  /** Closes the reader function the last {@link openSplit} opened. */
  protected abstract closeFunction(): void | Promise<void>;

  /**
   * A split's function is open (Flink opens and closes the reader function per split, as its
   * input format's open and close are; a reading subtask given no split never opens it).
   */
  private opened = false;
  /** The closes of earlier splits' functions that returned promises, awaited by {@link close}. */
  private closing: Promise<void> = Promise.resolve();

  async close(): Promise<void> {
    this.closeOpen();
    await this.closing;
  }

  /** Closes the open split's function, if one is; a promise it returns joins {@link closing}. */
  private closeOpen(): void {
    if (!this.opened) return;
    this.opened = false;
    const closed = this.closeFunction();
    if (closed instanceof Promise) {
      this.closing = Promise.all([this.closing, closed]).then(() => undefined);
      // Awaited by close(); until then a rejection is not an unhandled one.
      this.closing.catch(() => undefined);
    }
  }

  addSplits(splits: KeyedStateSplit[]): void {
    this.queue.push(...splits);
  }

  pollNext(output: ReaderOutput<OUT>, maxRecords: number): InputStatus {
    const s = this.current ?? this.openNext();
    if (s === undefined) return 'END_OF_INPUT';
    const out: Collector<OUT> = { collect: (v) => output.collect(v) };
    const end = Math.min(s.units.count, s.next + Math.max(1, maxRecords));
    for (; s.next < end; s.next++) s.units.read(s.next, out);
    if (s.next >= s.units.count) this.current = undefined;
    return this.current !== undefined || this.queue.length > 0 ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
  }

  /** The task of a function reading old subtask `subtask` (its runtime context's). */
  protected taskInfo(subtask: number): ConstructorParameters<typeof StreamingRuntimeContext>[0] {
    return {
      jobId: '',
      taskName: `Savepoint reader of '${this.op.uid}' (subtask ${subtask + 1}/${this.op.parallelism})`,
      subtaskIndex: this.context.subtaskIndex,
      parallelism: this.context.parallelism,
      maxParallelism: this.op.maxParallelism,
      attemptNumber: 0,
      checkpointing: false,
    };
  }

  snapshotState(): KeyedStateSplit[] {
    const open = this.current ? [{ subtask: this.current.subtask, next: this.current.next }] : [];
    return [...open, ...this.queue];
  }

  /** Restores the next split's subtask and lists its units; undefined when none is left. */
  private openNext(): OpenSplit<OUT> | undefined {
    const split = this.queue.shift();
    if (split === undefined) return undefined;
    this.closeOpen();
    const restored = this.restore(split.subtask);
    this.opened = true;
    this.current = { subtask: split.subtask, units: this.openSplit(restored), next: split.next };
    return this.current;
  }

  private restore(subtask: number): RestoredSubtask {
    const handle = this.op.subtasks.find((h) => h.subtask === subtask);
    if (handle === undefined) throw new SnapshotRestoreError(`Operator '${this.op.uid}' in ${this.dir} has no subtask ${subtask} to read.`);
    const read = readSubtaskState(this.dir, this.op, handle);
    if (read.problem !== undefined) throw new SnapshotRestoreError(`Cannot read the state of ${this.dir}: ${read.problem}.`);
    const range = KeyGroupRange.forSubtask(this.op.maxParallelism, this.op.parallelism, subtask);
    // TTL is judged at the reading job's processing time (Flink's reader: the processing time of
    // its task), not the system clock behind the job's back.
    const backend = new KeyedStateBackend(this.op.maxParallelism, range, { clock: this.context.clock });
    for (const block of read.content.keyGroups) backend.restoreKeyGroup(block, read.content.kinds);
    // Timers are keyed state of their own; the timer service turns a format-2 file's into it.
    new InternalTimerServiceImpl(backend, this.context.clock, new RecordContext(), this.op.uid).restore(read.content.legacyTimers);
    return { subtask, backend, range, kinds: read.content.kinds };
  }
}

/** A subtask's timers: per key, `[key, domain, time, namespace, ...]` (see state/snapshot-format/timers-state.ts). */
export function timersTable(backend: KeyedStateBackend): StateTable<unknown[]> | undefined {
  return backend.stateTables().get(TIMERS_STATE)?.table as StateTable<unknown[]> | undefined;
}

/** The times of a key's timers (its `_timers` value) in `domain` and `namespace`, in time order. */
export function timersIn(stored: readonly unknown[] | undefined, domain: number, namespace: unknown): number[] {
  const times: number[] = [];
  if (stored === undefined) return times;
  for (let i = 1; i < stored.length; i += 3) if (stored[i] === domain && stored[i + 2] === namespace) times.push(stored[i + 1] as number);
  return times.sort((a, b) => a - b);
}
