import { FunctionOperator } from './function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { toCallable, userError } from './user-function.js';

/** `map`: one record in, one out. */
export class MapOperator extends FunctionOperator<unknown> {
  private readonly fn: (v: unknown) => unknown;
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn);
    this.fn = toCallable(fn, 'map');
  }
  collect(value: unknown): void {
    this.numRecordsIn++;
    let result: unknown;
    try {
      result = this.fn(value);
    } catch (err) {
      throw userError(this.name, err);
    }
    this.output.collect(result);
  }
}
