import type { Collector, KeyedCoProcessFunction, TimeDomain } from '../../../graph/index.js';
import type { InternalTimer, Triggerable } from '../../timers/internal-timer-service.js';
import { KeyedFunctionContexts } from '../process-function-contexts.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { TwoInputStreamOperator } from './two-input-stream-operator.js';

/**
 * `process(KeyedCoProcessFunction)` on connected keyed streams (Flink's KeyedCoProcessOperator):
 * one keyed state and one set of timers per key, shared by both inputs; the task sets the key
 * of each record from the key its input's partitioner computed.
 */
export class KeyedCoProcessOperator extends TwoInputStreamOperator implements Triggerable {
  private readonly contexts: KeyedFunctionContexts;

  constructor(
    ctx: OperatorContext,
    private readonly fn: KeyedCoProcessFunction<unknown, unknown, unknown, unknown>,
  ) {
    super(ctx, fn);
    this.contexts = new KeyedFunctionContexts(ctx);
  }

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement1(value, this.contexts.element, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement2(value, this.contexts.element, this.output as Collector<unknown>);
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
    try {
      this.fn.onTimer(timer.timestamp, this.contexts.startTimer(timer, domain), this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
