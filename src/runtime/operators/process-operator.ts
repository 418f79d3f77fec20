import type { Collector, ProcessContext, ProcessFunction } from '../../graph/index.js';
import { FunctionOperator } from './function-operator.js';
import { nonKeyedProcessContext } from './process-function-contexts.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `process` on a non-keyed stream: timestamps, the watermark and side outputs; no keyed state, no timers (as in Flink). */
export class ProcessOperator extends FunctionOperator<unknown> {
  private readonly fn: ProcessFunction<unknown, unknown>;
  private readonly context: ProcessContext;

  constructor(ctx: OperatorContext, fn: ProcessFunction<unknown, unknown>) {
    super(ctx, fn);
    this.fn = fn;
    this.context = nonKeyedProcessContext(ctx, () => this.currentWatermark);
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
