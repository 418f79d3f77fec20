import type { DataStream } from '../api/index.js';
import { checkAssigner } from '../api/window-operator-spec.js';
import {
  BroadcastStateBootstrapFunction,
  type KeyFunction,
  type KeySelectorLike,
  keyFunctionOf,
  KeyedStateBootstrapFunction,
  StateBootstrapFunction,
  isCheckpointedFunction,
} from '../graph/index.js';
import { checkMaxParallelism } from '../state/index.js';
import type { Window, WindowAssigner } from '../windowing/index.js';
import { StateBootstrapTransformation } from './state-bootstrap-transformation.js';
import { WindowedStateTransformation } from './windowed-state-transformation.js';

/**
 * Records to be written into an operator's state of a new savepoint (Flink's
 * OperatorTransformation): `bootstrapWith(stream).keyBy(selector).transform(fn)` for keyed
 * state, `bootstrapWith(stream).keyBy(selector).window(assigner)…` for window state,
 * `bootstrapWith(stream).transform(fn)` for operator or broadcast state, handed to
 * `SavepointWriter.withOperator(uid, …)`.
 */
export const OperatorTransformation = {
  bootstrapWith<T>(stream: DataStream<T>): OneInputOperatorTransformation<T> {
    return new OneInputOperatorTransformation(stream);
  },
};

/** A bootstrap input, before it is keyed (or written into non-keyed state). */
export class OneInputOperatorTransformation<T> {
  private maxParallelism: number | undefined;

  constructor(private readonly stream: DataStream<T>) {}

  /**
   * The max parallelism of this operator's state, instead of the savepoint's (Flink's
   * OneInputStateTransformation#setMaxParallelism): for a job whose operator sets its own.
   * Keyed state is split into that many key groups; operator state is written at most at that
   * parallelism.
   */
  setMaxParallelism(maxParallelism: number): this {
    const invalid = checkMaxParallelism(maxParallelism);
    if (invalid) throw new RangeError(invalid);
    this.maxParallelism = maxParallelism;
    return this;
  }

  /** Keys the records as the job that will start from the savepoint keys them: the same key, the same key group. */
  keyBy<K>(selector: KeySelectorLike<T, K>): KeyedOperatorTransformation<K, T> {
    return new KeyedOperatorTransformation(this.stream, keyFunctionOf(selector, 'keyBy'), this.maxParallelism);
  }

  /**
   * Window state is keyed: refused with the line that says so (a call from plain JavaScript,
   * where nothing checks the types, would otherwise fail with "window is not a function").
   */
  window(_assigner: WindowAssigner<T, Window>): never {
    throw new TypeError('Window state is keyed state: key the records first, bootstrapWith(stream).keyBy(selector).window(assigner).');
  }

  /**
   * Writes the records into operator state: with a {@link StateBootstrapFunction}, the list and
   * union list states it registers (at the job's parallelism, each subtask its own lists); with
   * a {@link BroadcastStateBootstrapFunction}, the broadcast states it writes (at parallelism 1:
   * one copy, which every subtask of the restored job gets).
   */
  transform(fn: StateBootstrapFunction<T> | BroadcastStateBootstrapFunction<T>): StateBootstrapTransformation<never, T> {
    if (fn instanceof BroadcastStateBootstrapFunction) return new StateBootstrapTransformation(this.stream, { kind: 'broadcast', fn }, this.maxParallelism);
    if (fn instanceof KeyedStateBootstrapFunction) {
      throw new TypeError('A KeyedStateBootstrapFunction writes keyed state: key the records first, bootstrapWith(stream).keyBy(selector).transform(fn).');
    }
    const shaped = fn as Partial<StateBootstrapFunction<T>> | null;
    if (typeof shaped?.processElement !== 'function' || !isCheckpointedFunction(fn)) {
      throw new TypeError(
        'transform needs a StateBootstrapFunction (processElement, and initializeState and snapshotState of a CheckpointedFunction, for list and union list state) or a BroadcastStateBootstrapFunction (for broadcast state).',
      );
    }
    return new StateBootstrapTransformation(this.stream, { kind: 'operator', fn: fn as StateBootstrapFunction<T> }, this.maxParallelism);
  }
}

/** A keyed bootstrap input. */
export class KeyedOperatorTransformation<K, T> {
  constructor(
    private readonly stream: DataStream<T>,
    private readonly selector: KeyFunction<T, K>,
    private readonly maxParallelism?: number,
  ) {}

  /** The keyed state `fn` writes for each record becomes the operator's state. */
  transform(fn: KeyedStateBootstrapFunction<K, T>): StateBootstrapTransformation<K, T> {
    if (fn instanceof StateBootstrapFunction || fn instanceof BroadcastStateBootstrapFunction) {
      throw new TypeError(`A ${fn instanceof StateBootstrapFunction ? 'StateBootstrapFunction' : 'BroadcastStateBootstrapFunction'} writes non-keyed state: bootstrapWith(stream).transform(fn), without keyBy.`);
    }
    return new StateBootstrapTransformation(this.stream, { kind: 'keyed', selector: this.selector, fn }, this.maxParallelism);
  }

  /**
   * The records go into the windows of a window operator (Flink's KeyedStateTransformation#window):
   * then the job window's trigger, evictor and allowed lateness, and `reduce`, `aggregate`,
   * `process` or `apply` as it has.
   */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStateTransformation<T, K, W> {
    checkAssigner(assigner);
    return new WindowedStateTransformation(this.stream, this.selector, this.maxParallelism, assigner);
  }
}
