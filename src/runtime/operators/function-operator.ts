import { type CheckpointListener, type Collector, isCheckpointedFunction } from '../../graph/index.js';
import type { OperatorContext } from './stream-operator.js';
import { StreamOperator } from './stream-operator.js';
import { closeUserFunction, openUserFunction, userError } from './user-function.js';

/**
 * A method of a process function as the operator calls it, on the user function: an element
 * method (a record, its context, the collector) or `onTimer` (the timer's time in place of the record).
 */
export type ProcessMethod = (value: never, context: never, out: Collector<unknown>) => void;

/**
 * An operator around one user function: opens and closes it with the operator, and calls it per
 * record through `invoke*`, which turn what it throws into this operator's UserCodeError. The
 * callers pass the function or method they hold, so each call stays a direct call: no closure
 * per record.
 */
export abstract class FunctionOperator<IN> extends StreamOperator<IN> {
  constructor(
    ctx: OperatorContext,
    protected readonly userFunction: unknown,
  ) {
    super(ctx);
  }

  /** `fn(value)`: a map, filter or sink function (see `toCallable`), or one side's of a co-function. */
  protected invoke<R>(fn: (value: unknown) => R, value: unknown): R {
    try {
      return fn(value);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  /** `fn(value, out)` of a flat-map function; a returned iterable is emitted too. */
  protected invokeFlatMap(fn: (value: unknown, out: Collector<unknown>) => Iterable<unknown> | void, value: unknown): void {
    let result: Iterable<unknown> | void;
    try {
      result = fn(value, this.output);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (result != null) for (const r of result) this.output.collect(r);
  }

  /** `method` of the user function, called with `value` and `context`, emitting to this operator's output. */
  protected invokeProcess(method: ProcessMethod, value: unknown, context: unknown): void {
    try {
      (method as (this: unknown, value: unknown, context: unknown, out: Collector<unknown>) => void).call(this.userFunction, value, context, this.output);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override open(): Promise<void> {
    return openUserFunction(this.userFunction, this.ctx);
  }

  override close(): Promise<void> {
    return closeUserFunction(this.userFunction, this.name);
  }

  protected override prepareSnapshot(checkpointId: number, timestamp: number): void {
    const fn = this.userFunction;
    if (!isCheckpointedFunction(fn)) return;
    try {
      fn.snapshotState({ getCheckpointId: () => checkpointId, getCheckpointTimestamp: () => timestamp });
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId);
    const listener = this.userFunction as Partial<CheckpointListener> | null;
    if (typeof listener?.notifyCheckpointComplete !== 'function') return;
    try {
      void listener.notifyCheckpointComplete(checkpointId);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
