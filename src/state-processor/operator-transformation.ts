import type { DataStream } from '../api/index.js';
import type { KeySelector, KeyedStateBootstrapFunction } from '../graph/index.js';
import { checkMaxParallelism } from '../state/index.js';

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
  private maxParallelism: number | undefined;

  constructor(private readonly stream: DataStream<T>) {}

  /**
   * The key groups of this operator's state, instead of the savepoint's max parallelism (Flink's
   * OneInputStateTransformation#setMaxParallelism): for a job whose operator sets its own.
   */
  setMaxParallelism(maxParallelism: number): this {
    const invalid = checkMaxParallelism(maxParallelism);
    if (invalid) throw new RangeError(invalid);
    this.maxParallelism = maxParallelism;
    return this;
  }

  /** Keys the records as the job that will start from the savepoint keys them: the same key, the same key group. */
  keyBy<K>(selector: KeySelector<T, K>): KeyedOperatorTransformation<K, T> {
    return new KeyedOperatorTransformation(this.stream, selector, this.maxParallelism);
  }
}

/** A keyed bootstrap input. */
export class KeyedOperatorTransformation<K, T> {
  constructor(
    private readonly stream: DataStream<T>,
    private readonly selector: KeySelector<T, K>,
    private readonly maxParallelism?: number,
  ) {}

  /** The keyed state `fn` writes for each record becomes the operator's state. */
  transform(fn: KeyedStateBootstrapFunction<K, T>): StateBootstrapTransformation<K, T> {
    return new StateBootstrapTransformation(this.stream, this.selector, fn, this.maxParallelism);
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
    /** @internal Its own max parallelism; unset: the savepoint's. */
    readonly maxParallelism?: number,
  ) {}
}
