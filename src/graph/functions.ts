/**
 * The interfaces of user functions. A function is either a plain arrow function or an object
 * (usually a class extending one of the `Rich*` bases) with the method named here. Rich
 * functions get `open`, `close` and a {@link RuntimeContext}.
 */
import type { OperatorStateStore } from '../state/index.js';
import { hasMethods } from '../util/has-methods.js';
import { describeArgument } from '../util/describe-argument.js';
import type { KeyedStateStore } from './keyed-state-store.js';
import type { MetricGroup } from './metrics.js';
import type { OutputTag } from './output-tag.js';

/** Receives the records a function emits. */
export interface Collector<T> {
  collect(record: T): void;
}

/** Passed to `open`; reserved for settings a function may read at start (Flink 2.x). */
export interface OpenContext {
  readonly attemptNumber: number;
}

/** What a rich function can ask of the engine: who it is, and its keyed state (only after `keyBy`). */
export interface RuntimeContext extends KeyedStateStore {
  getJobId(): string;
  getTaskName(): string;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  /** The subtask's identity as Flink 2.x asks for it (its RuntimeContext has only this). */
  getTaskInfo(): TaskInfo;
  /** Where the function registers its own metrics (counters, gauges, meters), usually in `open()`. */
  getMetricGroup(): MetricGroup;
  /**
   * The job's global parameters (`env.getConfig().setGlobalJobParameters(...)`), read-only; empty
   * if none were set. Flink 1.19+'s; `ParameterTool.fromMap(...)` reads them with its getters.
   */
  getGlobalJobParameters(): ReadonlyMap<string, string>;
}

/** Flink 2.x's TaskInfo: which subtask of which task a function runs in. */
export interface TaskInfo {
  getTaskName(): string;
  getIndexOfThisSubtask(): number;
  getNumberOfParallelSubtasks(): number;
  getMaxNumberOfParallelSubtasks(): number;
  getAttemptNumber(): number;
  /** `<task name> (<index + 1>/<parallelism>)#<attempt>`, as Flink names a subtask in its logs. */
  getTaskNameWithSubtasks(): string;
}

/** The {@link TaskInfo} of a runtime context, read from its 1.x getters. */
export function taskInfoOf(context: Omit<RuntimeContext, 'getTaskInfo'>): TaskInfo {
  return {
    getTaskName: () => context.getTaskName(),
    getIndexOfThisSubtask: () => context.getIndexOfThisSubtask(),
    getNumberOfParallelSubtasks: () => context.getNumberOfParallelSubtasks(),
    getMaxNumberOfParallelSubtasks: () => context.getMaxNumberOfParallelSubtasks(),
    getAttemptNumber: () => context.getAttemptNumber(),
    getTaskNameWithSubtasks: () =>
      `${context.getTaskName()} (${context.getIndexOfThisSubtask() + 1}/${context.getNumberOfParallelSubtasks()})#${context.getAttemptNumber()}`,
  };
}

/** Lifecycle methods every rich function may have. */
export interface RichFunction {
  open?(context: OpenContext): void | Promise<void>;
  close?(): void | Promise<void>;
  setRuntimeContext?(context: RuntimeContext): void;
}

/**
 * Base class of rich functions: `open` and `close` hooks and access to the runtime context.
 *
 * @example
 * class Counter extends RichMapFunction<string, number> {
 *   private n!: ValueState<number>;
 *   open() { this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n')); }
 *   map(s: string) { const v = (this.n.value() ?? 0) + 1; this.n.update(v); return v; }
 * }
 */
export abstract class AbstractRichFunction implements RichFunction {
  private runtimeContext: RuntimeContext | undefined;

  /** Called by the engine before `open`. */
  setRuntimeContext(context: RuntimeContext): void {
    this.runtimeContext = context;
  }

  /** The context of the subtask running this function; available from `open` on. */
  getRuntimeContext(): RuntimeContext {
    if (!this.runtimeContext) {
      throw new Error('The runtime context is only available from open() on, not in the constructor.');
    }
    return this.runtimeContext;
  }

