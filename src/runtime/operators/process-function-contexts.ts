import type { OnTimerContext, ProcessContext, TimeDomain, TimerService } from '../../graph/index.js';
import type { Clock } from '../../util/clock.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { InternalTimer } from '../timers/internal-timer-service.js';
import { sideOutputEmitter } from './side-output.js';
import type { OperatorContext } from './stream-operator.js';

/** Namespace of a process function's timers (Flink's VoidNamespace). */
export const NO_NAMESPACE = 0;

function keyedOnly(what: 'Setting' | 'Deleting'): () => never {
  return () => {
    throw new Error(`${what} timers is only supported on a keyed stream: use keyBy() before process().`);
  };
}

/** The timer service of a non-keyed function: the clocks, no timers (as in Flink). */
export function nonKeyedTimerService(clock: Clock, watermark: () => number): TimerService {
  return {
    currentProcessingTime: () => clock.now(),
    currentWatermark: watermark,
    registerProcessingTimeTimer: keyedOnly('Setting'),
    registerEventTimeTimer: keyedOnly('Setting'),
    deleteProcessingTimeTimer: keyedOnly('Deleting'),
    deleteEventTimeTimer: keyedOnly('Deleting'),
  };
}

/** The context of a non-keyed process function: the record's timestamp, the clocks, side outputs. */
export function nonKeyedProcessContext(ctx: OperatorContext, watermark: () => number): ProcessContext {
  const rc = ctx.recordContext;
  const timers = nonKeyedTimerService(ctx.clock, watermark);
  return {
    timestamp: () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp),
    timerService: () => timers,
    output: sideOutputEmitter(ctx),
  };
}

/**
 * The two contexts of a keyed process function (element and timer), made once per operator:
 * they only read the current key, the timestamp slot and the timer service. `startTimer`
 * points the timer context at the timer about to fire.
 */
export class KeyedFunctionContexts {
  readonly element: OnTimerContext<unknown>;
  readonly timer: OnTimerContext<unknown>;
  readonly timerService: TimerService;
  private domain: TimeDomain = 'EVENT_TIME';
  private timerTimestamp = MIN_TIMESTAMP;

  constructor(ctx: OperatorContext) {
    const internal = ctx.timerService!;
    const backend = ctx.keyedBackend!;
    const rc = ctx.recordContext;
    const timers: TimerService = {
      currentProcessingTime: () => internal.currentProcessingTime(),
      currentWatermark: () => internal.currentWatermark(),
      registerProcessingTimeTimer: (t) => internal.registerProcessingTimeTimer(NO_NAMESPACE, t),
      registerEventTimeTimer: (t) => internal.registerEventTimeTimer(NO_NAMESPACE, t),
      deleteProcessingTimeTimer: (t) => internal.deleteProcessingTimeTimer(NO_NAMESPACE, t),
      deleteEventTimeTimer: (t) => internal.deleteEventTimeTimer(NO_NAMESPACE, t),
    };
    this.timerService = timers;
    const common = { timerService: () => timers, getCurrentKey: () => backend.getCurrentKey(), output: sideOutputEmitter(ctx) };
    this.element = { ...common, timestamp: () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp), timeDomain: () => this.domain };
    this.timer = { ...common, timestamp: () => this.timerTimestamp, timeDomain: () => this.domain };
  }

  /** The timer context now describes `timer` of `domain`. */
  startTimer(timer: InternalTimer, domain: TimeDomain): OnTimerContext<unknown> {
    this.domain = domain;
    this.timerTimestamp = timer.timestamp;
    return this.timer;
  }
}
