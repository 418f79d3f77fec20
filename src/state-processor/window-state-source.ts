/**
 * The windows of one window operator of a snapshot as a bounded source (Flink's
 * WindowReaderOperator over its KeyedStateSource): a split per subtask that wrote keyed state;
 * its reader restores that subtask's key groups, then calls the reader function once per key and
 * window that has contents, in key-group order. Windows are found as a restore finds them: a
 * time window by its namespace in the contents state; a session through the key's merging-window
 * set, its contents in the state window the set names. Its position is the number of windows read.
 */
import type { OperatorMetadata } from '../checkpoint/index.js';
import type { Boundedness, Collector, Source, SourceReader, SourceReaderContext } from '../graph/index.js';
import { instantiateUserFunction } from '../runtime/operators/user-function.js';
import type { AppendingState } from '../runtime/operators/window/window-contents-state.js';
import { MERGING_WINDOW_SET_STATE, WINDOW_CONTENTS_STATE } from '../runtime/operators/window/window-operator.js';
import { StreamingRuntimeContext } from '../runtime/runtime-context.js';
import { type KeyedStateBackend, type Namespace, type NamespaceMap, type StateTable, entriesByKeyGroup } from '../state/index.js';
import type { Window, WindowMappingEntry, WindowSerializer } from '../windowing/index.js';
import { KeyedSplitReader, type KeyedStateSplit, type RestoredSubtask, type SplitUnits, keyedSplitsOf, timersTable } from './keyed-split-reader.js';
import { type WindowContentsRead, checkWindowContents, contentsReadDescriptor, elementsOf } from './window-contents-read.js';
import { WindowReaderContextImpl } from './window-reader-context.js';
import type { WindowReaderFunction } from './window-reader-function.js';

/** How the reader's assigner keeps windows: its serializer, and whether it merges them. */
export interface ReaderWindows<W extends Window> {
  readonly serializer: WindowSerializer<W>;
  readonly merging: boolean;
}

export class WindowStateSource<K, W extends Window, OUT> implements Source<OUT, KeyedStateSplit> {
  readonly inlineInput = true;

  constructor(
    private readonly dir: string,
    private readonly op: OperatorMetadata,
    private readonly windows: ReaderWindows<W>,
    private readonly read: WindowContentsRead,
    private readonly fn: WindowReaderFunction<unknown, OUT, K, W>,
  ) {}

  getBoundedness(): Boundedness {
    return 'BOUNDED';
  }

  createSplits(): KeyedStateSplit[] {
    return keyedSplitsOf(this.op);
  }

  createReader(context: SourceReaderContext): SourceReader<OUT, KeyedStateSplit> {
    // Each reading subtask its own function: its states are bound to the backend of its split.
    return new WindowStateReader(this.dir, this.op, this.windows, this.read, instantiateUserFunction(this.fn), context);
  }
}

/** One window of a key to read: where its contents are, and where its trigger state and timers are. */
interface WindowUnit<W> {
  readonly key: unknown;
  readonly group: number;
  readonly window: W;
  /** The window's namespace: its trigger state, per-window state and timers. */
  readonly namespace: Namespace;
  /** The namespace of its contents: its own, or (a merged session) that of the window holding them. */
  readonly stateNamespace: Namespace;
}

class WindowStateReader<K, W extends Window, OUT> extends KeyedSplitReader<OUT> {
  constructor(
    dir: string,
    op: OperatorMetadata,
    private readonly windows: ReaderWindows<W>,
    private readonly read: WindowContentsRead,
    private readonly fn: WindowReaderFunction<unknown, OUT, K, W>,
    context: SourceReaderContext,
  ) {
    super(dir, op, context);
  }

  protected closeFunction(): void | Promise<void> {
    return this.fn.close();
  }

  protected openSplit({ subtask, backend, range, kinds }: RestoredSubtask): SplitUnits<OUT> {
    const { serializer, merging } = this.windows;
    checkWindowContents(this.dir, this.op.uid, kinds, this.read, { windows: serializer.id, merging });
    const contents = backend.getOrCreateNamespacedState<AppendingState>(contentsReadDescriptor(this.read, serializer.id));
    const global = new StreamingRuntimeContext(this.taskInfo(subtask), backend);
    this.fn.setRuntimeContext(global);
    if (this.fn.open({ attemptNumber: 0 }) instanceof Promise) {
      throw new TypeError(`A WindowReaderFunction's open() must be synchronous (it returned a promise).`);
    }
    const units = merging ? sessionsOf(backend, range.start, range.end, serializer) : windowsOf(backend, range.start, range.end, serializer);
    const timers = timersTable(backend);
    const ctx = new WindowReaderContextImpl<W>(backend, global, merging);
    const { fn, read } = this;
    return {
      count: units.length,
      read(index: number, out: Collector<OUT>): void {
        const u = units[index]!;
        backend.setCurrentKey(u.key, u.group);
        contents.setCurrentNamespace(u.stateNamespace);
        const elements = elementsOf(read, contents.state.get());
        if (elements === undefined) return;
        ctx.set(u.window, u.namespace, timers?.get(u.group, u.key));
        fn.readWindow(u.key as K, ctx, elements, out);
      },
    };
  }
}

function contentsTable(backend: KeyedStateBackend): StateTable<NamespaceMap<unknown>> {
  return backend.stateTables().get(WINDOW_CONTENTS_STATE)!.table as StateTable<NamespaceMap<unknown>>;
}

/** Every key's windows with contents, each its own state window (windows that do not merge). */
function windowsOf<W extends Window>(backend: KeyedStateBackend, from: number, to: number, serializer: WindowSerializer<W>): WindowUnit<W>[] {
  const table = contentsTable(backend);
  const units: WindowUnit<W>[] = [];
  for (const { keyGroup: group, key, value: namespaces } of entriesByKeyGroup(table, from, to)) {
    for (const namespace of namespaces.keys()) units.push({ key, group, window: serializer.fromNamespace(namespace), namespace, stateNamespace: namespace });
  }
  return units;
}

/**
 * Every key's sessions with contents, from its merging-window set (Flink's MergingWindowSet):
 * each in-flight window with the state window holding its contents, as a restored operator
 * finds them. Flink's reader lists the contents' namespaces instead, so a merged session shows
 * there as the window its contents stayed in.
 */
function sessionsOf<W extends Window>(backend: KeyedStateBackend, from: number, to: number, serializer: WindowSerializer<W>): WindowUnit<W>[] {
  const table = contentsTable(backend);
  // (A state no key has a value in is not restored: a subtask without sessions has no table of them.)
  const sets = backend.stateTables().get(MERGING_WINDOW_SET_STATE)?.table as StateTable<WindowMappingEntry[]> | undefined;
  const units: WindowUnit<W>[] = [];
  if (sets === undefined) return units;
  for (const { keyGroup: group, key, value: entries } of entriesByKeyGroup(sets, from, to)) {
    const contents = table.get(group, key);
    for (const [namespace, stateNamespace] of entries) {
      if (contents?.has(stateNamespace) !== true) continue;
      units.push({ key, group, window: serializer.fromNamespace(namespace), namespace, stateNamespace });
    }
  }
  return units;
}
