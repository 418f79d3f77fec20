import type { Collector, CoProcessFunction, ProcessContext } from '../../../graph/index.js';
import { nonKeyedProcessContext } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/** `connect(...).process(CoProcessFunction)` on non-keyed streams (Flink's CoProcessOperator): no timers. */
export class CoProcessOperator extends TwoInputStreamOperator {
  private readonly context: ProcessContext;

  constructor(
    ctx: OperatorContext,
    private readonly fn: CoProcessFunction<unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
    this.context = nonKeyedProcessContext(ctx, () => this.currentWatermark);
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement1(value, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement2(value, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
