import type { KeyedStateBootstrapContext, KeyedStateBootstrapFunction } from '../../graph/index.js';
import { NO_LISTS } from '../../state/index.js';
import { keyedBootstrappedState } from './bootstrapped-state.js';
import { FunctionOperator } from './function-operator.js';
import { KeyedFunctionContexts } from './process-function-contexts.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/**
 * Flink's KeyedStateBootstrapOperator: runs a bootstrap function on each keyed record, and at
 * the end of its input encodes the subtask's keyed state — timers included — as the state file
 * of operator `uid` and emits it, for the savepoint writer downstream. It is no Triggerable, so
 * the timers the function registers never fire here (not even at the final watermark): they
 * are for the job that starts from the savepoint.
 */
export class KeyedStateBootstrapOperator extends FunctionOperator<unknown> {
  private readonly fn: KeyedStateBootstrapFunction<unknown, unknown>;
  private readonly context: KeyedStateBootstrapContext<unknown>;

  constructor(
    ctx: OperatorContext,
    fn: KeyedStateBootstrapFunction<unknown, unknown>,
    private readonly uid: string,
    private readonly operatorName: string,
  ) {
    super(ctx, fn);
    this.fn = fn;
    const element = new KeyedFunctionContexts(ctx).element;
    this.context = { timerService: element.timerService, getCurrentKey: element.getCurrentKey };
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.context);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override endInput(): void {
    const backend = this.ctx.keyedBackend!;
    // A full, self-contained cut taken after the last record.
    this.output.collect(keyedBootstrappedState(this.ctx.info, this.uid, this.operatorName, backend.snapshot(0, { full: true }), NO_LISTS, backend.keyGroupRange));
  }
}
