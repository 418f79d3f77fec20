import type { DataStream } from '../api/index.js';
import {
  type KeyedWindowFunction,
  WindowOperatorBuilder,
  aggregateContents,
  keyedWindowFunction,
  processWindowFunction,
  reduceContents,
} from '../api/window-operator-spec.js';
import type { KeySelectorLike, ProcessWindowFunction, ReduceFunctionLike, WindowContentsSpec, WindowFunction, WindowFunctionLike, WindowFunctionSpec } from '../graph/index.js';
import type { AggregateFunction } from '../state/index.js';
import type { Window, WindowAssigner } from '../windowing/index.js';
import { StateBootstrapTransformation } from './state-bootstrap-transformation.js';

type AnyKeyedWindowFunction = KeyedWindowFunction<unknown, unknown, unknown, unknown>;

/**
 * Keyed records bootstrapped into the windows of a window operator (Flink's
 * WindowedStateTransformation): `bootstrapWith(stream).keyBy(selector).window(assigner)`, then
 * the trigger, evictor and allowed lateness and the function the job's window has. Each record
 * goes into its windows as it would in the job, by its timestamp (or, for processing-time
 * windows, the writing job's clock); no timer fires and none is late (a trigger that fires on
 * elements, a count window's, fires as in Flink, its results dropped). A job started from the
 * savepoint with that window (same uid) finds them open, with their timers, and fires them when
 * its watermark — or, for processing-time windows, its clock — passes their end.
 *
 * Give the trigger (its state and timers are written with the windows), evictor and allowed
 * lateness the job's window has. `allowedLateness` goes beyond Flink's, which has none: it puts
 * each window's cleanup timer at its end plus the lateness, where the job sets it; without it,
 * a job with allowed lateness fires the windows at their end but keeps them until a late
 * element sets their cleanup timer.
 *
 * @example
 * const windows = OperatorTransformation.bootstrapWith(clicks)     // records with their timestamps
 *   .keyBy((c) => c.user)
 *   .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
 *   .aggregate(countClicks);                                          // as the job's window
 * SavepointWriter.newSavepoint(env).withOperator('clicks-per-minute', windows).write(path);
 */
export class WindowedStateTransformation<T, K, W extends Window> extends WindowOperatorBuilder<T, W> {
  /** @internal use `bootstrapWith(stream).keyBy(selector).window(assigner)` */
  constructor(
    private readonly stream: DataStream<T>,
    private readonly selector: KeySelectorLike<T, K>,
    private readonly maxParallelism: number | undefined,
    assigner: WindowAssigner<T, W>,
  ) {
    super(assigner);
  }

  /** The job's window reduces its records with `fn` (with `windowFunction` or not: the state is the same). */
  reduce<R>(fn: ReduceFunctionLike<T>, windowFunction?: KeyedWindowFunction<T, R, K, W>): StateBootstrapTransformation<K, T> {
    return this.bootstrap(reduceContents(fn), keyedWindowFunction(windowFunction as AnyKeyedWindowFunction | undefined, true));
  }

  /** The job's window aggregates its records with `fn` (with `windowFunction` or not: the state is the same). */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction?: KeyedWindowFunction<V, R, K, W>): StateBootstrapTransformation<K, T> {
    return this.bootstrap(aggregateContents(fn), keyedWindowFunction(windowFunction as AnyKeyedWindowFunction | undefined, true));
  }

  /** The job's window keeps its records for a ProcessWindowFunction. */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): StateBootstrapTransformation<K, T> {
    return this.bootstrap({ kind: 'elements' }, processWindowFunction(fn));
  }

  /** The job's window keeps its records for a WindowFunction. */
  apply<R>(fn: WindowFunctionLike<T, R, K, W>): StateBootstrapTransformation<K, T> {
    return this.bootstrap({ kind: 'elements' }, keyedWindowFunction(fn as AnyKeyedWindowFunction));
  }

  private bootstrap(contents: WindowContentsSpec, fn: WindowFunctionSpec): StateBootstrapTransformation<K, T> {
    return new StateBootstrapTransformation(this.stream, { kind: 'window', selector: this.selector, window: this.windowSpec(contents, fn) }, this.maxParallelism);
  }
}
