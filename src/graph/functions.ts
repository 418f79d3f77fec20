/**
 * The interfaces of user functions. A function is either a plain arrow function or an object
 * (usually a class extending one of the `Rich*` bases) with the method named here. Rich
 * functions get `open`, `close` and a {@link RuntimeContext}.
 */
import type { OperatorStateStore } from '../state/index.js';
import { hasMethods } from '../util/has-methods.js';
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

/** `map`: one record in, one out. */
export type MapFunction<I, O> = ((value: I) => O) | { map(value: I): O };
/** `filter`: keeps records for which it returns true. */
export type FilterFunction<T> = ((value: T) => boolean) | { filter(value: T): boolean };
/** `flatMap`: any number of records out, through the collector or as a returned iterable. */
export type FlatMapFunction<I, O> =
  | ((value: I, out: Collector<O>) => Iterable<O> | void)
  | { flatMap(value: I, out: Collector<O>): Iterable<O> | void };
/** `reduce`: folds records of one key into one value. */
export type ReduceFunction<T> = ((a: T, b: T) => T) | { reduce(a: T, b: T): T };
/** `keyBy`: extracts the key of a record. */
export type KeySelector<T, K> = (value: T) => K;
/** `addSink`: called once per record; a returned promise is awaited per batch, not per record. */
export type SinkFunction<T> = ((value: T) => void | Promise<void>) | { invoke(value: T): void | Promise<void> };

export abstract class RichMapFunction<I, O> extends AbstractRichFunction {
  abstract map(value: I): O;
}
export abstract class RichFilterFunction<T> extends AbstractRichFunction {
  abstract filter(value: T): boolean;
}
export abstract class RichFlatMapFunction<I, O> extends AbstractRichFunction {
  abstract flatMap(value: I, out: Collector<O>): Iterable<O> | void;
}
export abstract class RichReduceFunction<T> extends AbstractRichFunction {
  abstract reduce(a: T, b: T): T;
}
export abstract class RichSinkFunction<T> extends AbstractRichFunction {
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
