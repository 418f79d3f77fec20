import type { OperatorSpec, TwoInputOperatorSpec } from '../../graph/index.js';
import { AsyncWaitOperator } from './async/async-wait-operator.js';
import { FilterOperator } from './filter-operator.js';
import { FlatMapOperator } from './flat-map-operator.js';
import { KeyedProcessOperator } from './keyed-process-operator.js';
import { KeyedStateBootstrapOperator } from './keyed-state-bootstrap-operator.js';
import { MapOperator } from './map-operator.js';
import { OperatorStateBootstrapOperator } from './operator-state-bootstrap-operator.js';
import { PrintSinkOperator } from './print-sink-operator.js';
import { ProcessOperator } from './process-operator.js';
import { ReduceOperator } from './reduce-operator.js';
import { SinkFunctionOperator } from './sink-function-operator.js';
import { SinkWriterOperator } from './sink-writer-operator.js';
import { TimestampsAndWatermarksOperator } from './timestamps-and-watermarks-operator.js';
import type { OperatorContext, StreamOperator } from './stream-operator.js';
import { instantiateUserFunction } from './user-function.js';
import { createWindowOperator } from './window/create-window-operator.js';
import { WindowStateBootstrapOperator } from './window/window-state-bootstrap-operator.js';
import { CoBroadcastWithKeyedOperator } from './two-input/co-broadcast-with-keyed-operator.js';
import { CoBroadcastWithNonKeyedOperator } from './two-input/co-broadcast-with-non-keyed-operator.js';
import { CoProcessOperator } from './two-input/co-process-operator.js';
import { CoStreamFlatMap } from './two-input/co-stream-flat-map.js';
import { CoStreamMap } from './two-input/co-stream-map.js';
import { IntervalJoinOperator } from './two-input/interval-join-operator.js';
import { KeyedCoProcessOperator } from './two-input/keyed-co-process-operator.js';

type Spec = OperatorSpec | TwoInputOperatorSpec;

/** How the runtime operator of each kind of spec is made, from the spec with its function already this subtask's copy. */
const OPERATORS: { readonly [K in Spec['kind']]: (ctx: OperatorContext, spec: Extract<Spec, { kind: K }>) => StreamOperator<unknown> } = {
  map: (ctx, spec) => new MapOperator(ctx, spec.fn),
  filter: (ctx, spec) => new FilterOperator(ctx, spec.fn),
  flatMap: (ctx, spec) => new FlatMapOperator(ctx, spec.fn),
  reduce: (ctx, spec) => new ReduceOperator(ctx, spec.fn),
  process: (ctx, spec) => new ProcessOperator(ctx, spec.fn),
  keyedProcess: (ctx, spec) => new KeyedProcessOperator(ctx, spec.fn),
  keyedStateBootstrap: (ctx, spec) => new KeyedStateBootstrapOperator(ctx, spec.fn, spec.uid, spec.name),
  windowStateBootstrap: (ctx, spec) => new WindowStateBootstrapOperator(ctx, spec.window, spec.uid, spec.name),
  operatorStateBootstrap: (ctx, spec) => new OperatorStateBootstrapOperator(ctx, spec.fn, spec.broadcast, spec.uid, spec.name),
  timestampsAndWatermarks: (ctx, spec) => new TimestampsAndWatermarksOperator(ctx, spec.strategy, ctx.autoWatermarkIntervalMs),
  sinkFunction: (ctx, spec) => new SinkFunctionOperator(ctx, spec.fn),
  sink: (ctx, spec) => new SinkWriterOperator(ctx, spec.sink),
  print: (ctx, spec) => new PrintSinkOperator(ctx, spec.prefix, spec.stderr),
  window: (ctx, spec) => createWindowOperator(ctx, spec.window),
  coMap: (ctx, spec) => new CoStreamMap(ctx, spec.fn),
  coFlatMap: (ctx, spec) => new CoStreamFlatMap(ctx, spec.fn),
  coProcess: (ctx, spec) => new CoProcessOperator(ctx, spec.fn),
  keyedCoProcess: (ctx, spec) => new KeyedCoProcessOperator(ctx, spec.fn),
  broadcastProcess: (ctx, spec) => new CoBroadcastWithNonKeyedOperator(ctx, spec.fn, spec.descriptors),
  keyedBroadcastProcess: (ctx, spec) => new CoBroadcastWithKeyedOperator(ctx, spec.fn, spec.descriptors),
  intervalJoin: (ctx, spec) => new IntervalJoinOperator(ctx, spec),
  asyncWait: (ctx, spec) => new AsyncWaitOperator(ctx, spec.fn, spec.ordered, spec.timeoutMs, spec.capacity, spec.retry),
};

/** Creates the runtime operator for an operator spec of the job graph. */
export function createOperator(original: Spec, ctx: OperatorContext): StreamOperator<unknown> {
  const spec = 'fn' in original ? ({ ...original, fn: instantiateUserFunction(original.fn) } as Spec) : original;
  const create = OPERATORS[spec.kind] as (ctx: OperatorContext, spec: Spec) => StreamOperator<unknown>;
  return create(ctx, spec);
}
