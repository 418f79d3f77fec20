import type { DataStream, StreamExecutionEnvironment } from '../api/index.js';
import type { OperatorMetadata } from '../checkpoint/index.js';
import { AbstractRichFunction, type ReduceFunction, type ReduceFunctionLike, WatermarkStrategy, type WindowContentsSpec } from '../graph/index.js';
import { WINDOW_CONTENTS_STATE } from '../runtime/operators/window/window-operator.js';
import type { AggregateFunction } from '../state/index.js';
import type { Window, WindowAssigner } from '../windowing/index.js';
import { notWindowOperator } from './window-contents-read.js';
import { PassThroughReader, type WindowReaderFunction } from './window-reader-function.js';
import { WindowStateSource } from './window-state-source.js';

/** What a window reader needs of its {@link SavepointReader}. */
export interface WindowReaderSnapshot {
  readonly env: StreamExecutionEnvironment;
  /** The snapshot directory (absolute). */
  readonly path: string;
  /** The operator of `uid`; refuses an unknown one. */
  operator(uid: string): OperatorMetadata;
}

/**
 * Reads a window operator's windows through the reduce or aggregate function or the reader
 * function the caller gives (Flink's WindowSavepointReader and EvictingWindowSavepointReader):
 * `reduce`, `aggregate` and `process` for the job's `.reduce`, `.aggregate` and
 * `.process`/`.apply` windows, with `evictor()` first for a window with an evictor.
 */
abstract class WindowStateReaderBase<W extends Window> {
  protected constructor(
    protected readonly snapshot: WindowReaderSnapshot,
    protected readonly assigner: WindowAssigner<unknown, W>,
    private readonly evicting: boolean,
  ) {}

  /** Each window's reduced value, through `reader` (default: the value itself). */
  reduce<T>(uid: string, fn: ReduceFunctionLike<T>): DataStream<T>;
  reduce<T, OUT, K = unknown>(uid: string, fn: ReduceFunctionLike<T>, reader: WindowReaderFunction<T, OUT, K, W>): DataStream<OUT>;
  reduce<T, OUT, K>(uid: string, fn: ReduceFunctionLike<T>, reader?: WindowReaderFunction<T, OUT, K, W>): DataStream<OUT> {
    if (typeof fn !== 'function' && typeof (fn as { reduce?: unknown } | null)?.reduce !== 'function') {
      throw new TypeError('reduce needs the ReduceFunction the window used: a function (a, b) => value or an object with reduce(a, b).');
    }
    return this.windows(uid, { kind: 'reduce', fn: fn as ReduceFunctionLike<unknown> }, reader ?? passThrough<T, OUT, K, W>());
  }

  /** Each window's aggregate result (`getResult` of its accumulator), through `reader` (default: the result itself). */
  aggregate<IN, ACC, R>(uid: string, fn: AggregateFunction<IN, ACC, R>): DataStream<R>;
  aggregate<IN, ACC, R, OUT, K = unknown>(uid: string, fn: AggregateFunction<IN, ACC, R>, reader: WindowReaderFunction<R, OUT, K, W>): DataStream<OUT>;
  aggregate<IN, ACC, R, OUT, K>(uid: string, fn: AggregateFunction<IN, ACC, R>, reader?: WindowReaderFunction<R, OUT, K, W>): DataStream<OUT> {
    if (typeof fn?.createAccumulator !== 'function' || typeof fn.add !== 'function' || typeof fn.getResult !== 'function') {
      throw new TypeError('aggregate needs the AggregateFunction the window used: { createAccumulator, add, getResult, merge? }.');
    }
    return this.windows(uid, { kind: 'aggregate', fn: fn as AggregateFunction<unknown, unknown, unknown> }, reader ?? passThrough<R, OUT, K, W>());
  }

  /** Each window's elements, through `reader` (a window of `.process` or `.apply`, which keeps them all). */
  process<T, OUT, K = unknown>(uid: string, reader: WindowReaderFunction<T, OUT, K, W>): DataStream<OUT> {
    return this.windows(uid, { kind: 'elements' }, reader);
  }

  private windows<IN, OUT, K>(uid: string, contents: WindowContentsSpec, reader: WindowReaderFunction<IN, OUT, K, W>): DataStream<OUT> {
    if (!(reader instanceof AbstractRichFunction) || typeof (reader as { readWindow?: unknown }).readWindow !== 'function') {
      throw new TypeError('The window reader function must be a WindowReaderFunction (a class with readWindow(key, context, elements, out)).');
    }
    const op = this.snapshot.operator(uid);
    // A window operator registers its contents when it opens, so each of its subtasks lists them.
    if (!op.subtasks.some((h) => h.stateNames.includes(WINDOW_CONTENTS_STATE))) throw notWindowOperator(this.snapshot.path, uid);
    const windows = { serializer: this.assigner.getWindowSerializer(), merging: this.assigner.isMerging() };
    const fn = reader as unknown as WindowReaderFunction<unknown, OUT, K, W>;
    const source = new WindowStateSource<K, W, OUT>(this.snapshot.path, op, windows, { contents, evictor: this.evicting }, fn);
    return this.snapshot.env.fromSource(source, WatermarkStrategy.noWatermarks<OUT>(), `Savepoint: windows of '${uid}'`);
  }
}

/** The default reader of `reduce` and `aggregate`, where the contents are the output (OUT is IN). */
function passThrough<IN, OUT, K, W>(): WindowReaderFunction<IN, OUT, K, W> {
  return new PassThroughReader<IN, K, W>() as unknown as WindowReaderFunction<IN, OUT, K, W>;
}

/** The windows of a window operator with an evictor: every element kept, reduced or aggregated here if given the function. */
export class EvictingWindowSavepointReader<W extends Window> extends WindowStateReaderBase<W> {
  /** @internal Made by {@link WindowSavepointReader.evictor}. */
  constructor(snapshot: WindowReaderSnapshot, assigner: WindowAssigner<unknown, W>) {
    super(snapshot, assigner, true);
  }
}

/** The windows of a window operator of the assigner given to `SavepointReader.window(assigner)`. */
export class WindowSavepointReader<W extends Window> extends WindowStateReaderBase<W> {
  /** @internal Made by `SavepointReader.window`. */
  constructor(snapshot: WindowReaderSnapshot, assigner: WindowAssigner<unknown, W>) {
    super(snapshot, assigner, false);
  }

  /** Reads windows that had an evictor (`.evictor(...)` in the job). */
  evictor(): EvictingWindowSavepointReader<W> {
    return new EvictingWindowSavepointReader(this.snapshot, this.assigner);
  }
}
