import type { CoMapFunction } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { CoFunctionOperator } from './co-function-operator.js';

/** `connect(...).map({map1, map2})` (Flink's CoStreamMap): output keeps the input's timestamp. */
export class CoStreamMap extends CoFunctionOperator<(value: unknown) => unknown> {
  constructor(ctx: OperatorContext, fn: CoMapFunction<unknown, unknown, unknown>) {
    super(ctx, fn, 'map1', 'map2');
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    this.output.collect(this.invoke(this.fn1, value));
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    this.output.collect(this.invoke(this.fn2, value));
  }
}
