import type { CoFlatMapFunction, Collector } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { CoFunctionOperator } from './co-function-operator.js';

/** `connect(...).flatMap({flatMap1, flatMap2})` (Flink's CoStreamFlatMap): emits through the collector or a returned iterable. */
export class CoStreamFlatMap extends CoFunctionOperator<(value: unknown, out: Collector<unknown>) => Iterable<unknown> | void> {
  constructor(ctx: OperatorContext, fn: CoFlatMapFunction<unknown, unknown, unknown>) {
    super(ctx, fn, 'flatMap1', 'flatMap2');
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    this.invokeFlatMap(this.fn1, value);
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    this.invokeFlatMap(this.fn2, value);
  }
}
