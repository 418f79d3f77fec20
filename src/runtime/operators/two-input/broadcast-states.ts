import type { BroadcastContext, BroadcastReadOnlyContext } from '../../../graph/index.js';
import type { HeapBroadcastState, MapStateDescriptor } from '../../../state/index.js';
import { FlinkError } from '../../../util/errors.js';
import type { OperatorContext } from '../stream-operator.js';

/**
 * The broadcast states of a broadcast operator, by name: registered at creation from the
 * descriptors given to `broadcast(...)` (restored copies included), looked up by the functions.
 */
export class BroadcastStates {
  private readonly states = new Map<string, HeapBroadcastState<unknown, unknown>>();
  /** `getBroadcastState` of the non-broadcast side's context: read-only. */
  readonly getReadOnly = ((d: MapStateDescriptor<unknown, unknown>) => this.get(d).readOnly) as BroadcastReadOnlyContext['getBroadcastState'];
  /** `getBroadcastState` of the broadcast side's context. */
  readonly getWritable = ((d: MapStateDescriptor<unknown, unknown>) => this.get(d)) as BroadcastContext['getBroadcastState'];

  constructor(ctx: OperatorContext, descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    for (const d of descriptors) this.states.set(d.name, ctx.operatorStateStore.getBroadcastState(d));
  }

  /** The state of `descriptor`; Flink's error if it was not given to `broadcast(...)`. */
  get(descriptor: MapStateDescriptor<unknown, unknown>): HeapBroadcastState<unknown, unknown> {
    const state = this.states.get(descriptor?.name);
    if (!state) {
      // Flink's IllegalArgumentException (CoBroadcastWith*Operator), typed like the read-only refusal.
      throw new FlinkError(
        'state.broadcastNotDeclared',
        'The requested state does not exist. Check for typos in your state descriptor, or specify the state descriptor in the datastream.broadcast(...) call if you forgot to register it.',
      );
    }
    return state;
  }
}
