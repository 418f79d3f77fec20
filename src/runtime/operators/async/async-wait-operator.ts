import { type AsyncFunctionLike, type AsyncRetryStrategy, AsyncTimeoutError, type ResultFuture } from '../../../graph/index.js';
import { type ListState, ListStateDescriptor } from '../../../state/index.js';
import { MIN_TIMESTAMP } from '../../../util/time.js';
import { FunctionOperator } from '../function-operator.js';
import type { OperatorContext } from '../stream-operator.js';
import { userError } from '../user-function.js';
import { type ElementEntry, StreamElementQueue } from './stream-element-queue.js';

/** The operator list state that holds the inputs in flight at a checkpoint (Flink's name). */
export const ASYNC_STATE_NAME = '_async_wait_operator_state_';

/** An input in flight: the record, its timestamp, and when its call times out. */
interface AsyncElement {
  readonly value: unknown;
  readonly timestamp: number;
  /** When the call times out: one timeout over every attempt, as Flink's. */
  deadline: number;
  /** The input's answer is final (results, a failure, or its timeout's answer): later ones are ignored (Flink's ResultHandler). */
  answered: boolean;
  /** Calls made so far (Flink's currentAttempts, from 1). */
  attempts: number;
  /** When the next attempt is due, while a retry waits for its back-off. */
  retryAt: number | undefined;
}

/** What a checkpoint keeps of each entry, in order: a record with its timestamp, or a watermark. */
type StoredEntry = { readonly v: unknown; readonly t: number } | { readonly w: number };

type Invoke = (input: unknown, resultFuture: ResultFuture<unknown>) => void | Promise<void>;

/**
 * Flink's AsyncWaitOperator. Each record starts a call of the user's async function; up to
 * `capacity` entries (records and watermarks) are in the queue at once, and what comes while it
 * is full waits in a backlog — the task takes no more input until the backlog is empty (back
 * pressure). Completions arrive in promise callbacks, outside the scheduler: they only mark the
 * entry and wake the scheduler, whose next pass emits what may leave (see StreamElementQueue),
 * with the input's timestamp. A call past its timeout gets the function's `timeout` (or fails
 * the job). At a checkpoint every input in flight, and every watermark between them, goes into
 * operator state; a restore calls the function again for them, in order. At the end of input
 * the task waits until the queue is empty before it finishes.
 */
export class AsyncWaitOperator extends FunctionOperator<unknown> {
  private readonly queue: StreamElementQueue<AsyncElement>;
  private backlog: StoredEntry[] = [];
  private readonly invoke: Invoke;
  private readonly onTimeout: Invoke | undefined;
  private readonly inFlight: ListState<StoredEntry>;
  /** A call completed (or failed) since the last pass: the next one emits. */
  private completed = false;
  private failure: { readonly error: unknown } | undefined;
  /** Input has ended: a retry waiting for its back-off is made at once, and no answer is retried after (Flink's retryDisabledOnFinish). */
  private retryDisabled = false;
  /** The last watermark status forwarded was idle (see processWatermarkStatus). */
  private outputIdle = false;

  constructor(
    ctx: OperatorContext,
    fn: AsyncFunctionLike<unknown, unknown>,
    private readonly ordered: boolean,
    private readonly timeoutMs: number,
    private readonly capacity: number,
    private readonly retry?: AsyncRetryStrategy<unknown>,
  ) {
    super(ctx, fn);
    this.queue = new StreamElementQueue(ordered);
    if (typeof fn === 'function') this.invoke = fn;
    else {
      this.invoke = (input, rf) => fn.asyncInvoke(input, rf);
      const timeout = fn.timeout;
      if (typeof timeout === 'function') this.onTimeout = (input, rf) => timeout.call(fn, input, rf);
    }
    this.inFlight = ctx.operatorStateStore.getListState(new ListStateDescriptor<StoredEntry>(ASYNC_STATE_NAME));
  }

