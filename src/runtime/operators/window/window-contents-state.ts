/**
 * The window operator's state: what holds a window's contents (one folded value per key and
 * window for `reduce`/`aggregate`, the elements otherwise) and the engine-owned state names.
 */
import { WINDOW_CONTENTS_STATE, type WindowContentsLayout, type WindowOperatorSpec, windowContentsConfig } from '../../../graph/index.js';
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

export { MERGING_WINDOW_SET_STATE, WINDOW_CONTENTS_STATE, type WindowContentsLayout, windowContentsLayout } from '../../../graph/index.js';

/**
 * The default serializer (MessagePack: values stored as they are, restorable by any MessagePack
 * descriptor), whose snapshot also records how the operator keeps its windows: which window
 * serializer wrote the namespaces, the windows in the user's words, and whether the elements
 * carry their timestamps (an evictor's). A restore compares them with the job's before anything
 * runs (checkpoint's window restore check), and so does the State Processor API's window reader:
 * a tumbling window's namespace is its start alone, so under another size it is another window,
 * and an evicting window's elements and a plain one's are both list state.
 */
export class WindowContentsSerializer extends MessagePackSerializer {
  constructor(private readonly layout: WindowContentsLayout) {
    super();
  }

  override snapshot(): SerializerSnapshot {
    return { ...super.snapshot(), config: windowContentsConfig(this.layout) };
  }
}

/**
 * The descriptor of the window contents' state for `contents`, whose windows are namespaces of
 * window serializer `windows`, and are `shape` in the user's words.
 */
export function contentsDescriptor(contents: WindowOperatorSpec['contents'], windows: string, shape?: string): StateDescriptor {
  const serializer = new WindowContentsSerializer({ windows, timestamped: false, shape });
  switch (contents.kind) {
    case 'elements':
      return new ListStateDescriptor<unknown>(WINDOW_CONTENTS_STATE).setSerializer(serializer);
    case 'reduce':
      return new ReducingStateDescriptor<unknown>(WINDOW_CONTENTS_STATE, toCallable(contents.fn, 'reduce')).setSerializer(serializer);
    case 'aggregate':
      return new AggregatingStateDescriptor(WINDOW_CONTENTS_STATE, contents.fn as AggregateFunction<unknown, unknown, unknown>).setSerializer(serializer);
  }
}