  open(_context: OpenContext): void | Promise<void> {}
  close(): void | Promise<void> {}
}

/*
 * The function types below are Flink's interfaces, so ported code keeps its shape (`class
 * Tokenizer implements FlatMapFunction<string, string>`); every method that takes one also takes
 * a plain function with the method's parameters (the `…Like` types), as a Java lambda stands for
 * Flink's interface. TypeScript cannot let a class implement a union, hence the two names.
 */

/** `map`: one record in, one out (Flink's MapFunction). */
export interface MapFunction<I, O> {
  map(value: I): O;
}
/** What `map` takes: a {@link MapFunction} or a plain function. */
export type MapFunctionLike<I, O> = MapFunction<I, O> | ((value: I) => O);

/** `filter`: keeps records for which it returns true (Flink's FilterFunction). */
export interface FilterFunction<T> {
  filter(value: T): boolean;
}
/** What `filter` takes: a {@link FilterFunction} or a plain function. */
export type FilterFunctionLike<T> = FilterFunction<T> | ((value: T) => boolean);

/** `flatMap`: any number of records out, through the collector or as a returned iterable (Flink's FlatMapFunction). */
export interface FlatMapFunction<I, O> {
  flatMap(value: I, out: Collector<O>): Iterable<O> | void;
}
/** What `flatMap` takes: a {@link FlatMapFunction} or a plain function. */
export type FlatMapFunctionLike<I, O> = FlatMapFunction<I, O> | ((value: I, out: Collector<O>) => Iterable<O> | void);

/** `reduce`: folds records of one key into one value (Flink's ReduceFunction). */
export interface ReduceFunction<T> {
  reduce(a: T, b: T): T;
}
/** What `reduce` takes: a {@link ReduceFunction} or a plain function. */
export type ReduceFunctionLike<T> = ReduceFunction<T> | ((a: T, b: T) => T);

/** `keyBy`: extracts the key of a record (Flink's KeySelector). */
export interface KeySelector<T, K> {
  getKey(value: T): K;
}
/** What `keyBy` takes: a {@link KeySelector} or a plain function. */
export type KeySelectorLike<T, K> = KeySelector<T, K> | ((value: T) => K);
/** A key selector as the engine calls it: the API turns a {@link KeySelector} into one by {@link keyFunctionOf}. */
export type KeyFunction<T, K> = (value: T) => K;

/**
 * A key selector as a plain function: itself, or a {@link KeySelector}'s `getKey` bound to it
 * (once, where the job is defined: the record writer calls a key function per record).
 *
 * @throws TypeError if `selector` is neither
 */
export function keyFunctionOf<T, K>(selector: KeySelectorLike<T, K>, what: string): KeyFunction<T, K> {
  if (typeof selector === 'function') return selector;
  const getKey = (selector as Partial<KeySelector<T, K>> | null)?.getKey;
  if (typeof getKey === 'function') return getKey.bind(selector);
  throw new TypeError(`${what} needs a key selector: a function (value) => key or an object with getKey(value), got ${describeArgument(selector)}.`);
}

/** `addSink`: called once per record; a returned promise is awaited per batch, not per record (Flink's SinkFunction). */
export interface SinkFunction<T> {
  invoke(value: T): void | Promise<void>;
}
/** What `addSink` takes: a {@link SinkFunction} or a plain function. */
export type SinkFunctionLike<T> = SinkFunction<T> | ((value: T) => void | Promise<void>);

export abstract class RichMapFunction<I, O> extends AbstractRichFunction implements MapFunction<I, O> {
  abstract map(value: I): O;
}
export abstract class RichFilterFunction<T> extends AbstractRichFunction implements FilterFunction<T> {
  abstract filter(value: T): boolean;
}
export abstract class RichFlatMapFunction<I, O> extends AbstractRichFunction implements FlatMapFunction<I, O> {
  abstract flatMap(value: I, out: Collector<O>): Iterable<O> | void;
}
export abstract class RichReduceFunction<T> extends AbstractRichFunction implements ReduceFunction<T> {
  abstract reduce(a: T, b: T): T;
}
export abstract class RichSinkFunction<T> extends AbstractRichFunction implements SinkFunction<T> {
  abstract invoke(value: T): void | Promise<void>;
}

