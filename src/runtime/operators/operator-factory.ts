import type { KeyedProcessFunction, OperatorSpec, ProcessFunction, TwoInputOperatorSpec } from '../../graph/index.js';
import { FilterOperator } from './filter-operator.js';
import { FlatMapOperator } from './flat-map-operator.js';
import { KeyedProcessOperator } from './keyed-process-operator.js';
import { MapOperator } from './map-operator.js';
import { PrintSinkOperator } from './print-sink-operator.js';
import { ProcessOperator } from './process-operator.js';
import { ReduceOperator } from './reduce-operator.js';
import { SinkFunctionOperator } from './sink-function-operator.js';
import { SinkWriterOperator } from './sink-writer-operator.js';
import { TimestampsAndWatermarksOperator } from './timestamps-and-watermarks-operator.js';
import type { OperatorContext, StreamOperator } from './stream-operator.js';
import { instantiateUserFunction } from './user-function.js';
import { createWindowOperator } from './window/create-window-operator.js';
import { createTwoInputOperator } from './two-input/create-two-input-operator.js';

/** Creates the runtime operator for an operator spec of the job graph. */
export function createOperator(original: OperatorSpec | TwoInputOperatorSpec, ctx: OperatorContext): StreamOperator<unknown> {
  const spec = 'fn' in original ? ({ ...original, fn: instantiateUserFunction(original.fn) } as OperatorSpec | TwoInputOperatorSpec) : original;
  switch (spec.kind) {
    case 'map':
      return new MapOperator(ctx, spec.fn);
    case 'filter':
      return new FilterOperator(ctx, spec.fn);
    case 'flatMap':
      return new FlatMapOperator(ctx, spec.fn);
    case 'reduce':
      return new ReduceOperator(ctx, spec.fn);
    case 'process':
      return new ProcessOperator(ctx, spec.fn as ProcessFunction<unknown, unknown>);
    case 'keyedProcess':
      return new KeyedProcessOperator(ctx, spec.fn as KeyedProcessFunction<unknown, unknown, unknown>);
    case 'timestampsAndWatermarks':
      return new TimestampsAndWatermarksOperator(ctx, spec.strategy, ctx.autoWatermarkIntervalMs);
    case 'sinkFunction':
      return new SinkFunctionOperator(ctx, spec.fn);
    case 'sink':
      return new SinkWriterOperator(ctx, spec.sink);
    case 'print':
      return new PrintSinkOperator(ctx, spec.prefix, spec.stderr);
    case 'window':
      return createWindowOperator(ctx, spec.window);
    default:
      return createTwoInputOperator(spec, ctx);
  }
}
