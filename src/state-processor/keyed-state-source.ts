import type { OperatorMetadata } from '../checkpoint/index.js';
import { readSubtaskState } from '../checkpoint/snapshot-loader.js';
import type { Boundedness, Collector, InputStatus, ReaderOutput, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import { WINDOW_CONTENTS_STATE } from '../runtime/operators/window/window-operator.js';
import { RecordContext } from '../runtime/record-context.js';
import { StreamingRuntimeContext } from '../runtime/runtime-context.js';
import { InternalTimerServiceImpl } from '../runtime/timers/internal-timer-service-impl.js';
import {
  EVENT_TIME_DOMAIN,
  KeyGroupRange,
  KeyedStateBackend,
  PROCESSING_TIME_DOMAIN,
  type StateDescriptor,
  type StateTable,
  TIMERS_STATE,
} from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import type { KeyedStateReaderContext, KeyedStateReaderFunction } from './keyed-state-reader-function.js';

/** One old subtask's keyed state, and how many of its keys were read (the reader's position). */
export interface KeyedStateSplit {
  readonly subtask: number;
  readonly next: number;
}

/**
 * The keyed state of one operator of a snapshot as a bounded source: a split per subtask that
 * wrote keyed state; its reader restores that subtask's key groups into a heap backend of its
 * own (checksums checked, values read through the descriptors the function registers, migrated
 * as on any restore), then calls the function once per key, in key-group order. Its position is
 * the number of keys read, so a job reading a savepoint is itself replayable.
 */
export class KeyedStateSource<K, OUT> implements Source<OUT, KeyedStateSplit> {
  readonly inlineInput = true;

  constructor(
    private readonly dir: string,
    private readonly op: OperatorMetadata,
    private readonly fn: KeyedStateReaderFunction<K, OUT>,
  ) {}

  getBoundedness(): Boundedness {
    return 'BOUNDED';
  }

  createSplits(): KeyedStateSplit[] {
    return this.op.subtasks.filter((h) => h.keyGroupRange !== null && h.keyGroupRange !== undefined).map((h) => ({ subtask: h.subtask, next: 0 }));
  }

  createReader(context: SourceReaderContext): SourceReader<OUT, KeyedStateSplit> {
    return new KeyedStateReader(this.dir, this.op, this.fn, context);
  }
}

/** The keys of one split, restored, with what reading them needs. */
interface OpenSplit {
  readonly subtask: number;
  readonly keys: readonly unknown[];
  readonly groups: readonly number[];
  readonly backend: KeyedStateBackend;
  readonly timers: StateTable<unknown[]> | undefined;
  next: number;
}

class KeyedStateReader<K, OUT> implements SourceReader<OUT, KeyedStateSplit> {
  private readonly queue: KeyedStateSplit[] = [];
  private current: OpenSplit | undefined;

  constructor(
    private readonly dir: string,
    private readonly op: OperatorMetadata,
    private readonly fn: KeyedStateReaderFunction<K, OUT>,
    private readonly context: SourceReaderContext,
  ) {}

  addSplits(splits: KeyedStateSplit[]): void {
    this.queue.push(...splits);
  }

  pollNext(output: ReaderOutput<OUT>, maxRecords: number): InputStatus {
    const s = this.current ?? this.openNext();
    if (s === undefined) return 'END_OF_INPUT';
    const out: Collector<OUT> = { collect: (v) => output.collect(v) };
    const end = Math.min(s.keys.length, s.next + Math.max(1, maxRecords));
    for (; s.next < end; s.next++) {
      const key = s.keys[s.next];
      const group = s.groups[s.next]!;
      s.backend.setCurrentKey(key, group);
      this.fn.readKey(key as K, timersOf(s, key, group), out);
    }
    if (s.next >= s.keys.length) this.current = undefined;
    return this.current !== undefined || this.queue.length > 0 ? 'MORE_AVAILABLE' : 'END_OF_INPUT';
  }

  snapshotState(): KeyedStateSplit[] {
    const open = this.current ? [{ subtask: this.current.subtask, next: this.current.next }] : [];
    return [...open, ...this.queue];
  }

  close(): void | Promise<void> {
    return this.fn.close();
  }

  /** Restores the next split's subtask and lists its keys; undefined when none is left. */
  private openNext(): OpenSplit | undefined {
    const split = this.queue.shift();
    if (split === undefined) return undefined;
    const handle = this.op.subtasks.find((h) => h.subtask === split.subtask);
    if (handle === undefined) throw new SnapshotRestoreError(`Operator '${this.op.uid}' in ${this.dir} has no subtask ${split.subtask} to read.`);
    const read = readSubtaskState(this.dir, this.op, handle);
    if (read.problem !== undefined) throw new SnapshotRestoreError(`Cannot read the state of ${this.dir}: ${read.problem}.`);
    const range = KeyGroupRange.forSubtask(this.op.maxParallelism, this.op.parallelism, split.subtask);
    // TTL is judged at the reading job's processing time (Flink's reader: the processing time of
    // its task), not the system clock behind the job's back.
    const backend = new KeyedStateBackend(this.op.maxParallelism, range, { clock: this.context.clock });
    for (const block of read.content.keyGroups) backend.restoreKeyGroup(block, read.content.kinds);
    // Timers are keyed state of their own; the timer service turns a format-2 file's into it.
    new InternalTimerServiceImpl(backend, this.context.clock, new RecordContext(), this.op.uid).restore(read.content.legacyTimers);
    const registered = this.openFunction(backend, split.subtask);
    checkRegistered(this.dir, this.op.uid, registered, Object.keys(read.content.kinds));
    const { keys, groups } = keysOf(backend, range, registered);
    // A window operator's timers are its windows' (Flink keeps them in 'window-timers', apart from
    // a process function's 'user-timers', which is all the context shows): the global window's
    // namespace, and a time window's starting at 0, is 0 like a process function's, so they are
    // told apart by the operator, not by the namespace.
    const windowOperator = Object.hasOwn(read.content.kinds, WINDOW_CONTENTS_STATE);
    const timers = windowOperator ? undefined : (backend.stateTables().get(TIMERS_STATE)?.table as StateTable<unknown[]> | undefined);
    this.current = { subtask: split.subtask, keys, groups, backend, timers, next: split.next };
    return this.current;
  }

  /** Opens the function against `backend`; returns the names of the states it registered. */
  private openFunction(backend: KeyedStateBackend, subtask: number): string[] {
    const registered: string[] = [];
    const info = {
      jobId: '',
      taskName: `Savepoint reader of '${this.op.uid}' (subtask ${subtask + 1}/${this.op.parallelism})`,
      subtaskIndex: this.context.subtaskIndex,
      parallelism: this.context.parallelism,
      maxParallelism: this.op.maxParallelism,
      attemptNumber: 0,
      checkpointing: false,
    };
    this.fn.setRuntimeContext(new RecordingRuntimeContext(info, backend, registered));
    const opened = this.fn.open({ attemptNumber: 0 });
    if (opened instanceof Promise) {
      throw new TypeError(`A KeyedStateReaderFunction's open() must register its states synchronously (it returned a promise).`);
    }
    if (registered.length === 0) {
      throw new TypeError(
        `The KeyedStateReaderFunction reading '${this.op.uid}' registered no state in open(): register the states to read with getRuntimeContext().getState(...) and the like.`,
      );
    }
    return registered;
  }
}

/** A runtime context that notes the states a reader function registers. */
class RecordingRuntimeContext extends StreamingRuntimeContext {
  constructor(
    info: ConstructorParameters<typeof StreamingRuntimeContext>[0],
    backend: KeyedStateBackend,
    private readonly registered: string[],
  ) {
    super(info, backend);
  }

  protected override getPartitionedState<S>(descriptor: StateDescriptor): S {
    const state = super.getPartitionedState<S>(descriptor);
    if (!this.registered.includes(descriptor.name)) this.registered.push(descriptor.name);
    return state;
  }
}

/**
 * A state the function registered that the operator never wrote is a mistake (a typo, another
 * operator's uid), not an empty state: it is refused, naming the states there are.
 */
function checkRegistered(dir: string, uid: string, registered: readonly string[], written: readonly string[]): void {
  const missing = registered.filter((name) => !written.includes(name));
  if (missing.length === 0) return;
  const user = written.filter((name) => !name.startsWith('_')).map((name) => `'${name}'`);
  throw new SnapshotRestoreError(
    `Operator '${uid}' in ${dir} has no keyed state ${missing.map((name) => `'${name}'`).join(', ')}${user.length > 0 ? `; it has ${user.join(', ')}` : '; it has none of its own'}.`,
    'snapshot.unknownState',
  );
}

/**
 * Every key that has a value in any of the `registered` states, once, in key-group order (and
 * within a key group in the order of the states, then of their entries): the same order every
 * time the same files are read, so a position (a count of keys) means the same keys again.
 */
function keysOf(backend: KeyedStateBackend, range: KeyGroupRange, registered: readonly string[]): { keys: unknown[]; groups: number[] } {
  const tables = backend.stateTables();
  const keys: unknown[] = [];
  const groups: number[] = [];
  for (let kg = range.start; kg <= range.end; kg++) {
    const seen = new Set<unknown>();
    for (const name of registered) {
      const table = tables.get(name)?.table;
      if (table === undefined) continue;
      for (const [key] of table.entries(kg)) {
        if (seen.has(key)) continue;
        seen.add(key);
        keys.push(key);
        groups.push(kg);
      }
    }
  }
  return { keys, groups };
}

/** The reader context of `key`: its process-function timers (namespace 0), by domain. */
function timersOf(s: OpenSplit, key: unknown, group: number): KeyedStateReaderContext {
  const stored = s.timers?.get(group, key);
  const of = (domain: number) => (): number[] => {
    const times: number[] = [];
    if (stored === undefined) return times;
    for (let i = 1; i < stored.length; i += 3) if (stored[i] === domain && stored[i + 2] === 0) times.push(stored[i + 1] as number);
    return times.sort((a, b) => a - b);
  };
  return { registeredEventTimeTimers: of(EVENT_TIME_DOMAIN), registeredProcessingTimeTimers: of(PROCESSING_TIME_DOMAIN) };
}
