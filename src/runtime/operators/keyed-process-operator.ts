import type { Collector, KeyedProcessFunction, OnTimerContext, TimeDomain } from '../../graph/index.js';
import type { InternalTimerService } from '../timer-service.js';
import { FunctionOperator } from './function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `process` on a keyed stream: keyed state and processing-time timers. */
export class KeyedProcessOperator extends FunctionOperator<unknown> {
  private readonly fn: KeyedProcessFunction<unknown, unknown, unknown>;
  private readonly timers: InternalTimerService;
  private readonly context: OnTimerContext<unknown>;

  constructor(ctx: OperatorContext, fn: KeyedProcessFunction<unknown, unknown, unknown>) {
    super(ctx, fn);
    this.fn = fn;
    this.timers = ctx.timerService!;
    const backend = ctx.keyedBackend!;
    const timers = this.timers;
    const domain: TimeDomain = 'PROCESSING_TIME';
    // One context object for elements and timers: it only reads the current key and services.
    this.context = {
      timerService: () => timers,
      getCurrentKey: () => backend.getCurrentKey(),
      timeDomain: () => domain,
    };
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override nextTimerTime(): number {
    return this.timers.nextTimerTime();
  }

  override advanceProcessingTime(now: number): void {
    this.timers.advanceTo(now, (timer) => {
      try {
        this.fn.onTimer(timer.timestamp, this.context, this.output as Collector<unknown>);
      } catch (err) {
        throw userError(this.name, err);
      }
    });
  }
}
