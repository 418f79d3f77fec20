import type { BroadcastReadOnlyContext, OnTimerContext, ProcessContext, TimeDomain, TimerService } from '../../graph/index.js';
import type { Clock } from '../../util/clock.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { InternalTimer } from '../timers/internal-timer-service.js';
import { type SideOutputEmitter, sideOutputEmitter } from './side-output.js';
import type { OperatorContext } from './stream-operator.js';

/** Namespace of a process function's timers (Flink's VoidNamespace). */
const NO_NAMESPACE = 0;

function keyedOnly(what: 'Setting' | 'Deleting'): () => never {
  return () => {
    throw new Error(`${what} timers is only supported on a keyed stream: use keyBy() before process().`);
  };
}

/** The timer service of a non-keyed function: the clocks, no timers (as in Flink). */
function nonKeyedTimerService(clock: Clock, watermark: () => number): TimerService {
  return {
    currentProcessingTime: () => clock.now(),
    currentWatermark: watermark,
    registerProcessingTimeTimer: keyedOnly('Setting'),
    registerEventTimeTimer: keyedOnly('Setting'),
    deleteProcessingTimeTimer: keyedOnly('Deleting'),
    deleteEventTimeTimer: keyedOnly('Deleting'),
  };
}

/** The timestamp of the record being processed, as a function context gives it: `null` for none. */
export function recordTimestamp(ctx: OperatorContext): () => number | null {
  const rc = ctx.recordContext;
  return () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp);
}

/** The context of a non-keyed process function: the record's timestamp, the clocks, side outputs. */
export function nonKeyedProcessContext(ctx: OperatorContext, watermark: () => number): ProcessContext {
  const timers = nonKeyedTimerService(ctx.clock, watermark);
  return {
    timestamp: recordTimestamp(ctx),
    timerService: () => timers,
    output: sideOutputEmitter(ctx),
  };
}

/**
 * What both contexts of a broadcast function have: the record's timestamp, the clocks, side
 * outputs. `rawTimestamp`: the broadcast side's `timestamp()` is the slot as it is, MIN_TIMESTAMP
 * for a record without one (Flink's ReadWriteContextImpl returns element.getTimestamp(),
 * Long.MIN_VALUE then), where the non-broadcast side's is null (ReadOnlyContextImpl).
 */
export function broadcastBaseContext(ctx: OperatorContext, watermark: () => number, rawTimestamp = false): Omit<BroadcastReadOnlyContext, 'getBroadcastState'> {
  const rc = ctx.recordContext;
  return {
    timestamp: rawTimestamp ? () => rc.timestamp : recordTimestamp(ctx),
    currentProcessingTime: () => ctx.clock.now(),
    currentWatermark: watermark,
    output: sideOutputEmitter(ctx),
  };
}

/**
 * `ctx.output(tag, value)` in `onTimer`: the value carries the timer's time in both domains, as
 * Flink's OnTimerContextImpl stamps it (`timer.getTimestamp()`), although the main output of a
 * processing-time timer carries none (Flink erases it there); the task's slot holds no timestamp
 * while a processing-time timer fires, so it is set for the side output's call only.
 */
function timerSideOutput(ctx: OperatorContext, emit: SideOutputEmitter, timerTimestamp: () => number): SideOutputEmitter {
  const rc = ctx.recordContext;
  return (tag, value) => {
    const previous = rc.timestamp;
    rc.timestamp = timerTimestamp();
    try {
      emit(tag, value);
    } finally {
      rc.timestamp = previous;
    }
  };
}

/**
 * The two contexts of a keyed process function (element and timer), made once per operator:
 * they only read the current key, the timestamp slot and the timer service. `startTimer`
 * points the timer context at the timer about to fire. `extra` adds what a kind of function's
 * contexts have besides (a keyed broadcast function's clocks and read-only broadcast state).
 */
export class KeyedFunctionContexts<X extends object = object> {
  readonly element: OnTimerContext<unknown> & X;
  readonly timer: OnTimerContext<unknown> & X;
  readonly timerService: TimerService;
  private domain: TimeDomain = 'EVENT_TIME';
  private timerTimestamp = MIN_TIMESTAMP;

  constructor(ctx: OperatorContext, extra?: X) {
    const internal = ctx.timerService!;
    const backend = ctx.keyedBackend!;
    const timers: TimerService = {
      currentProcessingTime: () => internal.currentProcessingTime(),
      currentWatermark: () => internal.currentWatermark(),
      registerProcessingTimeTimer: (t) => internal.registerProcessingTimeTimer(NO_NAMESPACE, t),
      registerEventTimeTimer: (t) => internal.registerEventTimeTimer(NO_NAMESPACE, t),
      deleteProcessingTimeTimer: (t) => internal.deleteProcessingTimeTimer(NO_NAMESPACE, t),
      deleteEventTimeTimer: (t) => internal.deleteEventTimeTimer(NO_NAMESPACE, t),
    };
    this.timerService = timers;
    const emit = sideOutputEmitter(ctx);
    const common = { ...(extra as X), timerService: () => timers, getCurrentKey: () => backend.getCurrentKey(), output: emit };
    this.element = { ...common, timestamp: recordTimestamp(ctx), timeDomain: () => this.domain };
    this.timer = { ...common, timestamp: () => this.timerTimestamp, timeDomain: () => this.domain, output: timerSideOutput(ctx, emit, () => this.timerTimestamp) };
  }

  /** The timer context now describes `timer` of `domain`. */
  startTimer(timer: InternalTimer, domain: TimeDomain): OnTimerContext<unknown> & X {
    this.domain = domain;
    this.timerTimestamp = timer.timestamp;
    return this.timer;
  }
}
