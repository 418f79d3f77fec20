import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';

/** `filter`: passes records for which the function returns true. */
export class FilterOperator extends CallableFunctionOperator<(v: unknown) => boolean> {
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'filter');
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    if (this.invoke(this.fn, value)) this.output.collect(value);
  }
}
