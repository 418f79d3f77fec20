import type { Collector, ProcessContext, ProcessFunction, TimerService } from '../../graph/index.js';
import { FunctionOperator } from './function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `process` on a non-keyed stream: no keyed state, no timers (as in Flink). */
export class ProcessOperator extends FunctionOperator<unknown> {
  private readonly fn: ProcessFunction<unknown, unknown>;
  private readonly context: ProcessContext;

  constructor(ctx: OperatorContext, fn: ProcessFunction<unknown, unknown>) {
    super(ctx, fn);
    this.fn = fn;
    const clock = ctx.clock;
    const timers: TimerService = {
      currentProcessingTime: () => clock.now(),
      registerProcessingTimeTimer: () => {
        throw new Error('Setting timers is only supported on a keyed stream: use keyBy() before process().');
      },
      deleteProcessingTimeTimer: () => {
        throw new Error('Deleting timers is only supported on a keyed stream: use keyBy() before process().');
      },
    };
    this.context = { timerService: () => timers };
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.fn.processElement(value, this.context, this.output as Collector<unknown>);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
