import type { Collector, CoProcessFunction, ProcessContext } from '../../../graph/index.js';
import { nonKeyedProcessContext } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputFunctionOperator } from './two-input-function-operator.js';

/** `connect(...).process(CoProcessFunction)` on non-keyed streams (Flink's CoProcessOperator): no timers. */
export class CoProcessOperator extends TwoInputFunctionOperator {
  private readonly context: ProcessContext;

  constructor(
    ctx: OperatorContext,
    private readonly fn: CoProcessFunction<unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
    this.context = nonKeyedProcessContext(ctx, () => this.currentWatermark);
  }

  protected callInput1(value: unknown): void {
    this.fn.processElement1(value, this.context, this.output as Collector<unknown>);
  }

  protected callInput2(value: unknown): void {
    this.fn.processElement2(value, this.context, this.output as Collector<unknown>);
  }
}
