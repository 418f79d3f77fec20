/**
 * `keyedStream.window(assigner)` (Flink's WindowedStream) and, over a constant key,
 * `stream.windowAll(assigner)` (AllWindowedStream): set the trigger, evictor, allowed lateness
 * and late-data output, then a function that turns each firing window into results.
 */
import {
  AbstractRichFunction,
  type AllWindowFunction,
  type OutputTag,
  ProcessAllWindowFunction,
  ProcessWindowFunction,
  type ReduceFunction,
  type WindowContentsSpec,
  type WindowFunction,
  type WindowFunctionSpec,
  type WindowOperatorSpec,
} from '../graph/index.js';
import type { AggregateFunction } from '../state/index.js';
import { JobDefinitionError } from '../util/errors.js';
import type { DurationLike } from '../util/time.js';
import { type Evictor, type Trigger, type Window, type WindowAssigner, allowedLatenessMillis, assignedWindows } from '../windowing/index.js';
import { FieldAggregations } from './field-aggregations.js';
import type { DataStream, SingleOutputStreamOperator } from './data-stream.js';
import type { StreamExecutionEnvironment } from './stream-execution-environment.js';

/** What both windowed streams configure before a function is given. */
abstract class WindowingBuilder<T, W extends Window> extends FieldAggregations<T> {
  protected windowTrigger: Trigger<T, W>;
  protected windowEvictor: Evictor<T, W> | undefined;
  protected lateness = 0;
  protected lateTag: OutputTag<T> | undefined;

  /**
   * @param add adds the window operator to the job (the input's transformation, keyed; for
   *   windowAll with parallelism 1)
   */
  protected constructor(
    protected readonly input: DataStream<T>,
    protected readonly assigner: WindowAssigner<T, W>,
    private readonly add: <R>(name: string, spec: WindowOperatorSpec) => SingleOutputStreamOperator<R>,
  ) {
    super();
    this.windowTrigger = assigner.getDefaultTrigger();
  }

  /** Sets when windows fire (default: the assigner's trigger). */
  trigger(trigger: Trigger<T, W>): this {
    if (this.assigner.isMerging() && !trigger.canMerge()) {
      throw new JobDefinitionError(`A merging window assigner (${String(this.assigner)}) cannot be used with a trigger that does not support merging (${String(trigger)}).`);
    }
    this.windowTrigger = trigger;
    return this;
  }

  /** Removes elements before or after the window function; the window then keeps every element. */
  evictor(evictor: Evictor<T, W>): this {
    if (typeof (evictor as { evictBefore?: unknown })?.evictBefore !== 'function') throw new TypeError('evictor needs an Evictor, e.g. CountEvictor.of(100).');
    this.windowEvictor = evictor;
    return this;
  }

  /**
   * How long after a window's end (by the watermark) its state is kept, so that late elements
   * still update it and fire it again (event-time windows; default 0).
   */
  allowedLateness(lateness: DurationLike): this {
    this.lateness = allowedLatenessMillis(lateness);
    return this;
  }

  /** Sends late elements (those every window of which has passed its lateness) to `tag` instead of dropping them. */
  sideOutputLateData(tag: OutputTag<T>): this {
    if (tag === null || tag === undefined) throw new TypeError('Side output tag must not be null.');
    this.lateTag = tag;
    return this;
  }

  /** Adds the window operator with `contents` and `fn`. */
  protected windowOperator<R>(contents: WindowContentsSpec, fn: WindowFunctionSpec): SingleOutputStreamOperator<R> {
    if (contents.kind === 'aggregate' && this.assigner.isMerging() && typeof contents.fn.merge !== 'function') {
      throw new JobDefinitionError(`${String(this.assigner)} merges windows: the AggregateFunction needs merge(a, b) to combine their accumulators.`);
    }
    const spec: WindowOperatorSpec = {
      assigner: this.assigner,
      windows: assignedWindows(this.assigner),
      trigger: this.windowTrigger,
      evictor: this.windowEvictor,
      allowedLateness: this.lateness,
      lateDataTag: this.lateTag as OutputTag<unknown> | undefined,
      contents,
      function: fn,
    };
    return this.add<R>(this.assigner.constructor.name, spec);
  }

  protected reduceContents(fn: ReduceFunction<T>): WindowContentsSpec {
    if (typeof fn !== 'function' && typeof (fn as { reduce?: unknown })?.reduce !== 'function') {
      throw new TypeError('reduce needs a function (a, b) => value or an object with reduce(a, b).');
    }
    if (fn instanceof AbstractRichFunction) {
      throw new JobDefinitionError('The ReduceFunction of a window reduce can not be a RichFunction; use reduce(fn, windowFunction) for state and the runtime context.');
    }
    return { kind: 'reduce', fn: fn as ReduceFunction<unknown> };
  }

  protected aggregateContents<ACC, V>(fn: AggregateFunction<T, ACC, V>): WindowContentsSpec {
    if (typeof fn?.createAccumulator !== 'function' || typeof fn.add !== 'function' || typeof fn.getResult !== 'function') {
      throw new TypeError('aggregate needs an AggregateFunction: { createAccumulator, add, getResult, merge? }.');
    }
    if (fn instanceof AbstractRichFunction) throw new JobDefinitionError('The AggregateFunction of a window aggregate can not be a RichFunction.');
    return { kind: 'aggregate', fn: fn as AggregateFunction<unknown, unknown, unknown> };
  }

