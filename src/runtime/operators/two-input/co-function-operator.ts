import type { OperatorContext } from '../stream-operator.js';
import { boundMethod } from '../user-function.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/**
 * A two-input operator around a function with one method per input (`map1`/`map2`,
 * `flatMap1`/`flatMap2`): `fn1` and `fn2` are those methods, bound once.
 */
export abstract class CoFunctionOperator<F extends (...args: never[]) => unknown> extends TwoInputStreamOperator {
  protected readonly fn1: F;
  protected readonly fn2: F;

  constructor(ctx: OperatorContext, fn: object, method1: string, method2: string) {
    super(ctx, fn);
    this.fn1 = boundMethod(fn, method1);
    this.fn2 = boundMethod(fn, method2);
  }
}
