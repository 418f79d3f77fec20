import { AbstractRichFunction, type Collector, type KeyedStateStore, type StateFor } from '../graph/index.js';
import type { StateDescriptor } from '../state/index.js';

/** What `readWindow` can ask about the window being read (Flink's WindowReaderFunction.Context). */
export interface WindowReaderContext<W> {
  /** The window: for sessions, the session as it stands (its contents may be kept under a window it merged). */
  window(): W;
  /**
   * The trigger's state of this window and key, e.g. `CountTrigger`'s
   * `new ReducingStateDescriptor<number>('count', (a, b) => a + b)`: the same name and kind as the
   * trigger registered (a state the trigger never wrote reads as empty).
   */
  triggerState<D extends StateDescriptor>(descriptor: D): StateFor<D>;
  /** The window function's per-window state of this window and key (`ProcessWindowFunction`'s `context.windowState()`). */
  windowState(): KeyedStateStore;
  /** The key's state outside any window (`context.globalState()`, or the window function's `getRuntimeContext()` state). */
  globalState(): KeyedStateStore;
  /** The event-time timers pending for this window and key (the trigger's and the window's cleanup), in time order. */
  registeredEventTimeTimers(): number[];
  /** The processing-time timers pending for this window and key, in time order. */
  registeredProcessingTimeTimers(): number[];
}

/**
 * Reads the windows of a window operator of a savepoint or checkpoint (Flink's State Processor
 * API): `readWindow` is called once per key and open window, with the window's contents — the
 * reduced value or the aggregate's result (one element), or the elements themselves for a window
 * without pre-aggregation or with an evictor — and emits what it likes. `open()` may register
 * states through `getRuntimeContext()`: the key's global state, as `context.globalState()`.
 */
export abstract class WindowReaderFunction<IN, OUT, K, W> extends AbstractRichFunction {
  abstract readWindow(key: K, context: WindowReaderContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
}

/** Emits the contents as they are (Flink's PassThroughReader): the default of `reduce` and `aggregate`. */
export class PassThroughReader<T, K, W> extends WindowReaderFunction<T, T, K, W> {
  readWindow(_key: K, _context: WindowReaderContext<W>, elements: Iterable<T>, out: Collector<T>): void {
    for (const e of elements) out.collect(e);
  }
}
