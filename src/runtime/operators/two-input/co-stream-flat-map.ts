import type { CoFlatMapFunction } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputFunctionOperator } from './two-input-function-operator.js';

/** `connect(...).flatMap({flatMap1, flatMap2})` (Flink's CoStreamFlatMap): emits through the collector or a returned iterable. */
export class CoStreamFlatMap extends TwoInputFunctionOperator {
  constructor(
    ctx: OperatorContext,
    private readonly fn: CoFlatMapFunction<unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
  }

  protected callInput1(value: unknown): Iterable<unknown> | void {
    return this.fn.flatMap1(value, this.output);
  }

  protected callInput2(value: unknown): Iterable<unknown> | void {
    return this.fn.flatMap2(value, this.output);
  }

  protected override emit(result: Iterable<unknown> | void): void {
    if (result != null) for (const r of result) this.output.collect(r);
  }
}
