import { FunctionOperator } from './function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { toCallable, userError } from './user-function.js';

/** `flatMap`: the function emits through the collector or returns an iterable. */
export class FlatMapOperator extends FunctionOperator<unknown> {
  private readonly fn: (v: unknown, out: { collect(v: unknown): void }) => Iterable<unknown> | void;
  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn);
    this.fn = toCallable(fn, 'flatMap');
  }
  collect(value: unknown): void {
    this.numRecordsIn++;
    let result: Iterable<unknown> | void;
    try {
      result = this.fn(value, this.output);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (result != null) {
      for (const r of result) this.output.collect(r);
    }
  }
}
