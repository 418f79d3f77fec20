import type { Collector, KeyedProcessFunction, OnTimerContext, TimeDomain, TimerService } from '../../graph/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { InternalTimer, Triggerable } from '../timers/internal-timer-service.js';
import { FunctionOperator } from './function-operator.js';
import { sideOutputEmitter } from './side-output.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** Namespace of a process function's timers (Flink's VoidNamespace). */
const NO_NAMESPACE = 0;

/**
 * `process` on a keyed stream: keyed state and timers in both time domains (Flink's
 * KeyedProcessOperator). Output carries the record's timestamp; from a timer, an event-time
 * timer's time or, for a processing-time timer, none.
 */
export class KeyedProcessOperator extends FunctionOperator<unknown> implements Triggerable {
  private readonly fn: KeyedProcessFunction<unknown, unknown, unknown>;
  private readonly elementContext: OnTimerContext<unknown>;
  private readonly timerContext: OnTimerContext<unknown>;
  private domain: TimeDomain = 'EVENT_TIME';
  private timerTimestamp = MIN_TIMESTAMP;

  constructor(ctx: OperatorContext, fn: KeyedProcessFunction<unknown, unknown, unknown>) {
    super(ctx, fn);
    this.fn = fn;
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
    const output = sideOutputEmitter(ctx);
    const common = {
      timerService: () => timers,
      getCurrentKey: () => backend.getCurrentKey(),
      output,
    };
    // Two context objects, made once: they only read the current key, slot and services.
    this.elementContext = {
      ...common,
      timestamp: () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp),
      timeDomain: () => this.domain,
    };
    this.timerContext = {
      ...common,
      timestamp: () => this.timerTimestamp,
      timeDomain: () => this.domain,
    };
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.elementContext, this.output as Collector<unknown>);
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
