import { type Collector, type TimeDomain, checkpointListenerOf, checkpointedFunctionOf } from '../../graph/index.js';
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
  /** The function's asynchronous checkpoint completions not yet settled (see notifyCheckpointComplete). */
  private completions: Set<Promise<unknown>> | undefined;

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

  /**
   * Closes the function once its checkpoint completions in flight (an asynchronous
   * `notifyCheckpointComplete`, e.g. the final checkpoint's commit) have settled: in Flink the
   * notification runs to its end before the task closes. One that failed fails the close, even
   * if it failed too late for the run to see it.
   */
  override async close(): Promise<void> {
    let failure: unknown;
    if (this.completions) {
      for (const r of await Promise.allSettled(this.completions)) if (r.status === 'rejected') failure ??= r.reason;
    }
    try {
      await closeUserFunction(this.userFunction, this.name);
    } catch (err) {
      failure ??= err;
    }
    if (failure !== undefined) throw failure;
  }

  protected override prepareSnapshot(checkpointId: number, timestamp: number): void {
    const fn = checkpointedFunctionOf(this.userFunction);
    if (fn === undefined) return;
    try {
      fn.snapshotState({ getCheckpointId: () => checkpointId, getCheckpointTimestamp: () => timestamp });
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  /**
   * Tells a function that is a CheckpointListener. A promise it returns is a commit in flight: a
   * rejection fails the job (as a throw does), and `close` waits for it.
   */
  override notifyCheckpointComplete(checkpointId: number): void | Promise<unknown> {
    super.notifyCheckpointComplete(checkpointId);
    const listener = checkpointListenerOf(this.userFunction, 'notifyCheckpointComplete');
    if (listener?.notifyCheckpointComplete === undefined) return;
    let result: unknown;
    try {
      result = listener.notifyCheckpointComplete(checkpointId);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (!(result instanceof Promise)) return;
    const completion = result.catch((err: unknown) => Promise.reject(userError(this.name, err)));
    const completions = (this.completions ??= new Set());
    completions.add(completion);
    const settled = () => void completions.delete(completion);
    completion.then(settled, settled);
    return completion;
  }

  /** Tells a function that is a CheckpointListener with `notifyCheckpointAborted`; a throw fails the job. */
  override notifyCheckpointAborted(checkpointId: number): void {
    const listener = checkpointListenerOf(this.userFunction, 'notifyCheckpointAborted');
    if (listener?.notifyCheckpointAborted === undefined) return;
    try {
      listener.notifyCheckpointAborted(checkpointId);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
