import type { BroadcastContext, BroadcastProcessFunction, BroadcastReadOnlyContext, Collector } from '../../../graph/index.js';
import type { MapStateDescriptor } from '../../../state/index.js';
import { broadcastBaseContext } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { BroadcastStates } from './broadcast-states.js';
import { TwoInputFunctionOperator } from './two-input-function-operator.js';

/**
 * A non-keyed stream connected with a broadcast stream (Flink's CoBroadcastWithNonKeyedOperator):
 * input 1 sees the broadcast state read-only, input 2 (every broadcast element, on every
 * subtask) may change it.
 */
export class CoBroadcastWithNonKeyedOperator extends TwoInputFunctionOperator {
  private readonly readOnlyContext: BroadcastReadOnlyContext;
  private readonly context: BroadcastContext;

  constructor(
    ctx: OperatorContext,
    private readonly fn: BroadcastProcessFunction<unknown, unknown, unknown>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    super(ctx, fn);
    const states = new BroadcastStates(ctx, descriptors);
    const base = broadcastBaseContext(ctx, () => this.currentWatermark);
    this.readOnlyContext = { ...base, getBroadcastState: states.getReadOnly };
    this.context = { ...broadcastBaseContext(ctx, () => this.currentWatermark, true), getBroadcastState: states.getWritable };
  }

  protected callInput1(value: unknown): void {
    this.fn.processElement(value, this.readOnlyContext, this.output as Collector<unknown>);
  }

  protected callInput2(value: unknown): void {
    this.fn.processBroadcastElement(value, this.context, this.output as Collector<unknown>);
  }
}