  override async open(): Promise<void> {
    await super.open();
    // The inputs in flight at the checkpoint restored: called again, in their order.
    const restored = this.inFlight.get();
    this.inFlight.clear();
    for (const e of restored) this.add(e);
    // A restored watermark with nothing incomplete before it leaves on the first pass (not in
    // open: the operators after this one may not be open yet).
    if (restored.length > 0) this.completed = true;
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    this.add({ v: value, t: this.ctx.recordContext.timestamp });
  }

  override processWatermark(timestamp: number): void {
    this.currentWatermark = timestamp;
    this.add({ w: timestamp });
    // As Flink's processWatermark (outputCompletedElement): a watermark with nothing incomplete
    // before it leaves now. Left to the next pass it waited for a later completion or timeout,
    // since a waiting watermark is no timer (and an idle status could overtake it).
    this.emitReady();
  }

  /**
   * Idleness is not queued (Flink's operator forwards it at once); while the output is idle a
   * watermark that leaves the queue is dropped, as Flink's ChainingOutput and RecordWriterOutput
   * drop watermarks while their announced status is idle.
   */
  override processWatermarkStatus(idle: boolean): void {
    this.outputIdle = idle;
    this.forwardWatermarkStatus(idle);
  }

  /** The task takes input only while nothing waits for room in the queue. */
  override acceptsInput(): boolean {
    return this.backlog.length === 0;
  }

  override hasPendingOutput(): boolean {
    return this.queue.size > 0 || this.backlog.length > 0;
  }

  override nextTimerTime(): number {
    if (this.completed || this.failure) return -Infinity;
    let next = Infinity;
    for (const e of this.queue.all()) {
      if (e.kind !== 'element' || e.element.answered) continue;
      next = Math.min(next, e.element.deadline, e.element.retryAt ?? Infinity);
    }
    return next;
  }

  override endInput(): void {
    if (!this.retry) return;
    this.retryDisabled = true;
    for (const e of this.queue.all()) if (e.kind === 'element' && e.element.retryAt !== undefined) e.element.retryAt = -Infinity;
  }

  /** The scheduler's pass: calls past their timeout, retries due, then what may leave, then what waited for room. */
  override advanceProcessingTime(now: number): void {
    this.fireTimeouts(now);
    this.fireRetries(now);
    if (this.failure) throw userError(this.name, this.failure.error);
    this.completed = false;
    this.emitReady();
  }

  /** Emits what may leave the queue now, with each input's timestamp, then admits what waited for room. */
  private emitReady(): void {
    const rc = this.ctx.recordContext;
    for (const e of this.queue.takeReady()) {
      if (e.kind === 'watermark') {
        if (!this.outputIdle) this.forwardWatermark(e.timestamp);
        continue;
      }
      rc.timestamp = e.element.timestamp;
      for (const r of e.results!) this.output.collect(r);
    }
    rc.timestamp = MIN_TIMESTAMP;
    this.admit();
  }

  protected override prepareSnapshot(checkpointId: number, timestamp: number): void {
    super.prepareSnapshot(checkpointId, timestamp);
    const stored: StoredEntry[] = [];
    for (const e of this.queue.all()) stored.push(e.kind === 'watermark' ? { w: e.timestamp } : { v: e.element.value, t: e.element.timestamp });
    stored.push(...this.backlog);
    this.inFlight.update(stored);
  }

  private add(e: StoredEntry): void {
    this.backlog.push(e);
    if (this.backlog.length === 1) this.admit();
  }

  /** Moves what waited into the queue while it has room, starting each record's call. */
  private admit(): void {
    let taken = 0;
    while (taken < this.backlog.length && this.queue.size < this.capacity) {
      const e = this.backlog[taken++]!;
      if ('w' in e) this.queue.add({ kind: 'watermark', timestamp: e.w });
      else this.start(e.v, e.t);
    }
    if (taken > 0) this.backlog = this.backlog.slice(taken);
  }

