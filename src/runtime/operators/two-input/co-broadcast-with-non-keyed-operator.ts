import type { BroadcastContext, BroadcastProcessFunction, BroadcastReadOnlyContext, Collector } from '../../../graph/index.js';
import type { MapStateDescriptor } from '../../../state/index.js';
import { MIN_TIMESTAMP } from '../../../util/time.js';
import { sideOutputEmitter } from '../side-output.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { BroadcastStates } from './broadcast-states.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/**
 * A non-keyed stream connected with a broadcast stream (Flink's CoBroadcastWithNonKeyedOperator):
 * input 1 sees the broadcast state read-only, input 2 (every broadcast element, on every
 * subtask) may change it.
 */
export class CoBroadcastWithNonKeyedOperator extends TwoInputStreamOperator {
  private readonly readOnlyContext: BroadcastReadOnlyContext;
  private readonly context: BroadcastContext;

  constructor(
    ctx: OperatorContext,
    private readonly fn: BroadcastProcessFunction<unknown, unknown, unknown>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    super(ctx, fn);
    const states = new BroadcastStates(ctx, descriptors);
    const rc = ctx.recordContext;
    const base = {
      timestamp: () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp),
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      output: sideOutputEmitter(ctx),
    };
    this.readOnlyContext = { ...base, getBroadcastState: ((d: MapStateDescriptor<unknown, unknown>) => states.get(d).readOnly) as BroadcastReadOnlyContext['getBroadcastState'] };
    this.context = { ...base, getBroadcastState: ((d: MapStateDescriptor<unknown, unknown>) => states.get(d)) as BroadcastContext['getBroadcastState'] };
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.readOnlyContext, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processBroadcastElement(value, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
