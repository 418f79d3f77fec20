import type { Collector, KeyedProcessFunction } from '../../graph/index.js';
import type { InternalTimer, Triggerable } from '../timers/internal-timer-service.js';
import { FunctionOperator } from './function-operator.js';
import { KeyedFunctionContexts } from './process-function-contexts.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/**
 * `process` on a keyed stream: keyed state and timers in both time domains (Flink's
 * KeyedProcessOperator). Output carries the record's timestamp; from a timer, an event-time
 * timer's time or, for a processing-time timer, none.
 */
export class KeyedProcessOperator extends FunctionOperator<unknown> implements Triggerable {
  private readonly fn: KeyedProcessFunction<unknown, unknown, unknown>;
  private readonly contexts: KeyedFunctionContexts;

  constructor(ctx: OperatorContext, fn: KeyedProcessFunction<unknown, unknown, unknown>) {
    super(ctx, fn);
    this.fn = fn;
    this.contexts = new KeyedFunctionContexts(ctx);
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.contexts.element, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  onEventTime(timer: InternalTimer): void {
    this.fireTimer(this.fn, this.contexts, timer, 'EVENT_TIME');
  }

  onProcessingTime(timer: InternalTimer): void {
    this.fireTimer(this.fn, this.contexts, timer, 'PROCESSING_TIME');
  }
}
