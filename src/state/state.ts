/**
 * The state interfaces user functions see. Keyed state is always scoped to the key of the
 * record (or timer) being processed; operator state belongs to one parallel subtask.
 */

/** Anything that can be cleared for the current key. */
export interface State {
  /** Removes the value for the current key. */
  clear(): void;
}

/** A single value per key. */
export interface ValueState<T> extends State {
  /** The value for the current key, or the descriptor's default (undefined if none). */
  value(): T | undefined;
  /** Sets the value for the current key; null or undefined clears it (as in Flink). */
  update(value: T | null): void;
}

/** A list per key (or per subtask for operator state). */
export interface ListState<T> extends State {
  /** The elements; an empty array if there are none. Do not mutate it. */
  get(): readonly T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  /** Replaces the whole list. */
  update(values: Iterable<T>): void;
}

/** A map per key. */
export interface MapState<K, V> extends State {
  get(key: K): V | undefined;
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
}

/** A value per key that every `add` folds in with the descriptor's reduce function. */
export interface ReducingState<T> extends State {
  get(): T | undefined;
  add(value: T): void;
}

/** An accumulator per key fed by `add`; `get` returns the aggregate's result. */
export interface AggregatingState<IN, OUT> extends State {
  get(): OUT | undefined;
  add(value: IN): void;
}