/**
 * Timers and the clocks, as a process function sees them. Timers are for the current key and
 * exist only on keyed streams (in a non-keyed ProcessFunction registering one throws); at most one
 * timer per key, time and domain.
 */
export interface TimerService {
  /** The current processing time (wall clock, ms). */
  currentProcessingTime(): number;
  /** The operator's current watermark (`Number.MIN_SAFE_INTEGER` before the first). */
  currentWatermark(): number;
  /** A timer that fires when processing time reaches `time`; a second one at the same time is a no-op. */
  registerProcessingTimeTimer(time: number): void;
  /** A timer that fires when the watermark reaches `time`; a second one at the same time is a no-op. */
  registerEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
}

/** Where a timer came from. */
export type TimeDomain = 'PROCESSING_TIME' | 'EVENT_TIME';

/** Context of `ProcessFunction.processElement`. */
export interface ProcessContext {
  /**
   * The timestamp of the record being processed, or `null` if it has none (no timestamp
   * assigner upstream). In `onTimer`: the timer's time.
   */
  timestamp(): number | null;
  timerService(): TimerService;
  /** Emits `value` to the side output `tag`; read it with `stream.getSideOutput(tag)`. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Context of `KeyedProcessFunction.processElement`. */
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
}

/** Context of `KeyedProcessFunction.onTimer`. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  /** Which kind of timer fired. */
  timeDomain(): TimeDomain;
}

/** A low-level function over a non-keyed stream: timestamps, the watermark and side outputs, no timers. */
export abstract class ProcessFunction<I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
}

/**
 * A low-level function over a keyed stream, with keyed state and timers in both time domains.
 * Records it emits carry the timestamp of the record being processed; from `onTimer`, an
 * event-time timer's time, and no timestamp for a processing-time timer (as in Flink).
 *
 * @example
 * class Alert extends KeyedProcessFunction<string, Tx, string> {
 *   processElement(tx: Tx, ctx: KeyedProcessContext<string>, out: Collector<string>) {
 *     ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 60_000);
 *   }
 *   onTimer(ts: number, ctx: OnTimerContext<string>, out: Collector<string>) { out.collect(ctx.getCurrentKey()); }
 * }
 */
export abstract class KeyedProcessFunction<K, I, O> extends AbstractRichFunction {
  abstract processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
  /** Called when a timer of the current key fires; `ctx.timeDomain()` says which kind. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<O>): void {}
}

/** Context of `CheckpointedFunction.initializeState`. */
export interface FunctionInitializationContext {
  /** True if the subtask starts from a checkpoint or savepoint. */
  isRestored(): boolean;
  getOperatorStateStore(): OperatorStateStore;
}

/** Context of `CheckpointedFunction.snapshotState`. */
export interface FunctionSnapshotContext {
  getCheckpointId(): number;
  getCheckpointTimestamp(): number;
}

/**
 * A function with operator state: `initializeState` runs before `open` (restoring it where the
 * job starts from a snapshot); `snapshotState` runs at every checkpoint barrier.
 */
export interface CheckpointedFunction {
  initializeState(context: FunctionInitializationContext): void;
  snapshotState(context: FunctionSnapshotContext): void;
}

/** Told when a checkpoint this function took part in is complete. */
export interface CheckpointListener {
  notifyCheckpointComplete(checkpointId: number): void | Promise<void>;
  notifyCheckpointAborted?(checkpointId: number): void;
}

/** True if `f` implements {@link CheckpointedFunction}. */
export function isCheckpointedFunction(f: unknown): f is CheckpointedFunction {
  return hasMethods(f, 'initializeState', 'snapshotState');
}
