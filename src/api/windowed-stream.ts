/**
 * `keyedStream.window(assigner)` (Flink's WindowedStream) and, over a constant key,
 * `stream.windowAll(assigner)` (AllWindowedStream): set the trigger, evictor, allowed lateness
 * and late-data output, then a function that turns each firing window into results.
 */
import {
  type AllWindowFunctionOrLambda,
  type OutputTag,
  ProcessAllWindowFunction,
  type ProcessWindowFunction,
  type ReduceFunctionLike,
  type WindowContentsSpec,
  type WindowFunctionLike,
  type WindowFunctionSpec,
  type WindowOperatorSpec,
} from '../graph/index.js';
import type { AggregateFunction } from '../state/index.js';
import type { Window, WindowAssigner } from '../windowing/index.js';
import { FieldAggregations } from './field-aggregations.js';
import type { DataStream, SingleOutputStreamOperator } from './data-stream.js';
import type { StreamExecutionEnvironment } from './stream-execution-environment.js';
import { applyMixin } from './mixin.js';
import {
  type KeyedWindowFunction,
  WindowOperatorBuilder,
  aggregateContents,
  keyedWindowFunction,
  processWindowFunction,
  reduceContents,
} from './window-operator-spec.js';

export type { KeyedWindowFunction } from './window-operator-spec.js';

/** What both windowed streams configure before a function is given. */
abstract class WindowingBuilder<T, W extends Window> extends WindowOperatorBuilder<T, W> {
  /**
   * @param add adds the window operator to the job (the input's transformation, keyed; for
   *   windowAll with parallelism 1)
   */
  constructor(
    protected readonly input: DataStream<T>,
    assigner: WindowAssigner<T, W>,
    private readonly add: <R>(name: string, spec: WindowOperatorSpec) => SingleOutputStreamOperator<R>,
  ) {
    super(assigner);
  }

  /** Sends late elements (those every window of which has passed its lateness) to `tag` instead of dropping them. */
  sideOutputLateData(tag: OutputTag<T>): this {
    this.setLateDataTag(tag);
    return this;
  }

  /** Adds the window operator with `contents` and `fn`. */
  protected windowOperator<R>(contents: WindowContentsSpec, fn: WindowFunctionSpec): SingleOutputStreamOperator<R> {
    return this.add<R>(this.assigner.constructor.name, this.windowSpec(contents, fn));
  }

  /** The environment of the windowed stream. */
  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.input.getExecutionEnvironment();
  }

  /** @internal */
  reduceFields(fn: ReduceFunctionLike<T>): SingleOutputStreamOperator<T> {
    return this.windowOperator<T>({ kind: 'reduce', fn: fn as ReduceFunctionLike<unknown> }, { kind: 'none' });
  }
}

// The windowed streams take the field aggregations (sum, min, …) as a mixin, as KeyedStream does.
interface WindowingBuilder<T, W extends Window> extends FieldAggregations<T> {}
applyMixin(WindowingBuilder, FieldAggregations);

type AnyKeyedWindowFunction = KeyedWindowFunction<unknown, unknown, unknown, unknown>;

/**
 * A keyed stream grouped into windows (Flink's WindowedStream): each key's records go to the
 * windows the assigner gives them, and a window's contents become results when its trigger
 * fires. Results carry the window's `maxTimestamp()`.
 *
 * @example
 * clicks.keyBy((c) => c.user)
 *   .window(TumblingEventTimeWindows.of(Duration.ofMinutes(1)))
 *   .allowedLateness(Duration.ofSeconds(30))
 *   .aggregate(countClicks, new PerUserReport());
 */
export class WindowedStream<T, K, W extends Window> extends WindowingBuilder<T, W> {
  /** @internal use `keyedStream.window(assigner)` */
  constructor(input: DataStream<T>, assigner: WindowAssigner<T, W>, add: <R>(name: string, spec: WindowOperatorSpec) => SingleOutputStreamOperator<R>) {
    super(input, assigner, add);
  }

