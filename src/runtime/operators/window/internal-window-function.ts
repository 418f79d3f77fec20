/**
 * The window function as the window operator calls it (Flink's InternalWindowFunction and its
 * wrappers): one `process(key, window, context, contents, out)` whatever the user wrote — a
 * ProcessWindowFunction, a WindowFunction, their all-window twins, or nothing (the folded
 * value is the result) — over contents that are either the window's elements or one folded
 * value.
 */
import type {
  AllWindowFunctionOrLambda,
  Collector,
  ProcessAllWindowFunction,
  ProcessWindowContext,
  ProcessWindowFunction,
  WindowContentsSpec,
  WindowFunction, WindowFunctionLike,
  WindowFunctionSpec,
} from '../../../graph/index.js';
import type { AggregateFunction } from '../../../state/index.js';
import { toCallable } from '../user-function.js';

export interface InternalWindowFunction<W> {
  /** The user's function object, opened and closed with the operator (undefined: none). */
  readonly userFunction: unknown;
  /** Evaluates a firing window: `contents` is the folded value (single-valued) or the elements. */
  process(key: unknown, window: W, context: ProcessWindowContext<W>, contents: unknown, out: Collector<unknown>): void;
  /** The window is being purged for good: the function's `clear(context)`. */
  clear(window: W, context: ProcessWindowContext<W>): void;
}

/** How elements become the one value a single-valued window function sees (undefined: nothing to hand it). */
export type Fold = (elements: readonly unknown[]) => unknown;

/** The fold of `contents` (for a window that keeps its elements but reduces or aggregates them when it fires, i.e. with an evictor). */
export function foldOf(contents: WindowContentsSpec): Fold | undefined {
  switch (contents.kind) {
    case 'elements':
      return undefined;
    case 'reduce': {
      const reduce = toCallable<(a: unknown, b: unknown) => unknown>(contents.fn, 'reduce');
      return (elements) => {
        if (elements.length === 0) return undefined;
        let acc = elements[0];
        for (let i = 1; i < elements.length; i++) acc = reduce(acc, elements[i]);
        return acc;
      };
    }
    case 'aggregate': {
      const fn = contents.fn as AggregateFunction<unknown, unknown, unknown>;
      // As Flink's InternalAggregateProcessWindowFunction: no elements left is an empty accumulator's result.
      return (elements) => {
        let acc = fn.createAccumulator();
        for (const e of elements) acc = fn.add(e, acc);
        return fn.getResult(acc);
      };
    }
  }
}

/**
 * Wraps the user's window function. `singleValue`: the contents are one value (reduce,
 * aggregate), handed to the function as a one-element iterable, as Flink's
 * InternalSingleValue*WindowFunction do.
 */
export function internalWindowFunction<W>(spec: WindowFunctionSpec, singleValue: boolean): InternalWindowFunction<W> {
  const input = singleValue ? (c: unknown): Iterable<unknown> => [c] : (c: unknown) => c as Iterable<unknown>;
  switch (spec.kind) {
    case 'none':
      if (!singleValue) throw new Error('internal: a window without a window function must reduce or aggregate');
      return { userFunction: undefined, process: (_k, _w, _c, contents, out) => out.collect(contents), clear: () => {} };
    case 'process': {
      const fn = spec.fn as ProcessWindowFunction<unknown, unknown, unknown, W>;
      return {
        userFunction: fn,
        process: (key, _w, context, contents, out) => fn.process(key, context, input(contents), out),
        clear: (_w, context) => fn.clear(context),
      };
    }
    case 'processAll': {
      const fn = spec.fn as ProcessAllWindowFunction<unknown, unknown, W>;
      return {
        userFunction: fn,
        process: (_k, _w, context, contents, out) => fn.process(context, input(contents), out),
        clear: (_w, context) => fn.clear(context),
      };
    }
    case 'apply': {
      const apply = toCallable<(key: unknown, w: W, input: Iterable<unknown>, out: Collector<unknown>) => void>(spec.fn as WindowFunctionLike<unknown, unknown, unknown, W>, 'apply');
      return { userFunction: spec.fn, process: (key, window, _c, contents, out) => apply(key, window, input(contents), out), clear: () => {} };
    }
    case 'applyAll': {
      const apply = toCallable<(w: W, input: Iterable<unknown>, out: Collector<unknown>) => void>(spec.fn as AllWindowFunctionOrLambda<unknown, unknown, W>, 'apply');
      return { userFunction: spec.fn, process: (_k, window, _c, contents, out) => apply(window, input(contents), out), clear: () => {} };
    }
  }
}
