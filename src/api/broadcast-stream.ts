/**
 * Broadcast state (Flink's BroadcastStream and BroadcastConnectedStream): `rules.broadcast(desc)`
 * sends every rule to every subtask of the operator it is connected to, which keeps the rules in
 * broadcast state; the other input reads them.
 */
import { BroadcastProcessFunction, KeyedBroadcastProcessFunction } from '../graph/index.js';
import type { MapStateDescriptor } from '../state/index.js';
import { JobDefinitionError } from '../util/errors.js';
import { checkMethods, twoInputOperator } from './connected-streams.js';
import { type DataStream, KeyedStream, type SingleOutputStreamOperator } from './data-stream.js';
import { withOnTimer } from './with-on-timer.js';
import type { StreamExecutionEnvironment } from './stream-execution-environment.js';

/** A stream whose every record reaches every subtask, with the broadcast states it feeds. */
export class BroadcastStream<T> {
  /** @internal */
  constructor(
    private readonly env: StreamExecutionEnvironment,
    /** @internal the broadcast-partitioned stream */
    readonly stream: DataStream<T>,
    /** @internal */
    readonly descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {}

  getExecutionEnvironment(): StreamExecutionEnvironment {
    return this.env;
  }
}

/** A (keyed or non-keyed) stream connected with a broadcast stream. */
export class BroadcastConnectedStream<IN1, IN2> {
  /** @internal */
  constructor(
    private readonly env: StreamExecutionEnvironment,
    private readonly first: DataStream<IN1>,
    private readonly broadcast: BroadcastStream<IN2>,
  ) {}

  getFirstInput(): DataStream<IN1> {
    return this.first;
  }

  /**
   * Processes both inputs: a KeyedBroadcastProcessFunction when the first input is keyed, a
   * BroadcastProcessFunction when it is not (as in Flink).
   */
  process<K, R>(fn: KeyedBroadcastProcessFunction<K, IN1, IN2, R> | BroadcastProcessFunction<IN1, IN2, R>): SingleOutputStreamOperator<R> {
    checkMethods(fn, ['processElement', 'processBroadcastElement'], 'process');
    const keyed = this.first instanceof KeyedStream;
    if (keyed && fn instanceof BroadcastProcessFunction) {
      throw new JobDefinitionError('A BroadcastProcessFunction can only be used on a non-keyed stream; on a keyed stream use a KeyedBroadcastProcessFunction.');
    }
    if (!keyed && fn instanceof KeyedBroadcastProcessFunction) {
      throw new JobDefinitionError('A KeyedBroadcastProcessFunction can only be used on a keyed stream; key it with keyBy() first, or use a BroadcastProcessFunction.');
    }
    const descriptors = this.broadcast.descriptors;
    if (keyed) {
      const keyedFn = withOnTimer(fn) as unknown as KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>;
      return twoInputOperator<R>(this.env, this.first, this.broadcast.stream, 'Co-Process-Broadcast-Keyed', { kind: 'keyedBroadcastProcess', fn: keyedFn, descriptors }, true);
    }
    return twoInputOperator<R>(
      this.env,
      this.first,
      this.broadcast.stream,
      'Co-Process-Broadcast',
      { kind: 'broadcastProcess', fn: fn as BroadcastProcessFunction<unknown, unknown, unknown>, descriptors },
      false,
    );
  }
}
