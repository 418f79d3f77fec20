/**
 * A window operator's spec as `window(assigner)` builds it, each part checked as Flink's
 * WindowedStream and WindowOperatorBuilder check it. Shared by a keyed stream's windows and the
 * State Processor API's bootstrapped windows (`bootstrapWith(…).keyBy(…).window(…)`), which
 * must make the very same operator — a savepoint written by one is restored by the other — and
 * refuse the same mistakes with the same line.
 */
import {
  AbstractRichFunction,
  OutputTag,
  ProcessWindowFunction,
  type ReduceFunction, type ReduceFunctionLike,
  type WindowContentsSpec,
  type WindowFunction, type WindowFunctionLike,
  type WindowFunctionSpec,
  type WindowOperatorSpec,
} from '../graph/index.js';
import type { AggregateFunction } from '../state/index.js';
import { JobDefinitionError } from '../util/errors.js';
import type { DurationLike } from '../util/time.js';
import { type Evictor, type Trigger, type Window, type WindowAssigner, allowedLatenessMillis, assignedWindows } from '../windowing/index.js';

/** A window function of a keyed window: a ProcessWindowFunction, or a WindowFunction (a function or an object with `apply`). */
export type KeyedWindowFunction<IN, OUT, KEY, W> = ProcessWindowFunction<IN, OUT, KEY, W> | WindowFunctionLike<IN, OUT, KEY, W>;

/** Refuses what is no WindowAssigner (from plain JavaScript, or a forgotten `.of(...)`). */
export function checkAssigner(assigner: unknown): void {
  if (typeof (assigner as { assignWindows?: unknown } | null)?.assignWindows !== 'function') {
    throw new TypeError('window needs a WindowAssigner, e.g. TumblingEventTimeWindows.of(Duration.ofMinutes(1)).');
  }
}

/**
 * A window operator being defined (Flink's WindowOperatorBuilder): its trigger, evictor, allowed
 * lateness and late-data output, then the spec for the contents and function its subclass's
 * `reduce`, `aggregate`, `process` or `apply` gives.
 */
export abstract class WindowOperatorBuilder<T, W extends Window> {
  private windowTrigger: Trigger<T, W>;
  private windowEvictor: Evictor<T, W> | undefined;
  private lateness = 0;
  private lateTag: OutputTag<T> | undefined;

  protected constructor(protected readonly assigner: WindowAssigner<T, W>) {
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
    if (typeof (evictor as { evictBefore?: unknown } | null)?.evictBefore !== 'function') throw new TypeError('evictor needs an Evictor, e.g. CountEvictor.of(100).');
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

  /** Where late elements go (a keyed stream's windows offer it). */
  protected setLateDataTag(tag: OutputTag<T>): void {
    if (tag === null || tag === undefined) throw new TypeError('Side output tag must not be null.');
    // A tag's id alone (a string, which a job file's types would not stop at run time) would
    // match no reader: every late element would be lost, and not even counted as dropped.
    if (!(tag instanceof OutputTag)) throw new TypeError('sideOutputLateData needs an OutputTag, e.g. new OutputTag<Event>("late").');
    this.lateTag = tag;
  }

  /** The operator's spec with `contents` kept per window and `fn` applied when one fires. */
  protected windowSpec(contents: WindowContentsSpec, fn: WindowFunctionSpec): WindowOperatorSpec {
    if (contents.kind === 'aggregate' && this.assigner.isMerging() && typeof contents.fn.merge !== 'function') {
      throw new JobDefinitionError(`${String(this.assigner)} merges windows: the AggregateFunction needs merge(a, b) to combine their accumulators.`);
    }
    return {
      assigner: this.assigner,
      windows: assignedWindows(this.assigner),
      trigger: this.windowTrigger,
      evictor: this.windowEvictor,
      allowedLateness: this.lateness,
      lateDataTag: this.lateTag as OutputTag<unknown> | undefined,
      contents,
      function: fn,
    };
  }
}

/** A window `reduce`'s contents: one value per key and window, folded with `fn`. */
export function reduceContents<T>(fn: ReduceFunctionLike<T>): WindowContentsSpec {
  if (typeof fn !== 'function' && typeof (fn as { reduce?: unknown } | null)?.reduce !== 'function') {
    throw new TypeError('reduce needs a function (a, b) => value or an object with reduce(a, b).');
  }
  if (fn instanceof AbstractRichFunction) {
    throw new JobDefinitionError('The ReduceFunction of a window reduce can not be a RichFunction; use reduce(fn, windowFunction) for state and the runtime context.');
  }
  return { kind: 'reduce', fn: fn as ReduceFunctionLike<unknown> };
}

/** A window `aggregate`'s contents: one accumulator per key and window. */
export function aggregateContents<T, ACC, V>(fn: AggregateFunction<T, ACC, V>): WindowContentsSpec {
  if (typeof fn?.createAccumulator !== 'function' || typeof fn.add !== 'function' || typeof fn.getResult !== 'function') {
    throw new TypeError('aggregate needs an AggregateFunction: { createAccumulator, add, getResult, merge? }.');
  }
  if (fn instanceof AbstractRichFunction) throw new JobDefinitionError('The AggregateFunction of a window aggregate can not be a RichFunction.');
  return { kind: 'aggregate', fn: fn as AggregateFunction<unknown, unknown, unknown> };
}

/** The window function given to a keyed window's `apply`, or to its `reduce`/`aggregate` (where undefined is none: the folded value is the result). */
export function keyedWindowFunction(fn: KeyedWindowFunction<unknown, unknown, unknown, unknown> | undefined, optional = false): WindowFunctionSpec {
  if (fn === undefined && optional) return { kind: 'none' };
  if (fn instanceof ProcessWindowFunction) return { kind: 'process', fn };
  if (typeof fn === 'function' || typeof (fn as { apply?: unknown } | null)?.apply === 'function') return { kind: 'apply', fn: fn as WindowFunctionLike<unknown, unknown, unknown, unknown> };
  throw new TypeError('A window function is a ProcessWindowFunction, a function (key, window, elements, out) => void, or an object with apply(key, window, elements, out).');
}

/** The function of a keyed window's `process`, which must be a ProcessWindowFunction. */
export function processWindowFunction(fn: unknown): WindowFunctionSpec {
  if (!(fn instanceof ProcessWindowFunction)) throw new TypeError('process needs a ProcessWindowFunction (a class extending it).');
  return { kind: 'process', fn: fn as ProcessWindowFunction<unknown, unknown, unknown, unknown> };
}
