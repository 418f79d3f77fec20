import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';

/** `map`: one record in, one out. */
export class MapOperator extends CallableFunctionOperator<(v: unknown) => unknown> {
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'map');
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    this.output.collect(this.invoke(this.fn, value));
  }
}
