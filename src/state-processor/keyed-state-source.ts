import type { OperatorMetadata } from '../checkpoint/index.js';
import type { Boundedness, Collector, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import { WINDOW_CONTENTS_STATE } from '../runtime/operators/window/window-operator.js';
import { StreamingRuntimeContext } from '../runtime/runtime-context.js';
import { instantiateUserFunction } from '../runtime/operators/user-function.js';
import { EVENT_TIME_DOMAIN, type KeyGroupRange, type KeyedStateBackend, PROCESSING_TIME_DOMAIN, type StateDescriptor, entriesByKeyGroup } from '../state/index.js';
import { SnapshotRestoreError } from '../util/errors.js';
import { KeyedSplitReader, type KeyedStateSplit, type RestoredSubtask, type SplitUnits, keyedSplitsOf, timersIn, timersTable } from './keyed-split-reader.js';
import type { KeyedStateReaderContext, KeyedStateReaderFunction } from './keyed-state-reader-function.js';

export type { KeyedStateSplit } from './keyed-split-reader.js';

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
    return keyedSplitsOf(this.op);
  }

  createReader(context: SourceReaderContext): SourceReader<OUT, KeyedStateSplit> {
    // Each reading subtask its own function (Flink's, deserialized per subtask): its states are
    // bound to the backend of the split it reads, and subtasks in one thread take turns.
    return new KeyedStateReader(this.dir, this.op, instantiateUserFunction(this.fn), context);
  }
}

class KeyedStateReader<K, OUT> extends KeyedSplitReader<OUT> {
  constructor(
    dir: string,
    op: OperatorMetadata,
    private readonly fn: KeyedStateReaderFunction<K, OUT>,
    context: SourceReaderContext,
  ) {
    super(dir, op, context);
  }

  protected closeFunction(): void | Promise<void> {
    return this.fn.close();
  }

  protected openSplit({ subtask, backend, range, kinds }: RestoredSubtask): SplitUnits<OUT> {
    const registered = this.openFunction(backend, subtask);
    checkRegistered(this.dir, this.op.uid, registered, Object.keys(kinds));
    const { keys, groups } = keysOf(backend, range, registered);
    // A window operator's timers are its windows' (Flink keeps them in 'window-timers', apart from
    // a process function's 'user-timers', which is all the context shows): the global window's
    // namespace, and a time window's starting at 0, is 0 like a process function's, so they are
    // told apart by the operator, not by the namespace.
    const timers = Object.hasOwn(kinds, WINDOW_CONTENTS_STATE) ? undefined : timersTable(backend);
    const fn = this.fn;
    return {
      count: keys.length,
      read(index: number, out: Collector<OUT>): void {
        const key = keys[index];
        const group = groups[index]!;
        backend.setCurrentKey(key, group);
        const stored = timers?.get(group, key);
        const ctx: KeyedStateReaderContext = {
          registeredEventTimeTimers: () => timersIn(stored, EVENT_TIME_DOMAIN, 0),
          registeredProcessingTimeTimers: () => timersIn(stored, PROCESSING_TIME_DOMAIN, 0),
        };
        fn.readKey(key as K, ctx, out);
      },
    };
  }

  /** Opens the function against `backend`; returns the names of the states it registered. */
  private openFunction(backend: KeyedStateBackend, subtask: number): string[] {
    const registered: string[] = [];
    this.fn.setRuntimeContext(new RecordingRuntimeContext(this.taskInfo(subtask), backend, registered));
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
  // Each state's entries in key group order, walked once (not once per key group: see entriesByKeyGroup).
  const perState = registered.flatMap((name) => {
    const table = tables.get(name)?.table;
    return table === undefined ? [] : [entriesByKeyGroup(table, range.start, range.end)];
  });
  const at = perState.map(() => 0);
  for (let kg = range.start; kg <= range.end; kg++) {
    const seen = new Set<unknown>();
    perState.forEach((entries, s) => {
      let i = at[s]!;
      for (; i < entries.length && entries[i]!.keyGroup === kg; i++) {
        const key = entries[i]!.key;
        if (seen.has(key)) continue;
        seen.add(key);
        keys.push(key);
        groups.push(kg);
      }
      at[s] = i;
    });
  }
  return { keys, groups };
}
