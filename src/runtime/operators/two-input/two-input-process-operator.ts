import type { ProcessMethod } from '../function-operator.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/**
 * A two-input operator around a process-style function (co-process, keyed co-process, the two
 * broadcast ones): a record of input 1 goes to `method1` of the function with `context1`, one of
 * input 2 to `method2` with `context2`. The subclass gives the methods (looked up once, when the
 * operator is made) and builds the contexts.
 */
export abstract class TwoInputProcessOperator extends TwoInputStreamOperator {
  protected abstract readonly context1: unknown;
  protected abstract readonly context2: unknown;

  constructor(
    ctx: OperatorContext,
    fn: object,
    private readonly method1: ProcessMethod,
    private readonly method2: ProcessMethod,
  ) {
    super(ctx, fn);
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    this.invokeProcess(this.method1, value, this.context1);
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    this.invokeProcess(this.method2, value, this.context2);
  }
}