  /** Folds each window's records with `fn` as they arrive (one value per key and window); emits it when the window fires. */
  reduce(fn: ReduceFunctionLike<T>): SingleOutputStreamOperator<T>;
  /** Folds each window's records with `fn`; when the window fires, `windowFunction` gets the folded value (one element). */
  reduce<R>(fn: ReduceFunctionLike<T>, windowFunction: KeyedWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: ReduceFunctionLike<T>, windowFunction?: KeyedWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R | T> {
    const contents = reduceContents(fn);
    return this.windowOperator(contents, keyedWindowFunction(windowFunction as AnyKeyedWindowFunction | undefined, true));
  }

  /** Aggregates each window's records into one accumulator per key and window; emits `getResult` when the window fires. */
  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): SingleOutputStreamOperator<V>;
  /** As {@link aggregate}, and `windowFunction` gets the result (one element) with the window. */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction: KeyedWindowFunction<V, R, K, W>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction?: KeyedWindowFunction<V, R, K, W>): SingleOutputStreamOperator<V | R> {
    const contents = aggregateContents(fn);
    return this.windowOperator(contents, keyedWindowFunction(windowFunction as AnyKeyedWindowFunction | undefined, true));
  }

  /** Keeps each window's records and hands them to `fn` when the window fires. */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R> {
    return this.windowOperator({ kind: 'elements' }, processWindowFunction(fn));
  }

  /** Keeps each window's records and hands them to `fn(key, window, elements, out)` when the window fires. */
  apply<R>(fn: WindowFunctionLike<T, R, K, W>): SingleOutputStreamOperator<R> {
    return this.windowOperator({ kind: 'elements' }, keyedWindowFunction(fn as AnyKeyedWindowFunction));
  }

}

/** A window function of `windowAll`: a ProcessAllWindowFunction, or an AllWindowFunction (a function or an object with `apply`). */
export type AllWindowFunctionLike<IN, OUT, W> = ProcessAllWindowFunction<IN, OUT, W> | AllWindowFunctionOrLambda<IN, OUT, W>;

function allFunction(fn: AllWindowFunctionLike<unknown, unknown, unknown>): WindowFunctionSpec {
  if (fn instanceof ProcessAllWindowFunction) return { kind: 'processAll', fn };
  if (typeof fn === 'function' || typeof (fn as { apply?: unknown })?.apply === 'function') return { kind: 'applyAll', fn };
  throw new TypeError('An all-window function is a ProcessAllWindowFunction, a function (window, elements, out) => void, or an object with apply(window, elements, out).');
}

/**
 * The whole stream grouped into windows (Flink's AllWindowedStream): one window operator with
 * parallelism 1 sees every record.
 */
export class AllWindowedStream<T, W extends Window> extends WindowingBuilder<T, W> {
  /** @internal use `stream.windowAll(assigner)` */
  constructor(input: DataStream<T>, assigner: WindowAssigner<T, W>, add: <R>(name: string, spec: WindowOperatorSpec) => SingleOutputStreamOperator<R>) {
    super(input, assigner, add);
  }

  reduce(fn: ReduceFunctionLike<T>): SingleOutputStreamOperator<T>;
  reduce<R>(fn: ReduceFunctionLike<T>, windowFunction: AllWindowFunctionLike<T, R, W>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: ReduceFunctionLike<T>, windowFunction?: AllWindowFunctionLike<T, R, W>): SingleOutputStreamOperator<R | T> {
    const contents = reduceContents(fn);
    return this.windowOperator(contents, windowFunction === undefined ? { kind: 'none' } : allFunction(windowFunction as AllWindowFunctionLike<unknown, unknown, unknown>));
  }

  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): SingleOutputStreamOperator<V>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction: AllWindowFunctionLike<V, R, W>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction?: AllWindowFunctionLike<V, R, W>): SingleOutputStreamOperator<V | R> {
    const contents = aggregateContents(fn);
    return this.windowOperator(contents, windowFunction === undefined ? { kind: 'none' } : allFunction(windowFunction as AllWindowFunctionLike<unknown, unknown, unknown>));
  }

  process<R>(fn: ProcessAllWindowFunction<T, R, W>): SingleOutputStreamOperator<R> {
    if (!(fn instanceof ProcessAllWindowFunction)) throw new TypeError('process needs a ProcessAllWindowFunction (a class extending it).');
    return this.windowOperator({ kind: 'elements' }, { kind: 'processAll', fn: fn as ProcessAllWindowFunction<unknown, unknown, unknown> });
  }

  apply<R>(fn: AllWindowFunctionOrLambda<T, R, W>): SingleOutputStreamOperator<R> {
    return this.windowOperator({ kind: 'elements' }, allFunction(fn as AllWindowFunctionOrLambda<unknown, unknown, unknown>));
  }

}
