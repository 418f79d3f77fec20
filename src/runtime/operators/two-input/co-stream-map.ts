import type { CoMapFunction } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/** `connect(...).map({map1, map2})` (Flink's CoStreamMap): output keeps the input's timestamp. */
export class CoStreamMap extends TwoInputStreamOperator {
  constructor(
    ctx: OperatorContext,
    private readonly fn: CoMapFunction<unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    let result: unknown;
    try {
      result = this.fn.map1(value);
    } catch (err) {
      throw userError(this.name, err);
    }
    this.output.collect(result);
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    let result: unknown;
    try {
      result = this.fn.map2(value);
    } catch (err) {
      throw userError(this.name, err);
    }
    this.output.collect(result);
  }
}
