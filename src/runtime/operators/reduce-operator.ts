import { type RecordCheck, recordCheckOf } from '../../graph/index.js';
import { type ValueState, ValueStateDescriptor } from '../../state/index.js';
import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** Keyed `reduce`: folds each record into its key's value and emits the new value. */
export class ReduceOperator extends CallableFunctionOperator<(a: unknown, b: unknown) => unknown> {
  private state!: ValueState<unknown>;
  /** A field aggregation's check of a key's first record, which the reduce function never sees alone. */
  private readonly checkFirst: RecordCheck | undefined;

  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'reduce');
    this.checkFirst = recordCheckOf(fn);
  }

  override async open(): Promise<void> {
    this.state = this.ctx.keyedBackend!.getOrCreateState(new ValueStateDescriptor<unknown>('_reduce'));
    await super.open();
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    const current = this.state.value();
    let next: unknown;
    try {
      if (current === undefined) {
        this.checkFirst?.(value);
        next = value;
      } else {
        next = this.fn(current, value);
      }
    } catch (err) {
      throw userError(this.name, err);
    }
    this.state.update(next);
    this.output.collect(next);
  }
}
