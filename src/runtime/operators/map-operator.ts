import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `map`: one record in, one out. */
export class MapOperator extends CallableFunctionOperator<(v: unknown) => unknown> {
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'map');
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
