import type { MapStateDescriptor } from '../state/index.js';
import type {
  BroadcastProcessFunction,
  CoFlatMapFunction,
  CoMapFunction,
  CoProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  ProcessJoinFunction,
} from './co-functions.js';
import type { OutputTag } from './output-tag.js';

/** An interval join as Flink's IntervalJoinOperator takes it: bounds already made inclusive. */
export interface IntervalJoinSpec {
  readonly fn: ProcessJoinFunction<unknown, unknown, unknown>;
  /** A right element joins a left one at `t` when its timestamp is in [t + lowerBound, t + upperBound]. */
  readonly lowerBound: number;
  readonly upperBound: number;
  readonly leftLateTag: OutputTag<unknown> | undefined;
  readonly rightLateTag: OutputTag<unknown> | undefined;
}

/** What a two-input operator does; the runtime turns each kind into an operator. */
export type TwoInputOperatorSpec =
  | { readonly kind: 'coMap'; readonly fn: CoMapFunction<unknown, unknown, unknown> }
  | { readonly kind: 'coFlatMap'; readonly fn: CoFlatMapFunction<unknown, unknown, unknown> }
  | { readonly kind: 'coProcess'; readonly fn: CoProcessFunction<unknown, unknown, unknown> }
  | { readonly kind: 'keyedCoProcess'; readonly fn: KeyedCoProcessFunction<unknown, unknown, unknown, unknown> }
  | {
      readonly kind: 'broadcastProcess';
      readonly fn: BroadcastProcessFunction<unknown, unknown, unknown>;
      readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[];
    }
  | {
      readonly kind: 'keyedBroadcastProcess';
      readonly fn: KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>;
      readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[];
    }
  | ({ readonly kind: 'intervalJoin' } & IntervalJoinSpec);
