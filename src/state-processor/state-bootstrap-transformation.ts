import type { DataStream } from '../api/index.js';
import type { BroadcastStateBootstrapFunction, KeySelectorLike, KeyedStateBootstrapFunction, StateBootstrapFunction, WindowOperatorSpec } from '../graph/index.js';

/** What a bootstrap writes, and with which function (or, for windows, which window operator). */
export type BootstrapKind<K, T> =
  | { readonly kind: 'keyed'; readonly selector: KeySelectorLike<T, K>; readonly fn: KeyedStateBootstrapFunction<K, T> }
  | { readonly kind: 'window'; readonly selector: KeySelectorLike<T, K>; readonly window: WindowOperatorSpec }
  | { readonly kind: 'operator'; readonly fn: StateBootstrapFunction<T> }
  | { readonly kind: 'broadcast'; readonly fn: BroadcastStateBootstrapFunction<T> };

/** What `withOperator` writes: records, and the function that puts them into state (after keying them, for keyed state). */
export class StateBootstrapTransformation<K, T> {
  constructor(
    /** @internal */
    readonly stream: DataStream<T>,
    /** @internal */
    readonly bootstrap: BootstrapKind<K, T>,
    /** @internal Its own max parallelism; unset: the savepoint's. */
    readonly maxParallelism?: number,
  ) {}
}
