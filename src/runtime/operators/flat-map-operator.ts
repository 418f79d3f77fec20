import type { Collector } from '../../graph/index.js';
import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `flatMap`: the function emits through the collector or returns an iterable. */
export class FlatMapOperator extends CallableFunctionOperator<(v: unknown, out: Collector<unknown>) => Iterable<unknown> | void> {
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'flatMap');
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    let result: Iterable<unknown> | void;
    try {
      result = this.fn(value, this.output);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (result != null) for (const r of result) this.output.collect(r);
  }
}
