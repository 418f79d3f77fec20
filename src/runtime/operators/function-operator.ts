import { type CheckpointListener, type Collector, type TimeDomain, isCheckpointedFunction } from '../../graph/index.js';
import type { InternalTimer } from '../timers/internal-timer-service.js';
import type { KeyedFunctionContexts } from './process-function-contexts.js';
import type { OperatorContext } from './stream-operator.js';
import { StreamOperator } from './stream-operator.js';
import { closeUserFunction, openUserFunction, userError } from './user-function.js';

/** A keyed process-style function's timer method, as the operator calls it. */
export interface TimerFunction {
  onTimer(timestamp: number, context: never, out: Collector<unknown>): void;
}

/** An operator around one user function: opens and closes it with the operator. */
export abstract class FunctionOperator<IN> extends StreamOperator<IN> {
  constructor(
    ctx: OperatorContext,
    protected readonly userFunction: unknown,
  ) {
    super(ctx);
  }

  /**
   * Fires `onTimer` of the keyed process-style function `fn` for `timer` of `domain`, with the
   * timer context of `contexts` pointed at it; a throw becomes this operator's UserCodeError.
   * Records do not come through a helper like this: each operator calls its function's element
   * methods at its own call site, which stays monomorphic and inlined (one shared site would see
   * every operator's functions and call them all out of line).
   */
  protected fireTimer(fn: TimerFunction, contexts: KeyedFunctionContexts, timer: InternalTimer, domain: TimeDomain): void {
    try {
      fn.onTimer(timer.timestamp, contexts.startTimer(timer, domain) as never, this.output);
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
