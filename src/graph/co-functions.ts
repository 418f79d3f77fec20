/**
 * The user functions of two-input operators: `connect` (CoMap, CoFlatMap, CoProcess and their
 * keyed form), broadcast state (BroadcastProcessFunction, KeyedBroadcastProcessFunction) and
 * joins (ProcessJoinFunction, JoinFunction, FlatJoinFunction, CoGroupFunction), as in Flink.
 */
import type {
  BroadcastState,
  MapStateDescriptor,
  ReadOnlyBroadcastState,
  StateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from '../state/index.js';
import {
  AbstractRichFunction,
  type Collector,
  type KeyedProcessContext,
  type OnTimerContext,
  type ProcessContext,
  type TimeDomain,
  type TimerService,
} from './functions.js';
import type { StateFor } from './keyed-state-store.js';
import type { OutputTag } from './output-tag.js';

/** `connect(...).map`: one function per input, both with the same output type. */
export interface CoMapFunction<IN1, IN2, OUT> {
  map1(value: IN1): OUT;
  map2(value: IN2): OUT;
}

/** `connect(...).flatMap`: any number of records per input, through the collector or a returned iterable. */
export interface CoFlatMapFunction<IN1, IN2, OUT> {
  flatMap1(value: IN1, out: Collector<OUT>): Iterable<OUT> | void;
  flatMap2(value: IN2, out: Collector<OUT>): Iterable<OUT> | void;
}

export abstract class RichCoMapFunction<IN1, IN2, OUT> extends AbstractRichFunction implements CoMapFunction<IN1, IN2, OUT> {
  abstract map1(value: IN1): OUT;
  abstract map2(value: IN2): OUT;
}

export abstract class RichCoFlatMapFunction<IN1, IN2, OUT> extends AbstractRichFunction implements CoFlatMapFunction<IN1, IN2, OUT> {
  abstract flatMap1(value: IN1, out: Collector<OUT>): Iterable<OUT> | void;
  abstract flatMap2(value: IN2, out: Collector<OUT>): Iterable<OUT> | void;
}

/**
 * A low-level function over two non-keyed inputs: timestamps, the watermark (the minimum of
 * both inputs') and side outputs; no keyed state, no timers (use keyed streams for those).
 */
export abstract class CoProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
}

/**
 * A low-level function over two keyed inputs (`a.keyBy(ka).connect(b.keyBy(kb))`): keyed
 * state and timers of both time domains, shared by both inputs per key.
 *
 * @example
 * class Enrich extends KeyedCoProcessFunction<string, Order, Customer, string> {
 *   private customer!: ValueState<Customer>;
 *   open() { this.customer = this.getRuntimeContext().getState(new ValueStateDescriptor<Customer>('customer')); }
 *   processElement1(o: Order, ctx: KeyedProcessContext<string>, out: Collector<string>) { out.collect(`${o.id} ${this.customer.value()?.name}`); }
 *   processElement2(c: Customer) { this.customer.update(c); }
 * }
 */
export abstract class KeyedCoProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  abstract processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  /** Called when a timer of the current key fires; `ctx.timeDomain()` says which kind. */
  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, _out: Collector<OUT>): void {}
}

/** What both sides of a broadcast function see: time and side outputs. */
interface BroadcastBaseContext {
  /** The timestamp of the element being processed, or `null` if it has none. */
  timestamp(): number | null;
  currentProcessingTime(): number;
  currentWatermark(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** The non-broadcast side's context: broadcast state is read-only here. */
export interface BroadcastReadOnlyContext extends BroadcastBaseContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/** The broadcast side's context: broadcast state is read-write. */
export interface BroadcastContext extends BroadcastBaseContext {
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * Connects a non-keyed stream with a broadcast stream (`stream.connect(rules.broadcast(desc))`):
 * every subtask sees every broadcast element and keeps the broadcast state, which only
 * `processBroadcastElement` may change.
 */
export abstract class BroadcastProcessFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

/** The keyed side's context of a KeyedBroadcastProcessFunction. */
export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/** The state object a descriptor gives (the keyed state store's `StateFor`, under the name this API exports). */
export type StateOf<D extends StateDescriptor> = StateFor<D>;

/**
 * What `applyToKeyedState` calls per key (Flink's KeyedStateFunction, an abstract class there
 * with this method: ported code has the object).
 */
export interface KeyedStateFunction<K, S> {
  process(key: K, state: S): void;
}
/** What `applyToKeyedState` takes: a {@link KeyedStateFunction} or a plain function. */
export type KeyedStateFunctionLike<K, S> = KeyedStateFunction<K, S> | ((key: K, state: S) => void);

/** The broadcast side's context of a KeyedBroadcastProcessFunction. */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Calls `fn` (or `fn.process`) with every key of this subtask that has a value in the keyed
   * state `descriptor`, with the state scoped to that key (Flink's applyToKeyedState). Composite
   * keys are passed in their canonical (JSON) form.
   */
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: KeyedStateFunctionLike<K, StateOf<D>>): void;
}

/** The context of `KeyedBroadcastProcessFunction.onTimer`. */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * Connects a keyed stream with a broadcast stream (`events.keyBy(k).connect(rules.broadcast(desc))`):
 * the keyed side has keyed state, timers and read-only broadcast state; the broadcast side
 * changes the broadcast state and can reach every key's state with `applyToKeyedState`.
 */
export abstract class KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  abstract processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;
  /** Called when a timer of the current key fires. */
  onTimer(_timestamp: number, _ctx: KeyedBroadcastOnTimerContext<K>, _out: Collector<OUT>): void {}
}

/** The context of `ProcessJoinFunction.processElement`. */
export interface ProcessJoinContext {
  getLeftTimestamp(): number;
  getRightTimestamp(): number;
  /** The result's timestamp: the larger of the two. */
  getTimestamp(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** The function of an interval join: called once per joined pair. */
export abstract class ProcessJoinFunction<IN1, IN2, OUT> extends AbstractRichFunction {
  abstract processElement(left: IN1, right: IN2, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}

/** A window join's function: one result per pair of the window. */
export interface JoinFunction<IN1, IN2, OUT> {
  join(first: IN1, second: IN2): OUT;
}
/** What a window join's `apply` takes for one result per pair: a {@link JoinFunction} or a plain function. */
export type JoinFunctionLike<IN1, IN2, OUT> = JoinFunction<IN1, IN2, OUT> | ((first: IN1, second: IN2) => OUT);

/** A window join's function with any number of results per pair. */
export interface FlatJoinFunction<IN1, IN2, OUT> {
  join(first: IN1, second: IN2, out: Collector<OUT>): void;
}
/** What a window join's `apply` takes for any number of results per pair: a {@link FlatJoinFunction} or a plain function. */
export type FlatJoinFunctionLike<IN1, IN2, OUT> = FlatJoinFunction<IN1, IN2, OUT> | ((first: IN1, second: IN2, out: Collector<OUT>) => void);

/** A window coGroup's function: both sides' elements of one key and window (either may be empty). */
export interface CoGroupFunction<IN1, IN2, OUT> {
  coGroup(first: readonly IN1[], second: readonly IN2[], out: Collector<OUT>): void;
}
/** What a window coGroup's `apply` takes: a {@link CoGroupFunction} or a plain function. */
export type CoGroupFunctionLike<IN1, IN2, OUT> = CoGroupFunction<IN1, IN2, OUT> | ((first: readonly IN1[], second: readonly IN2[], out: Collector<OUT>) => void);
