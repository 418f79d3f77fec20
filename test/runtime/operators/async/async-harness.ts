/**
 * One AsyncWaitOperator subtask driven as the task and the scheduler drive it, on a manual clock
 * (Flink's OneInputStreamOperatorTestHarness), and the async functions of Flink's
 * AsyncWaitOperatorTest that the tests share.
 */
import assert from 'node:assert/strict';
import type { AsyncFunctionLike, AsyncRetryStrategy, ResultFuture, StreamNode } from '../../../../src/graph/index.js';
import { AsyncWaitOperator } from '../../../../src/runtime/operators/async/async-wait-operator.js';
import type { OperatorContext } from '../../../../src/runtime/operators/stream-operator.js';
import { RecordContext } from '../../../../src/runtime/record-context.js';
import { StreamingRuntimeContext, type TaskInfo } from '../../../../src/runtime/runtime-context.js';
import { DefaultOperatorStateStore, type OperatorStateMode } from '../../../../src/state/index.js';
import { ManualClock } from '../../../../src/util/clock.js';
import type { OperatorUid } from '../../../../src/util/ids.js';
import { MIN_TIMESTAMP } from '../../../../src/util/time.js';

export type Out = { readonly value: unknown; readonly timestamp: number } | { readonly watermark: number } | { readonly idle: boolean };
export const rec = (value: unknown, timestamp: number): Out => ({ value, timestamp });
export const wm = (watermark: number): Out => ({ watermark });
export type Lists = Map<string, { mode: OperatorStateMode; values: unknown[] }>;

/** A macrotask: every promise callback and setImmediate queued before it has run. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One AsyncWaitOperator subtask driven as the task and the scheduler drive it (Flink's
 * OneInputStreamOperatorTestHarness, with the mailbox being the scheduler's passes).
 */
export class AsyncHarness {
  readonly clock = new ManualClock(0);
  readonly output: Out[] = [];
  readonly operator: AsyncWaitOperator;
  private readonly slot = new RecordContext();
  wakes = 0;

  constructor(fn: AsyncFunctionLike<never, unknown>, ordered: boolean, timeoutMs: number, capacity: number, restore?: Lists, retry?: AsyncRetryStrategy<never>) {
    const info: TaskInfo = { jobId: 'test', taskName: 'async (1/1)', subtaskIndex: 0, parallelism: 1, maxParallelism: 128, attemptNumber: 0, checkpointing: true };
    const ctx: OperatorContext = {
      info,
      node: { name: 'async', uid: 'async-uid' as OperatorUid } as StreamNode,
      clock: this.clock,
      runtimeContext: new StreamingRuntimeContext(info, undefined),
      recordContext: this.slot,
      keyedBackend: undefined,
      timerService: undefined,
      operatorStateStore: new DefaultOperatorStateStore(restore ? structuredClone(restore) : new Map()),
      autoWatermarkIntervalMs: 0,
      sideOutput: () => undefined,
      wake: () => void this.wakes++,
    };
    this.operator = new AsyncWaitOperator(ctx, fn as AsyncFunctionLike<unknown, unknown>, ordered, timeoutMs, capacity, retry as AsyncRetryStrategy<unknown> | undefined);
    const slot = this.slot;
    this.operator.output = {
      collect: (value) => void this.output.push({ value, timestamp: slot.timestamp }),
      emitWatermark: (time) => void this.output.push({ watermark: time }),
      emitWatermarkStatus: (idle) => void this.output.push({ idle }),
    };
  }

  async open(): Promise<this> {
    await this.operator.open();
    return this;
  }

  /** The scheduler's pass over this task: timers (and completions) fire only when due. */
  private pass(): boolean {
    const now = this.clock.now();
    if (this.operator.nextTimerTime() > now) return false;
    this.operator.advanceProcessingTime(now);
    return true;
  }

  /** Lets completions arrive and the scheduler pass, until nothing is left to do now. */
  async settle(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      await tick();
      this.pass();
    }
  }

  /** The task takes the record only once the operator accepts input (Flink's yield in addToWorkQueue). */
  async processElement(value: unknown, timestamp?: number): Promise<void> {
    await this.waitForRoom();
    this.slot.timestamp = timestamp ?? MIN_TIMESTAMP;
    this.operator.collect(value);
    this.slot.timestamp = MIN_TIMESTAMP;
  }

  async processWatermark(time: number): Promise<void> {
    await this.waitForRoom();
    this.operator.processWatermark(time);
  }

  processWatermarkStatus(idle: boolean): void {
    this.operator.processWatermarkStatus(idle);
  }

  private async waitForRoom(): Promise<void> {
    for (let i = 0; i < 200 && !this.operator.acceptsInput(); i++) {
      await tick();
      this.pass();
    }
    assert.ok(this.operator.acceptsInput(), 'the operator never took input again');
  }

  /** Moves processing time on and lets the due timers fire (Flink's setProcessingTime). */
  async setProcessingTime(time: number): Promise<void> {
    this.clock.set(time);
    this.pass();
    await this.settle();
  }

  /** End of input: waits until the operator has no more output to come (Flink's endInput waits for its queue). */
  async endInput(): Promise<void> {
    this.operator.endInput();
    for (let i = 0; i < 500 && this.operator.hasPendingOutput(); i++) {
      await tick();
      this.pass();
    }
    assert.equal(this.operator.hasPendingOutput(), false, 'the end of input never finished');
  }

  /** The operator lists of a checkpoint now (a copy, as the snapshot's encoding makes one). */
  snapshot(): Lists {
    this.operator.snapshotState(1, 0);
    return structuredClone((this.operator as unknown as { ctx: OperatorContext }).ctx.operatorStateStore.snapshot());
  }

  records(): Out[] {
    return this.output.filter((o) => 'value' in o);
  }
}

/** Flink's MyAsyncFunction: answers input * 2 from another thread (here: a later macrotask). */
export const double = (input: number, rf: ResultFuture<number>) => void setImmediate(() => rf.complete([input * 2]));

/** Flink's LazyAsyncFunction: answers the input itself once the latch opens. */
export class Latch {
  private waiting: Array<() => void> = [];
  open = false;
  await(): Promise<void> {
    return this.open ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
  countDown(): void {
    this.open = true;
    for (const w of this.waiting.splice(0)) setImmediate(w);
  }
}
export const lazy = (latch: Latch) => (input: number, rf: ResultFuture<number>) => void latch.await().then(() => rf.complete([input]));

export const byTimestampThenValue = (a: Out, b: Out) =>
  'value' in a && 'value' in b ? a.timestamp - b.timestamp || (a.value as number) - (b.value as number) : 0;
