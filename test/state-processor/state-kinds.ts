/**
 * What the State Processor API tests write and read: one state of every keyed kind, and an Avro
 * record in two versions.
 */
import {
  type AggregateFunction,
  type AggregatingState,
  AggregatingStateDescriptor,
  type ListState,
  ListStateDescriptor,
  type MapState,
  MapStateDescriptor,
  type ReducingState,
  ReducingStateDescriptor,
  type RuntimeContext,
  type ValueState,
  ValueStateDescriptor,
} from '../../src/index.js';

/** An aggregate of numbers shown as `sum=<n>`. */
export const SUM_AS_TEXT: AggregateFunction<number, number, string> = {
  createAccumulator: () => 0,
  add: (v, acc) => acc + v,
  getResult: (acc) => `sum=${acc}`,
  merge: (a, b) => a + b,
};

/** One state of every keyed kind: 'v' value, 'l' list, 'm' map, 'r' reducing (a sum), 'a' aggregating ({@link SUM_AS_TEXT}). */
export interface AllKinds {
  readonly v: ValueState<number>;
  readonly l: ListState<number>;
  readonly m: MapState<string, number>;
  readonly r: ReducingState<number>;
  readonly a: AggregatingState<number, string>;
}

/** Registers {@link AllKinds} with `c` (in `open()`), in the order v, m, l, r, a. */
export function registerAllKinds(c: RuntimeContext): AllKinds {
  const v = c.getState(new ValueStateDescriptor<number>('v'));
  const m = c.getMapState(new MapStateDescriptor<string, number>('m'));
  const l = c.getListState(new ListStateDescriptor<number>('l'));
  const r = c.getReducingState(new ReducingStateDescriptor<number>('r', (x, y) => x + y));
  const a = c.getAggregatingState(new AggregatingStateDescriptor('a', SUM_AS_TEXT));
  return { v, l, m, r, a };
}

export const ACCOUNT_V1 = { type: 'record', name: 'Account', fields: [{ name: 'id', type: 'int' }, { name: 'total', type: 'long' }] } as const;
/** {@link ACCOUNT_V1} with a field added, with a default. */
export const ACCOUNT_V2 = {
  type: 'record',
  name: 'Account',
  fields: [{ name: 'id', type: 'int' }, { name: 'total', type: 'long' }, { name: 'note', type: 'string', default: 'none' }],
} as const;
