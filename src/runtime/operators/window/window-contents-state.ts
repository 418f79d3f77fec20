/**
 * The window operator's state: what holds a window's contents (one folded value per key and
 * window for `reduce`/`aggregate`, the elements otherwise) and the engine-owned state names.
 */
import type { WindowOperatorSpec } from '../../../graph/index.js';
import {
  type AggregateFunction,
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MessagePackSerializer,
  ReducingStateDescriptor,
  type SerializerSnapshot,
  type State,
  type StateDescriptor,
} from '../../../state/index.js';
import { toCallable } from '../user-function.js';

/** The state of a window's contents (list, reducing or aggregating: all add, get and clear). */
export interface AppendingState extends State {
  add(value: unknown): void;
  get(): unknown;
  /** Adds only where the current key has a value in the namespace already; true if it did (the states without TTL have it). */
  addIfPresent?(value: unknown): boolean;
  /** Reducing and aggregating states: their accumulator, for the {@link AccumulatorBuffer}. */
  accumulator?(): unknown;
  fold?(value: unknown, acc: unknown): unknown;
  setAccumulator?(acc: unknown): void;
  result?(acc: unknown): unknown;
}

/** State names of the window operator (engine-owned: `_`). */
export const WINDOW_CONTENTS_STATE = '_window-contents';
export const MERGING_WINDOW_SET_STATE = '_merging-window-set';

/** What the contents' serializer records of how the operator keeps its windows (see {@link WindowContentsSerializer}). */
export interface WindowContentsLayout {
  /** The id of the window serializer the namespaces were written with (`TimeWindow.start/1000`, ...); undefined in snapshots from before it was recorded. */
  readonly windows: string | undefined;
  /** The contents are an evicting window's elements, each `[value, timestamp]`. */
  readonly timestamped: boolean;
}

/**
 * The default serializer (MessagePack: values stored as they are, restorable by any MessagePack
 * descriptor), whose snapshot also records how the operator keeps its windows: which window
 * serializer wrote the namespaces, and whether the elements carry their timestamps (an evicting
 * window's). Nothing in a restore depends on it; the State Processor API's window reader reads it
 * to refuse an assigner whose windows are encoded otherwise (a tumbling window's namespace is
 * its start alone, so another size would read other windows) and to tell an evicting window's
 * elements from a plain one's, which are both list state.
 */
export class WindowContentsSerializer extends MessagePackSerializer {
  constructor(private readonly layout: WindowContentsLayout) {
    super();
  }

  override snapshot(): SerializerSnapshot {
    const { windows, timestamped } = this.layout;
    return { ...super.snapshot(), config: timestamped ? { windows, timestamped } : { windows } };
  }
}

/** The layout a contents serializer's snapshot records (none recorded: unknown windows, no timestamps). */
export function windowContentsLayout(snapshot: SerializerSnapshot): WindowContentsLayout {
  const config = snapshot.config as { windows?: unknown; timestamped?: unknown } | undefined;
  const windows = typeof config?.windows === 'string' ? config.windows : undefined;
  return { windows, timestamped: config?.timestamped === true };
}

/** The descriptor of the window contents' state for `contents`, whose windows are namespaces of window serializer `windows`. */
export function contentsDescriptor(contents: WindowOperatorSpec['contents'], windows: string): StateDescriptor {
  const serializer = new WindowContentsSerializer({ windows, timestamped: false });
  switch (contents.kind) {
    case 'elements':
      return new ListStateDescriptor<unknown>(WINDOW_CONTENTS_STATE).setSerializer(serializer);
    case 'reduce':
      return new ReducingStateDescriptor<unknown>(WINDOW_CONTENTS_STATE, toCallable(contents.fn, 'reduce')).setSerializer(serializer);
    case 'aggregate':
      return new AggregatingStateDescriptor(WINDOW_CONTENTS_STATE, contents.fn as AggregateFunction<unknown, unknown, unknown>).setSerializer(serializer);
  }
}
