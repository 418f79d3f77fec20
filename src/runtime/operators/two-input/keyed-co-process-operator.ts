import type { Collector, KeyedCoProcessFunction } from '../../../graph/index.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { KeyedFunctionContexts } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { TwoInputFunctionOperator } from './two-input-function-operator.js';

/**
 * `process(KeyedCoProcessFunction)` on connected keyed streams (Flink's KeyedCoProcessOperator):
 * one keyed state and one set of timers per key, shared by both inputs; the task sets the key
 * of each record from the key its input's partitioner computed.
 */
export class KeyedCoProcessOperator extends TwoInputFunctionOperator implements Triggerable {
  private readonly contexts: KeyedFunctionContexts;

  constructor(
    ctx: OperatorContext,
    private readonly fn: KeyedCoProcessFunction<unknown, unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
    this.contexts = new KeyedFunctionContexts(ctx);
  }

  protected callInput1(value: unknown): void {
    this.fn.processElement1(value, this.contexts.element, this.output as Collector<unknown>);
  }

  protected callInput2(value: unknown): void {
    this.fn.processElement2(value, this.contexts.element, this.output as Collector<unknown>);
  }

  onEventTime(timer: InternalTimer): void {
    this.fireTimer(this.fn, this.contexts, timer, 'EVENT_TIME');
  }

  onProcessingTime(timer: InternalTimer): void {
    this.fireTimer(this.fn, this.contexts, timer, 'PROCESSING_TIME');
  }
}
