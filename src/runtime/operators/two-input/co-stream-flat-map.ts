import type { CoFlatMapFunction } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/** `connect(...).flatMap({flatMap1, flatMap2})` (Flink's CoStreamFlatMap): emits through the collector or a returned iterable. */
export class CoStreamFlatMap extends TwoInputStreamOperator {
  constructor(
    ctx: OperatorContext,
    private readonly fn: CoFlatMapFunction<unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    let result: Iterable<unknown> | void;
    try {
      result = this.fn.flatMap1(value, this.output);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (result != null) for (const r of result) this.output.collect(r);
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    let result: Iterable<unknown> | void;
    try {
      result = this.fn.flatMap2(value, this.output);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (result != null) for (const r of result) this.output.collect(r);
  }
}
