/**
 * What the window operator and its contexts use of their task besides keyed state: the timer
 * service (timers per window namespace, the clocks), the record-timestamp slot, side outputs.
 */
import type { OutputTag } from '../../../graph/index.js';
import type { Output } from '../../output.js';
import type { RecordContext } from '../../record-context.js';
import type { InternalTimerService } from '../../timers/internal-timer-service.js';
import type { OperatorContext } from '../stream-operator.js';

export interface WindowOperatorServices {
  readonly timerService: InternalTimerService;
  readonly recordContext: RecordContext;
  /** The output of side-output `tag`, or undefined when nothing reads it. */
  sideOutput(tag: OutputTag<unknown>): Output<unknown> | undefined;
}

/** The services of a keyed operator's context. */
export function windowServices(ctx: OperatorContext): WindowOperatorServices {
  const timerService = ctx.timerService;
  if (timerService === undefined) throw new Error(`internal: window operator "${ctx.node.name}" runs without keyed state and timers`);
  return { timerService, recordContext: ctx.recordContext, sideOutput: (tag) => ctx.sideOutput(tag) };
}