  /** The environment of the windowed stream. */
  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.input.getExecutionEnvironment();
  }

  /** @internal */
  reduceFields(fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    return this.windowOperator<T>({ kind: 'reduce', fn: fn as ReduceFunction<unknown> }, { kind: 'none' });
  }
}

/** A window function of a keyed window: a ProcessWindowFunction, or a WindowFunction (a function or an object with `apply`). */
export type KeyedWindowFunction<IN, OUT, KEY, W> = ProcessWindowFunction<IN, OUT, KEY, W> | WindowFunction<IN, OUT, KEY, W>;

function keyedFunction(fn: KeyedWindowFunction<unknown, unknown, unknown, unknown>): WindowFunctionSpec {
  if (fn instanceof ProcessWindowFunction) return { kind: 'process', fn };
  if (typeof fn === 'function' || typeof (fn as { apply?: unknown })?.apply === 'function') return { kind: 'apply', fn };
  throw new TypeError('A window function is a ProcessWindowFunction, a function (key, window, elements, out) => void, or an object with apply(key, window, elements, out).');
}

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
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;
  /** Folds each window's records with `fn`; when the window fires, `windowFunction` gets the folded value (one element). */
  reduce<R>(fn: ReduceFunction<T>, windowFunction: KeyedWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: ReduceFunction<T>, windowFunction?: KeyedWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R | T> {
    const contents = this.reduceContents(fn);
    return this.windowOperator(contents, windowFunction === undefined ? { kind: 'none' } : keyedFunction(windowFunction as KeyedWindowFunction<unknown, unknown, unknown, unknown>));
  }

  /** Aggregates each window's records into one accumulator per key and window; emits `getResult` when the window fires. */
  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): SingleOutputStreamOperator<V>;
  /** As {@link aggregate}, and `windowFunction` gets the result (one element) with the window. */
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction: KeyedWindowFunction<V, R, K, W>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction?: KeyedWindowFunction<V, R, K, W>): SingleOutputStreamOperator<V | R> {
    const contents = this.aggregateContents(fn);
    return this.windowOperator(contents, windowFunction === undefined ? { kind: 'none' } : keyedFunction(windowFunction as KeyedWindowFunction<unknown, unknown, unknown, unknown>));
  }

  /** Keeps each window's records and hands them to `fn` when the window fires. */
  process<R>(fn: ProcessWindowFunction<T, R, K, W>): SingleOutputStreamOperator<R> {
    if (!(fn instanceof ProcessWindowFunction)) throw new TypeError('process needs a ProcessWindowFunction (a class extending it).');
    return this.windowOperator({ kind: 'elements' }, { kind: 'process', fn: fn as ProcessWindowFunction<unknown, unknown, unknown, unknown> });
  }

  /** Keeps each window's records and hands them to `fn(key, window, elements, out)` when the window fires. */
  apply<R>(fn: WindowFunction<T, R, K, W>): SingleOutputStreamOperator<R> {
    return this.windowOperator({ kind: 'elements' }, keyedFunction(fn as WindowFunction<unknown, unknown, unknown, unknown>));
  }

}

/** A window function of `windowAll`: a ProcessAllWindowFunction, or an AllWindowFunction (a function or an object with `apply`). */
export type AllWindowFunctionLike<IN, OUT, W> = ProcessAllWindowFunction<IN, OUT, W> | AllWindowFunction<IN, OUT, W>;

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

  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T>;
  reduce<R>(fn: ReduceFunction<T>, windowFunction: AllWindowFunctionLike<T, R, W>): SingleOutputStreamOperator<R>;
  reduce<R>(fn: ReduceFunction<T>, windowFunction?: AllWindowFunctionLike<T, R, W>): SingleOutputStreamOperator<R | T> {
    const contents = this.reduceContents(fn);
    return this.windowOperator(contents, windowFunction === undefined ? { kind: 'none' } : allFunction(windowFunction as AllWindowFunctionLike<unknown, unknown, unknown>));
  }

  aggregate<ACC, V>(fn: AggregateFunction<T, ACC, V>): SingleOutputStreamOperator<V>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction: AllWindowFunctionLike<V, R, W>): SingleOutputStreamOperator<R>;
  aggregate<ACC, V, R>(fn: AggregateFunction<T, ACC, V>, windowFunction?: AllWindowFunctionLike<V, R, W>): SingleOutputStreamOperator<V | R> {
    const contents = this.aggregateContents(fn);
    return this.windowOperator(contents, windowFunction === undefined ? { kind: 'none' } : allFunction(windowFunction as AllWindowFunctionLike<unknown, unknown, unknown>));
  }

  process<R>(fn: ProcessAllWindowFunction<T, R, W>): SingleOutputStreamOperator<R> {
    if (!(fn instanceof ProcessAllWindowFunction)) throw new TypeError('process needs a ProcessAllWindowFunction (a class extending it).');
    return this.windowOperator({ kind: 'elements' }, { kind: 'processAll', fn: fn as ProcessAllWindowFunction<unknown, unknown, unknown> });
  }

  apply<R>(fn: AllWindowFunction<T, R, W>): SingleOutputStreamOperator<R> {
    return this.windowOperator({ kind: 'elements' }, allFunction(fn as AllWindowFunction<unknown, unknown, unknown>));
  }

}
