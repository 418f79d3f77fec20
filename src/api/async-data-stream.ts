import { type AsyncFunction, type AsyncFunctionLike, AsyncRetryStrategies, type AsyncRetryStrategy } from '../graph/index.js';
import { type DurationLike, durationToMillis } from '../util/time.js';
import { type DataStream, SingleOutputStreamOperator } from './data-stream.js';
import { describeArgument } from '../util/describe-argument.js';

/** Flink's default capacity of an async operator: inputs in flight at once. */
export const DEFAULT_ASYNC_CAPACITY = 100;

/**
 * Asynchronous I/O (Flink's AsyncDataStream): each record goes to an {@link AsyncFunction}
 * (a database or service lookup) and up to `capacity` calls are in flight at once, so the job
 * waits for many answers together rather than for one after another. Results carry their
 * input's timestamp. In-flight inputs are part of every checkpoint and are called again after
 * a restore, so exactly-once holds.
 *
 * @example
 * AsyncDataStream.unorderedWait(orders, async (o: Order, result: ResultFuture<Priced>) => {
 *   result.complete([{ ...o, price: await prices.lookup(o.item) }]);
 * }, Duration.ofSeconds(5), 50);
 */
export class AsyncDataStream {
  private constructor() {}

  /** Results leave in the order their inputs came; watermarks after everything before them. */
  static orderedWait<IN, OUT>(input: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeout: DurationLike, capacity = DEFAULT_ASYNC_CAPACITY): SingleOutputStreamOperator<OUT> {
    return add(input, fn, timeout, capacity, true);
  }

  /**
   * Results leave as soon as they come, but never across a watermark: records before a
   * watermark leave before it, those after it after it (Flink's unordered queue).
   */
  static unorderedWait<IN, OUT>(input: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeout: DurationLike, capacity = DEFAULT_ASYNC_CAPACITY): SingleOutputStreamOperator<OUT> {
    return add(input, fn, timeout, capacity, false);
  }

  /**
   * `orderedWait` with retries (Flink 1.16's orderedWaitWithRetry): an answer or failure the
   * strategy's predicates match is tried again after its back-off, within the same `timeout`.
   */
  static orderedWaitWithRetry<IN, OUT>(input: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeout: DurationLike, capacity: number, retry: AsyncRetryStrategy<OUT>): SingleOutputStreamOperator<OUT> {
    return add(input, fn, timeout, capacity, true, retry);
  }

  /** `unorderedWait` with retries (Flink 1.16's unorderedWaitWithRetry). */
  static unorderedWaitWithRetry<IN, OUT>(input: DataStream<IN>, fn: AsyncFunctionLike<IN, OUT>, timeout: DurationLike, capacity: number, retry: AsyncRetryStrategy<OUT>): SingleOutputStreamOperator<OUT> {
    return add(input, fn, timeout, capacity, false, retry);
  }
}

function add<IN, OUT>(
  input: DataStream<IN>,
  fn: AsyncFunctionLike<IN, OUT>,
  timeout: DurationLike,
  capacity: number,
  ordered: boolean,
  retry?: AsyncRetryStrategy<OUT>,
): SingleOutputStreamOperator<OUT> {
  if (retry !== undefined && (typeof retry !== 'object' || retry === null || typeof retry.canRetry !== 'function')) {
    throw new TypeError('A retry strategy comes from AsyncRetryStrategies (e.g. new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder(3, 100).ifException(RetryPredicates.HAS_EXCEPTION_PREDICATE).build()).');
  }
  const valid = typeof fn === 'function' || (typeof fn === 'object' && fn !== null && typeof fn.asyncInvoke === 'function');
  if (!valid) throw new TypeError('An async function is a function (input, resultFuture) => … or an object with asyncInvoke(input, resultFuture).');
  const timeoutMs = durationToMillis(timeout, 'timeout');
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`The capacity of an async operator must be a positive integer, got ${describeArgument(capacity)}.`);
  // Flink's AsyncDataStream.addOperator: retries live within the one timeout, so there must be
  // one (NO_RETRY_STRATEGY retries nothing, so it needs none).
  if (retry !== undefined && retry !== AsyncRetryStrategies.NO_RETRY_STRATEGY && timeoutMs <= 0) throw new RangeError('Timeout should be configured when do async with retry: give a timeout above 0.');
  const env = input.getExecutionEnvironment();
  const t = env.addTransformation({
    kind: 'operator',
    name: ordered ? 'async wait operator (ordered)' : 'async wait operator (unordered)',
    input: input.transformation,
    operator: { kind: 'asyncWait', fn: fn as AsyncFunctionLike<unknown, unknown>, ordered, timeoutMs, capacity, ...(retry ? { retry: retry as AsyncRetryStrategy<unknown> } : {}) },
  });
  return new SingleOutputStreamOperator<OUT>(env, t);
}
