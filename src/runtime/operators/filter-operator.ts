import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `filter`: passes records for which the function returns true. */
export class FilterOperator extends CallableFunctionOperator<(v: unknown) => boolean> {
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'filter');
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    let keep: boolean;
    try {
      keep = this.fn(value);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (keep) this.output.collect(value);
  }
}
