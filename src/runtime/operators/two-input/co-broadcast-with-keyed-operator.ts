import type {
  Collector, KeyedBroadcastContext, KeyedBroadcastProcessFunction, KeyedBroadcastReadOnlyContext, KeyedStateFunction, KeyedStateFunctionLike,
} from '../../../graph/index.js';
import type { MapStateDescriptor, State, StateDescriptor } from '../../../state/index.js';
import { describeArgument } from '../../../util/describe-argument.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { KeyedFunctionContexts, broadcastBaseContext } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { BroadcastStates } from './broadcast-states.js';
import { TwoInputFunctionOperator } from './two-input-function-operator.js';

/**
 * A keyed stream connected with a broadcast stream (Flink's CoBroadcastWithKeyedOperator):
 * input 1 is keyed (keyed state, timers, read-only broadcast state); input 2 changes the
 * broadcast state and reaches every key's state through `applyToKeyedState`.
 */
export class CoBroadcastWithKeyedOperator extends TwoInputFunctionOperator implements Triggerable {
  private readonly readOnlyContext: KeyedBroadcastReadOnlyContext<unknown>;
  private readonly context: KeyedBroadcastContext<unknown>;
  /** Input 1's context and the timer context: the keyed process function's, with the clocks and read-only broadcast state. */
  private readonly contexts: KeyedFunctionContexts<Omit<KeyedBroadcastReadOnlyContext<unknown>, 'timestamp' | 'getCurrentKey' | 'timerService' | 'output'>>;

  constructor(
    ctx: OperatorContext,
    private readonly fn: KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    super(ctx, fn);
    const states = new BroadcastStates(ctx, descriptors);
    const backend = ctx.keyedBackend!;
    const base = broadcastBaseContext(ctx, () => this.currentWatermark);
    this.contexts = new KeyedFunctionContexts(ctx, { currentProcessingTime: base.currentProcessingTime, currentWatermark: base.currentWatermark, getBroadcastState: states.getReadOnly });
    this.readOnlyContext = this.contexts.element;
    this.context = {
      ...broadcastBaseContext(ctx, () => this.currentWatermark, true),
      getBroadcastState: states.getWritable,
      applyToKeyedState: (descriptor: StateDescriptor, fn: KeyedStateFunctionLike<unknown, State>) => backend.applyToAllKeys(descriptor, perKey(fn)),
    } as KeyedBroadcastContext<unknown>;
  }

  protected callInput1(value: unknown): void {
    this.fn.processElement(value, this.readOnlyContext, this.output as Collector<unknown>);
  }

  protected callInput2(value: unknown): void {
    this.fn.processBroadcastElement(value, this.context, this.output as Collector<unknown>);
  }

  onEventTime(timer: InternalTimer): void {
    this.fireTimer(this.fn, this.contexts, timer, 'EVENT_TIME');
  }

  onProcessingTime(timer: InternalTimer): void {
    this.fireTimer(this.fn, this.contexts, timer, 'PROCESSING_TIME');
  }
}

/** The per-key call of `applyToKeyedState`'s function: a function itself, or Flink's KeyedStateFunction shape (`process(key, state)`). */
function perKey(fn: KeyedStateFunctionLike<unknown, State>): (key: unknown, state: State) => void {
  if (typeof fn === 'function') return fn;
  if (typeof (fn as { process?: unknown } | null)?.process === 'function') return (key, state) => fn.process(key, state);
  throw new TypeError(`applyToKeyedState needs a function (key, state) => void or an object with process(key, state), got ${describeArgument(fn)}.`);
}
