import type { WindowFunctionSpec, WindowOperatorSpec } from '../../../graph/index.js';
import type { Window } from '../../../windowing/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { instantiateUserFunction } from '../user-function.js';
import { EvictingWindowOperator } from './evicting-window-operator.js';
import { internalWindowFunction } from './internal-window-function.js';
import { WindowOperator } from './window-operator.js';

/** The window operator of `spec` for one subtask, with its own copy of the window function: evicting if the spec has an evictor. */
export function createWindowOperator(ctx: OperatorContext, spec: WindowOperatorSpec): WindowOperator<Window> {
  const own = (spec.function.kind === 'none' ? spec.function : { ...spec.function, fn: instantiateUserFunction(spec.function.fn) }) as WindowFunctionSpec;
  const fn = internalWindowFunction<Window>(own, spec.contents.kind !== 'elements');
  return spec.evictor === undefined ? new WindowOperator(ctx, spec, fn) : new EvictingWindowOperator(ctx, spec, fn);
}
