import type { KeyedCoProcessFunction, OnTimerContext } from '../../../graph/index.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { KeyedFunctionContexts } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputProcessOperator } from './two-input-process-operator.js';

/**
 * `process(KeyedCoProcessFunction)` on connected keyed streams (Flink's KeyedCoProcessOperator):
 * one keyed state and one set of timers per key, shared by both inputs; the task sets the key
 * of each record from the key its input's partitioner computed.
 */
export class KeyedCoProcessOperator extends TwoInputProcessOperator implements Triggerable {
  protected readonly context1: OnTimerContext<unknown>;
  protected readonly context2: OnTimerContext<unknown>;
  private readonly contexts: KeyedFunctionContexts;

  constructor(
    ctx: OperatorContext,
    private readonly fn: KeyedCoProcessFunction<unknown, unknown, unknown, unknown>,
  ) {
    super(ctx, fn, fn.processElement1, fn.processElement2);
    this.contexts = new KeyedFunctionContexts(ctx);
    this.context1 = this.context2 = this.contexts.element;
  }

  onEventTime(timer: InternalTimer): void {
    this.invokeProcess(this.fn.onTimer, timer.timestamp, this.contexts.startTimer(timer, 'EVENT_TIME'));
  }

  onProcessingTime(timer: InternalTimer): void {
    this.invokeProcess(this.fn.onTimer, timer.timestamp, this.contexts.startTimer(timer, 'PROCESSING_TIME'));
  }
}