  private start(value: unknown, timestamp: number): void {
    const deadline = this.timeoutMs > 0 ? this.ctx.clock.now() + this.timeoutMs : Infinity;
    const entry: ElementEntry<AsyncElement> = { kind: 'element', element: { value, timestamp, deadline, answered: false, attempts: 1, retryAt: undefined }, results: undefined, completedAt: 0 };
    this.queue.add(entry);
    this.call(entry);
  }

  /** Makes one attempt of `entry`'s call. */
  private call(entry: ElementEntry<AsyncElement>): void {
    const rf = this.handle(entry, true);
    let returned: unknown;
    try {
      returned = this.invoke(entry.element.value, rf);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (returned instanceof Promise) returned.then(undefined, (err: unknown) => rf.completeExceptionally(err));
  }

  /**
   * The handle one attempt (or the function's `timeout`) answers through: its first answer
   * counts, and, from an attempt, is tried again if the retry strategy says so; else it is final.
   */
  private handle(entry: ElementEntry<AsyncElement>, retryable: boolean): ResultFuture<unknown> {
    let answered = false;
    const answer = (results: Iterable<unknown> | undefined, error: { readonly error: unknown } | undefined): void => {
      if (answered || entry.element.answered) return;
      answered = true;
      let list: unknown[] | undefined;
      if (results !== undefined) {
        try {
          list = Array.from(results);
        } catch {
          error = { error: new TypeError('ResultFuture.complete needs an iterable of results (e.g. an array).') };
        }
      }
      if (retryable && this.retries(entry, list, error)) return;
      this.finish(entry, list, error);
    };
    return { complete: (results) => answer(results, undefined), completeExceptionally: (error) => answer(undefined, { error }) };
  }

  /** True if the answer is to be tried again: schedules the attempt after the strategy's back-off. */
  private retries(entry: ElementEntry<AsyncElement>, results: readonly unknown[] | undefined, error: { readonly error: unknown } | undefined): boolean {
    const strategy = this.retry;
    if (!strategy || this.retryDisabled) return false;
    const p = strategy.getRetryPredicate();
    const match = results !== undefined ? p.resultPredicate?.(results) === true : error !== undefined && p.exceptionPredicate?.(error.error) === true;
    if (!match || !strategy.canRetry(entry.element.attempts)) return false;
    entry.element.retryAt = this.ctx.clock.now() + strategy.getBackoffTimeMillis(entry.element.attempts);
    this.ctx.wake?.();
    return true;
  }

  /** The input's final answer: its results go into the queue, or its failure fails the job. */
  private finish(entry: ElementEntry<AsyncElement>, results: readonly unknown[] | undefined, error: { readonly error: unknown } | undefined): void {
    entry.element.answered = true;
    entry.element.retryAt = undefined;
    if (error !== undefined || results === undefined) this.failure ??= error ?? { error: new Error('no answer') };
    else {
      this.queue.complete(entry, results);
      this.completed = true;
    }
    this.ctx.wake?.();
  }

  private fireRetries(now: number): void {
    for (const e of this.queue.all()) {
      if (e.kind !== 'element' || e.element.answered || e.element.retryAt === undefined || e.element.retryAt > now) continue;
      e.element.retryAt = undefined;
      e.element.attempts++;
      this.call(e);
    }
  }

  private fireTimeouts(now: number): void {
    for (const e of this.queue.all()) {
      if (e.kind !== 'element' || e.element.answered || e.element.deadline > now) continue;
      e.element.deadline = Infinity;
      // A retry waiting for its back-off is not made: the timeout ends the call (as Flink cancels it).
      e.element.retryAt = undefined;
      const rf = this.handle(e, false);
      if (!this.onTimeout) {
        rf.completeExceptionally(new AsyncTimeoutError());
        continue;
      }
      let returned: unknown;
      try {
        returned = this.onTimeout(e.element.value, rf);
      } catch (err) {
        throw userError(this.name, err);
      }
      if (returned instanceof Promise) returned.then(undefined, (err: unknown) => rf.completeExceptionally(err));
    }
  }
}
