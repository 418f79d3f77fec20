import type { DataStream } from '../api/index.js';
import type { KeySelector, KeyedStateBootstrapFunction } from '../graph/index.js';

/**
 * Records to be written into an operator's state of a new savepoint (Flink's
 * OperatorTransformation): `bootstrapWith(stream).keyBy(selector).transform(fn)`, handed to
 * `SavepointWriter.withOperator(uid, …)`.
 */
export const OperatorTransformation = {
  bootstrapWith<T>(stream: DataStream<T>): OneInputOperatorTransformation<T> {
    return new OneInputOperatorTransformation(stream);
  },
};

/** A bootstrap input, before it is keyed. */
export class OneInputOperatorTransformation<T> {
  constructor(private readonly stream: DataStream<T>) {}

  /** Keys the records as the job that will start from the savepoint keys them: the same key, the same key group. */
  keyBy<K>(selector: KeySelector<T, K>): KeyedOperatorTransformation<K, T> {
    return new KeyedOperatorTransformation(this.stream, selector);
  }
}

/** A keyed bootstrap input. */
export class KeyedOperatorTransformation<K, T> {
  constructor(
    private readonly stream: DataStream<T>,
    private readonly selector: KeySelector<T, K>,
  ) {}

  /** The keyed state `fn` writes for each record becomes the operator's state. */
  transform(fn: KeyedStateBootstrapFunction<K, T>): StateBootstrapTransformation<K, T> {
    return new StateBootstrapTransformation(this.stream, this.selector, fn);
  }
}

/** What `withOperator` writes: records, their key, and the function that puts them into state. */
export class StateBootstrapTransformation<K, T> {
  constructor(
    /** @internal */
    readonly stream: DataStream<T>,
    /** @internal */
    readonly selector: KeySelector<T, K>,
    /** @internal */
    readonly fn: KeyedStateBootstrapFunction<K, T>,
  ) {}
}
