import type { Collector, ProcessContext, ProcessFunction, TimerService } from '../../graph/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import { FunctionOperator } from './function-operator.js';
import { sideOutputEmitter } from './side-output.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

function keyedOnly(): never {
  throw new Error('Setting timers is only supported on a keyed stream: use keyBy() before process().');
}

/** `process` on a non-keyed stream: timestamps, the watermark and side outputs; no keyed state, no timers (as in Flink). */
export class ProcessOperator extends FunctionOperator<unknown> {
  private readonly fn: ProcessFunction<unknown, unknown>;
  private readonly context: ProcessContext;

  constructor(ctx: OperatorContext, fn: ProcessFunction<unknown, unknown>) {
    super(ctx, fn);
    this.fn = fn;
    const clock = ctx.clock;
    const rc = ctx.recordContext;
    const timers: TimerService = {
      currentProcessingTime: () => clock.now(),
      currentWatermark: () => this.currentWatermark,
      registerProcessingTimeTimer: keyedOnly,
      registerEventTimeTimer: keyedOnly,
      deleteProcessingTimeTimer: () => {
        throw new Error('Deleting timers is only supported on a keyed stream: use keyBy() before process().');
      },
      deleteEventTimeTimer: () => {
        throw new Error('Deleting timers is only supported on a keyed stream: use keyBy() before process().');
      },
    };
    this.context = {
      timestamp: () => (rc.timestamp === MIN_TIMESTAMP ? null : rc.timestamp),
      timerService: () => timers,
      output: sideOutputEmitter(ctx),
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
}
