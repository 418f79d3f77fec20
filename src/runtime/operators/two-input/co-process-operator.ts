import type { CoProcessFunction, ProcessContext } from '../../../graph/index.js';
import { nonKeyedProcessContext } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputProcessOperator } from './two-input-process-operator.js';

/** `connect(...).process(CoProcessFunction)` on non-keyed streams (Flink's CoProcessOperator): no timers. */
export class CoProcessOperator extends TwoInputProcessOperator {
  protected readonly context1: ProcessContext;
  protected readonly context2: ProcessContext;

  constructor(ctx: OperatorContext, fn: CoProcessFunction<unknown, unknown, unknown>) {
    super(ctx, fn, fn.processElement1, fn.processElement2);
    this.context1 = this.context2 = nonKeyedProcessContext(ctx, () => this.currentWatermark);
  }
}
