import { JobDefinitionError } from '../util/errors.js';
import { AbstractRichFunction, type RuntimeContext, taskInfoOf } from './functions.js';

/**
 * Where an async function hands over the results of one input (Flink's ResultFuture): once,
 * with `complete` (any number of records, none included) or `completeExceptionally` (the job
 * fails over). Later calls for the same input are ignored.
 */
export interface ResultFuture<OUT> {
  complete(results: Iterable<OUT>): void;
  completeExceptionally(error: unknown): void;
}

/**
 * A function that answers each record asynchronously (Flink's AsyncFunction), for
 * `AsyncDataStream.orderedWait` / `unorderedWait`: a lookup in a database or a service, many of
 * them in flight at once. A function `(input, resultFuture) => …` or an object with
 * `asyncInvoke`; a rejected promise from it counts as `completeExceptionally`. `timeout` is
 * called for an input whose results did not come in time; without it, the job fails over.
 */
export interface AsyncFunction<IN, OUT> {
  asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<void>;
  timeout?(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<void>;
}
/** What `AsyncDataStream` takes: an {@link AsyncFunction} or a plain function (with no `timeout`). */
export type AsyncFunctionLike<IN, OUT> = AsyncFunction<IN, OUT> | ((input: IN, resultFuture: ResultFuture<OUT>) => void | Promise<void>);

/**
 * An async function with `open`, `close` and the runtime context (Flink's RichAsyncFunction).
 * Its context has no keyed state, as in Flink: answers come back outside their input's key.
 */
export abstract class RichAsyncFunction<IN, OUT> extends AbstractRichFunction implements AsyncFunction<IN, OUT> {
  abstract asyncInvoke(input: IN, resultFuture: ResultFuture<OUT>): void | Promise<void>;

  override setRuntimeContext(context: RuntimeContext): void {
    super.setRuntimeContext(asyncRuntimeContext(context));
  }
}

/** Flink's RichAsyncFunctionRuntimeContext: the subtask's identity and metrics; state access throws. */
function asyncRuntimeContext(context: RuntimeContext): RuntimeContext {
  const noState = (): never => {
    throw new JobDefinitionError('State is not supported in rich async functions.');
  };
  // The 1.x getters are the TaskInfo's own (taskInfoOf's functions, spread).
  const { getTaskNameWithSubtasks: _withSubtasks, ...identity } = taskInfoOf(context);
  return {
    getJobId: () => context.getJobId(),
    ...identity,
    getTaskInfo: () => context.getTaskInfo(),
    getMetricGroup: () => context.getMetricGroup(),
    getGlobalJobParameters: () => context.getGlobalJobParameters(),
    getState: noState,
    getListState: noState,
    getMapState: noState,
    getReducingState: noState,
    getAggregatingState: noState,
  };
}

/** Why an async call failed when its function has no `timeout` (Flink's TimeoutException message). */
export class AsyncTimeoutError extends Error {
  constructor() {
    super('Async function call has timed out.');
    this.name = 'AsyncTimeoutError';
  }
}
