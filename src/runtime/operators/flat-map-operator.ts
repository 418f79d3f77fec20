import type { Collector } from '../../graph/index.js';
import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';

/** `flatMap`: the function emits through the collector or returns an iterable. */
export class FlatMapOperator extends CallableFunctionOperator<(v: unknown, out: Collector<unknown>) => Iterable<unknown> | void> {
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'flatMap');
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    this.invokeFlatMap(this.fn, value);
  }
}
