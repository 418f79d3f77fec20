/**
 * The functions a window applies to its contents when it fires (Flink's ProcessWindowFunction
 * family). `W` is the window type (`TimeWindow`, `GlobalWindow`); it is left open here because
 * windows live in `windowing/`, above this part.
 */
import type { Collector } from './functions.js';
import { AbstractRichFunction } from './functions.js';
import type { KeyedStateStore } from './keyed-state-store.js';
import type { OutputTag } from './output-tag.js';

/** What a window function sees besides the elements. */
export interface ProcessWindowContext<W> {
  /** The window being evaluated (`start`, `end`, `maxTimestamp()` for a TimeWindow). */
  window(): W;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** State of this key and this window; cleared by the function's own `clear` when the window is purged. */
  windowState(): KeyedStateStore;
  /** State of this key across all its windows. */
  globalState(): KeyedStateStore;
  /** Emits `value` to the side output `tag`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * A window function over a keyed stream with the window's elements, context and keyed state.
 *
 * @example
 * class CountPerWindow extends ProcessWindowFunction<Click, string, string, TimeWindow> {
 *   process(user: string, ctx: ProcessWindowContext<TimeWindow>, clicks: Iterable<Click>, out: Collector<string>) {
 *     let n = 0;
 *     for (const _ of clicks) n++;
 *     out.collect(`${user} ${ctx.window().start}: ${n}`);
 *   }
 * }
 */
export abstract class ProcessWindowFunction<IN, OUT, KEY, W> extends AbstractRichFunction {
  /** Evaluates one window of one key; called each time the window fires. */
  abstract process(key: KEY, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  /** Called when the window is purged; clear the `windowState()` used here. */
  clear(_context: ProcessWindowContext<W>): void {}
}

/** What an all-window function sees: as {@link ProcessWindowContext}, over the whole stream. */
export type ProcessAllWindowContext<W> = ProcessWindowContext<W>;

/** {@link ProcessWindowFunction} for `windowAll` (no key; parallelism 1). */
export abstract class ProcessAllWindowFunction<IN, OUT, W> extends AbstractRichFunction {
  abstract process(context: ProcessAllWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  clear(_context: ProcessAllWindowContext<W>): void {}
}

/** The older window function (Flink's WindowFunction): key, window, elements, collector. */
export interface WindowFunction<IN, OUT, KEY, W> {
  apply(key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>): void;
}
/** A {@link WindowFunction} or a plain function. */
export type WindowFunctionLike<IN, OUT, KEY, W> = WindowFunction<IN, OUT, KEY, W> | ((key: KEY, window: W, input: Iterable<IN>, out: Collector<OUT>) => void);

/** {@link WindowFunction} for `windowAll`. */
export interface AllWindowFunction<IN, OUT, W> {
  apply(window: W, input: Iterable<IN>, out: Collector<OUT>): void;
}
/** An {@link AllWindowFunction} or a plain function (the API's AllWindowFunctionLike also takes a ProcessAllWindowFunction). */
export type AllWindowFunctionOrLambda<IN, OUT, W> = AllWindowFunction<IN, OUT, W> | ((window: W, input: Iterable<IN>, out: Collector<OUT>) => void);
