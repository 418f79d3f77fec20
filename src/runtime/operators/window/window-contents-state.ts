/**
 * The window operator's state: what holds a window's contents (one folded value per key and
 * window for `reduce`/`aggregate`, the elements otherwise) and the engine-owned state names.
 */
import type { WindowOperatorSpec } from '../../../graph/index.js';
import {
  type AggregateFunction,
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
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

/** The descriptor of the window contents' state for `contents`. */
export function contentsDescriptor(contents: WindowOperatorSpec['contents']): StateDescriptor {
  switch (contents.kind) {
    case 'elements':
      return new ListStateDescriptor<unknown>(WINDOW_CONTENTS_STATE);
    case 'reduce':
      return new ReducingStateDescriptor<unknown>(WINDOW_CONTENTS_STATE, toCallable(contents.fn, 'reduce'));
    case 'aggregate':
      return new AggregatingStateDescriptor(WINDOW_CONTENTS_STATE, contents.fn as AggregateFunction<unknown, unknown, unknown>);
  }
}
