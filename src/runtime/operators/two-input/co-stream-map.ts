import type { CoMapFunction } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputFunctionOperator } from './two-input-function-operator.js';

/** `connect(...).map({map1, map2})` (Flink's CoStreamMap): output keeps the input's timestamp. */
export class CoStreamMap extends TwoInputFunctionOperator {
  constructor(
    ctx: OperatorContext,
    private readonly fn: CoMapFunction<unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
  }

  protected callInput1(value: unknown): unknown {
    return this.fn.map1(value);
  }

  protected callInput2(value: unknown): unknown {
    return this.fn.map2(value);
  }

  protected override emit(result: unknown): void {
    this.output.collect(result);
  }
}
