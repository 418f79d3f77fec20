import type { BroadcastContext, BroadcastProcessFunction, BroadcastReadOnlyContext } from '../../../graph/index.js';
import type { MapStateDescriptor } from '../../../state/index.js';
import { broadcastBaseContext } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { BroadcastStates } from './broadcast-states.js';
import { TwoInputProcessOperator } from './two-input-process-operator.js';

/**
 * A non-keyed stream connected with a broadcast stream (Flink's CoBroadcastWithNonKeyedOperator):
 * input 1 sees the broadcast state read-only, input 2 (every broadcast element, on every
 * subtask) may change it.
 */
export class CoBroadcastWithNonKeyedOperator extends TwoInputProcessOperator {
  protected readonly context1: BroadcastReadOnlyContext;
  protected readonly context2: BroadcastContext;

  constructor(ctx: OperatorContext, fn: BroadcastProcessFunction<unknown, unknown, unknown>, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    super(ctx, fn, fn.processElement, fn.processBroadcastElement);
    const states = new BroadcastStates(ctx, descriptors);
    const base = broadcastBaseContext(ctx, () => this.currentWatermark);
    this.context1 = { ...base, getBroadcastState: states.getReadOnly };
    this.context2 = { ...base, getBroadcastState: states.getWritable };
  }
}
