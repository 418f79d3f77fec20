import type { OperatorContext } from './stream-operator.js';
import { StreamOperator } from './stream-operator.js';
import { closeUserFunction, openUserFunction } from './user-function.js';

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
}
