/**
 * State descriptors: the name, kind and functions of a piece of state. A descriptor is data;
 * the state backend turns it into a live state object scoped to the current key.
 */

import { MSGPACK_SERIALIZER, type TypeSerializer } from './serializers/type-serializer.js';
import type { StateTtlConfig } from './ttl-config.js';

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

/**
 * State names starting with `_` belong to the engine (its internal tables, like a source's
 * position or timers); user functions may not register them.
 */
export function checkUserStateName(name: string): void {
  if (name.startsWith('_')) {
    throw new TypeError(`State name '${name}' is reserved: names starting with '_' belong to flink-ts itself. Rename the state.`);
  }
}

/** Common part of every state descriptor. */
export abstract class StateDescriptor<S extends StateKind = StateKind> {
  abstract readonly kind: S;
  private ttl: StateTtlConfig | undefined;
  private typeSerializer: TypeSerializer<unknown> | undefined;

  constructor(readonly name: string) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new TypeError('A state descriptor needs a non-empty name.');
    }
  }

  /** Gives the state's values a time-to-live. */
  enableTimeToLive(ttlConfig: StateTtlConfig): this {
    this.ttl = ttlConfig;
    return this;
  }

  /** The TTL config, if TTL is enabled. */
  getTtlConfig(): StateTtlConfig | undefined {
    return this.ttl;
  }

  /**
   * Sets how the state's values (list elements, map values, accumulators) are written into
   * snapshots; the default is MessagePack. Use an AvroSerializer for values whose schema evolves.
   */
  setSerializer(serializer: TypeSerializer<unknown>): this {
    this.typeSerializer = serializer;
    return this;
  }

  /** The serializer of the state's values. */
  getSerializer(): TypeSerializer<unknown> {
    return this.typeSerializer ?? MSGPACK_SERIALIZER;
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

/**
 * Describes a {@link MapState}, or a broadcast state (`broadcast(descriptor)`). `setSerializer`
 * sets the serializer of its values and `setKeySerializer` that of its keys, as Flink's
 * MapStateDescriptor has a key and a value serializer; both write snapshots (tables keep keys
 * and values as the job uses them), and a restore checks and migrates each.
 *
 * @example
 * new MapStateDescriptor<string, Rule>('rules').setSerializer(AvroSerializer.of(ruleSchema));
 */
export class MapStateDescriptor<K, V> extends StateDescriptor<'map'> {
  readonly kind = 'map';
  declare readonly _type?: [K, V];
  private keySerializer: TypeSerializer<unknown> | undefined;

  /** Sets how the state's (user) keys are written into snapshots; the default is MessagePack. */
  setKeySerializer(serializer: TypeSerializer<unknown>): this {
    this.keySerializer = serializer;
    return this;
  }

  /** The serializer of the keys (Flink's getKeySerializer). */
  getKeySerializer(): TypeSerializer<unknown> {
    return this.keySerializer ?? MSGPACK_SERIALIZER;
  }

  /** The serializer of the values, the one `setSerializer` sets (Flink's getValueSerializer). */
  getValueSerializer(): TypeSerializer<unknown> {
    return this.getSerializer();
  }
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
