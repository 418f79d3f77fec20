/**
 * State descriptors: the name, kind and functions of a piece of state. A descriptor is data;
 * the state backend turns it into a live state object scoped to the current key.
 */

/** The kinds of keyed state. */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/** Combines two values of a ReducingState. */
export type ReduceFn<T> = (a: T, b: T) => T;

/** The functions of an AggregatingState, as Flink's AggregateFunction. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  merge?(a: ACC, b: ACC): ACC;
}

/** Common part of every state descriptor. */
export abstract class StateDescriptor<S extends StateKind = StateKind> {
  abstract readonly kind: S;
  constructor(readonly name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError('A state descriptor needs a non-empty name.');
    }
  }
}

/** Describes a {@link ValueState}; `defaultValue` is returned while the key has no value. */
export class ValueStateDescriptor<T> extends StateDescriptor<'value'> {
  readonly kind = 'value';
  declare readonly _type?: T;
  constructor(
    name: string,
    readonly defaultValue?: T,
  ) {
    super(name);
  }
}

/** Describes a {@link ListState}, keyed or operator state. */
export class ListStateDescriptor<T> extends StateDescriptor<'list'> {
  readonly kind = 'list';
  declare readonly _type?: T;
}

/** Describes a {@link MapState}. */
export class MapStateDescriptor<K, V> extends StateDescriptor<'map'> {
  readonly kind = 'map';
  declare readonly _type?: [K, V];
}

/** Describes a {@link ReducingState}. */
export class ReducingStateDescriptor<T> extends StateDescriptor<'reducing'> {
  readonly kind = 'reducing';
  constructor(
    name: string,
    readonly reduceFunction: ReduceFn<T>,
  ) {
    super(name);
  }
}

/** Describes an {@link AggregatingState}. */
export class AggregatingStateDescriptor<IN, ACC, OUT> extends StateDescriptor<'aggregating'> {
  readonly kind = 'aggregating';
  constructor(
    name: string,
    readonly aggregateFunction: AggregateFunction<IN, ACC, OUT>,
  ) {
    super(name);
  }
}
