import { type CheckpointListener, isCheckpointedFunction } from '../../graph/index.js';
import type { OperatorContext } from './stream-operator.js';
import { StreamOperator } from './stream-operator.js';
import { closeUserFunction, openUserFunction, userError } from './user-function.js';

/** An operator around one user function: opens and closes it with the operator. */
export abstract class FunctionOperator<IN> extends StreamOperator<IN> {
  constructor(
    ctx: OperatorContext,
    protected readonly userFunction: unknown,
  ) {
    super(ctx);
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
