import type { TwoInputOperatorSpec } from '../../../graph/index.js';
import type { OperatorContext } from '../stream-operator.js';
import { CoBroadcastWithKeyedOperator } from './co-broadcast-with-keyed-operator.js';
import { CoBroadcastWithNonKeyedOperator } from './co-broadcast-with-non-keyed-operator.js';
import { CoProcessOperator } from './co-process-operator.js';
import { CoStreamFlatMap } from './co-stream-flat-map.js';
import { CoStreamMap } from './co-stream-map.js';
import { IntervalJoinOperator } from './interval-join-operator.js';
import { KeyedCoProcessOperator } from './keyed-co-process-operator.js';
import type { TwoInputStreamOperator } from './two-input-stream-operator.js';

/** Creates the runtime operator of a two-input spec (its function already this subtask's copy). */
export function createTwoInputOperator(spec: TwoInputOperatorSpec, ctx: OperatorContext): TwoInputStreamOperator {
  switch (spec.kind) {
    case 'coMap':
      return new CoStreamMap(ctx, spec.fn);
    case 'coFlatMap':
      return new CoStreamFlatMap(ctx, spec.fn);
    case 'coProcess':
      return new CoProcessOperator(ctx, spec.fn);
    case 'keyedCoProcess':
      return new KeyedCoProcessOperator(ctx, spec.fn);
    case 'broadcastProcess':
      return new CoBroadcastWithNonKeyedOperator(ctx, spec.fn, spec.descriptors);
    case 'keyedBroadcastProcess':
      return new CoBroadcastWithKeyedOperator(ctx, spec.fn, spec.descriptors);
    case 'intervalJoin':
      return new IntervalJoinOperator(ctx, spec);
  }
}
