import type {
  Collector,
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessFunction,
  KeyedBroadcastReadOnlyContext,
  TimeDomain,
} from '../../../graph/index.js';
import type { MapStateDescriptor, State, StateDescriptor } from '../../../state/index.js';
import { MIN_TIMESTAMP } from '../../../util/time.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { KeyedFunctionContexts } from '../process-function-contexts.js';
import { sideOutputEmitter } from '../side-output.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { BroadcastStates } from './broadcast-states.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/**
 * A keyed stream connected with a broadcast stream (Flink's CoBroadcastWithKeyedOperator):
 * input 1 is keyed (keyed state, timers, read-only broadcast state); input 2 changes the
 * broadcast state and reaches every key's state through `applyToKeyedState`.
 */
export class CoBroadcastWithKeyedOperator extends TwoInputStreamOperator implements Triggerable {
  private readonly readOnlyContext: KeyedBroadcastReadOnlyContext<unknown>;
  private readonly context: KeyedBroadcastContext<unknown>;
  private readonly timerContext: KeyedBroadcastOnTimerContext<unknown>;
  private domain: TimeDomain = 'EVENT_TIME';
  private timerTimestamp = MIN_TIMESTAMP;

  constructor(
    ctx: OperatorContext,
    private readonly fn: KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    super(ctx, fn);
    const states = new BroadcastStates(ctx, descriptors);
    const backend = ctx.keyedBackend!;
    const timers = new KeyedFunctionContexts(ctx).timerService;
    const rc = ctx.recordContext;
    const base = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => this.currentWatermark,
      output: sideOutputEmitter(ctx),
    };
    const readOnly = ((d: MapStateDescriptor<unknown, unknown>) => states.get(d).readOnly) as KeyedBroadcastReadOnlyContext<unknown>['getBroadcastState'];
    const timestamp = () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp);
    this.readOnlyContext = { ...base, timestamp, getBroadcastState: readOnly, getCurrentKey: () => backend.getCurrentKey(), timerService: () => timers };
    this.timerContext = {
      ...base,
      timestamp: () => this.timerTimestamp,
      getBroadcastState: readOnly,
      getCurrentKey: () => backend.getCurrentKey(),
      timerService: () => timers,
      timeDomain: () => this.domain,
    };
    this.context = {
      ...base,
      timestamp,
      getBroadcastState: ((d: MapStateDescriptor<unknown, unknown>) => states.get(d)) as KeyedBroadcastContext<unknown>['getBroadcastState'],
      applyToKeyedState: (descriptor: StateDescriptor, fn: (key: unknown, state: State) => void) => backend.applyToAllKeys(descriptor, fn),
    } as KeyedBroadcastContext<unknown>;
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

  onEventTime(timer: InternalTimer): void {
    this.onTimer(timer, 'EVENT_TIME');
  }

  onProcessingTime(timer: InternalTimer): void {
    this.onTimer(timer, 'PROCESSING_TIME');
  }

  private onTimer(timer: InternalTimer, domain: TimeDomain): void {
    this.domain = domain;
    this.timerTimestamp = timer.timestamp;
    try {
      this.fn.onTimer(timer.timestamp, this.timerContext, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
