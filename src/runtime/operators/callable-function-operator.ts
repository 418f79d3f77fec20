import { FunctionOperator } from './function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { toCallable } from './user-function.js';

/**
 * An operator around a function given as a plain function or as an object with one method
 * (`map`, `filter`, `flatMap`, `reduce`, a sink's `invoke`): `fn` is that callable, bound once.
 */
export abstract class CallableFunctionOperator<F extends (...args: never[]) => unknown> extends FunctionOperator<unknown> {
  protected readonly fn: F;

  constructor(ctx: OperatorContext, fn: unknown, method: string) {
    super(ctx, fn);
    this.fn = toCallable(fn, method);
  }
}
