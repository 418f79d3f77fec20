/**
 * `a.connect(b)` (Flink's ConnectedStreams): two streams, possibly of different types, into one
 * operator with two inputs. Keyed (`a.keyBy(ka).connect(b.keyBy(kb))` or `.keyBy(ka, kb)`),
 * the operator has keyed state and timers shared by both inputs per key.
 */
import {
  type CoFlatMapFunction,
  type CoMapFunction,
  type CoProcessFunction,
  KeyedCoProcessFunction,
  type KeySelectorLike,
  keyFunctionOf,
  type Transformation,
  type TwoInputOperatorSpec,
} from '../graph/index.js';
import { JobDefinitionError } from '../util/errors.js';
import { type DataStream, KeyedStream, SingleOutputStreamOperator } from './data-stream.js';
import { withOnTimer } from './with-on-timer.js';
import type { StreamExecutionEnvironment } from './stream-execution-environment.js';

/** Adds a two-input operator over `first` and `second` to the job. */
export function twoInputOperator<R>(
  env: StreamExecutionEnvironment,
  first: { readonly transformation: Transformation },
  second: { readonly transformation: Transformation },
  name: string,
  operator: TwoInputOperatorSpec,
  keyed: boolean,
): SingleOutputStreamOperator<R> {
  const t = env.addTransformation({ kind: 'twoInputOperator', name, input1: first.transformation, input2: second.transformation, operator, keyed });
  return new SingleOutputStreamOperator<R>(env, t);
}

export class ConnectedStreams<IN1, IN2> {
  /** @internal */
  constructor(
    private readonly env: StreamExecutionEnvironment,
    private readonly first: DataStream<IN1>,
    private readonly second: DataStream<IN2>,
  ) {
    if (first.getExecutionEnvironment() !== second.getExecutionEnvironment()) throw new TypeError('connect() needs streams of the same environment.');
  }

  getFirstInput(): DataStream<IN1> {
    return this.first;
  }

  getSecondInput(): DataStream<IN2> {
    return this.second;
  }

  /** True if both inputs are keyed streams. */
  isKeyed(): boolean {
    return this.first instanceof KeyedStream && this.second instanceof KeyedStream;
  }

  /** Keys both inputs, each by its own selector into the same key space: records of equal keys meet in one subtask. */
  keyBy<K>(key1: KeySelectorLike<IN1, K>, key2: KeySelectorLike<IN2, K>): ConnectedStreams<IN1, IN2> {
    return new ConnectedStreams(this.env, this.first.keyBy(keyFunctionOf(key1, 'ConnectedStreams.keyBy')), this.second.keyBy(keyFunctionOf(key2, 'ConnectedStreams.keyBy')));
  }

  /** Applies `map1` to records of the first input and `map2` to those of the second. */
  map<R>(fn: CoMapFunction<IN1, IN2, R>): SingleOutputStreamOperator<R> {
    checkMethods(fn, ['map1', 'map2'], 'map');
    return this.add<R>('Co-Map', { kind: 'coMap', fn: fn as CoMapFunction<unknown, unknown, unknown> });
  }

  /** Applies `flatMap1` / `flatMap2`, each emitting any number of records. */
  flatMap<R>(fn: CoFlatMapFunction<IN1, IN2, R>): SingleOutputStreamOperator<R> {
    checkMethods(fn, ['flatMap1', 'flatMap2'], 'flatMap');
    return this.add<R>('Co-Flat Map', { kind: 'coFlatMap', fn: fn as CoFlatMapFunction<unknown, unknown, unknown> });
  }

  /**
   * A low-level function over both inputs. On keyed inputs it has keyed state and timers
   * (a KeyedCoProcessFunction, or a CoProcessFunction used as one, as in Flink).
   */
  process<K, R>(fn: KeyedCoProcessFunction<K, IN1, IN2, R> | CoProcessFunction<IN1, IN2, R>): SingleOutputStreamOperator<R> {
    checkMethods(fn, ['processElement1', 'processElement2'], 'process');
    if (this.isKeyed()) {
      const keyedFn = withOnTimer(fn) as unknown as KeyedCoProcessFunction<unknown, unknown, unknown, unknown>;
      return this.add<R>('KeyedCoProcess', { kind: 'keyedCoProcess', fn: keyedFn });
    }
    if (fn instanceof KeyedCoProcessFunction) {
      throw new JobDefinitionError('A KeyedCoProcessFunction can only be used when both input streams are keyed: use a.keyBy(ka).connect(b.keyBy(kb)) or connect(...).keyBy(ka, kb).');
    }
    return this.add<R>('Co-Process', { kind: 'coProcess', fn: fn as CoProcessFunction<unknown, unknown, unknown> });
  }

  /**
   * The operator has keyed state if either input is keyed (Flink's ConnectedStreams sets a state
   * key selector for each keyed input on its own): `keyed.connect(control.broadcast())` keeps
   * per-key state for the keyed input. A record of a non-keyed input leaves the current key as it
   * was, as in Flink; before any keyed record it has none, and keyed state refuses access.
   */
  private add<R>(name: string, operator: TwoInputOperatorSpec): SingleOutputStreamOperator<R> {
    const anyKeyed = this.first instanceof KeyedStream || this.second instanceof KeyedStream;
    return twoInputOperator<R>(this.env, this.first, this.second, name, operator, anyKeyed);
  }
}

/** Checks a function object has the methods an operator calls (a clear message instead of a failure mid-stream). */
export function checkMethods(fn: unknown, methods: readonly string[], what: string): void {
  for (const m of methods) {
    if (typeof (fn as Record<string, unknown> | null)?.[m] !== 'function') {
      throw new TypeError(`${what} needs an object with ${methods.map((x) => `${x}()`).join(' and ')}; ${m}() is missing.`);
    }
  }
}
