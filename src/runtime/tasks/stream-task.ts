import { performance } from 'node:perf_hooks';
import { type CheckpointBarrier, EndOfInput } from '../channel-events.js';
import type { OperatorSnapshot } from '../checkpointing/operator-snapshot.js';
import type { CheckpointResponder, SnapshotDriver } from '../checkpointing/snapshot-driver.js';
import { StreamOperator } from '../operators/stream-operator.js';
import type { RecordWriter } from '../record-writer.js';

/** How a task takes part in checkpoints; set by the JobExecution when checkpointing is on. */
export interface TaskCheckpointing {
  readonly taskIndex: number;
  readonly driver: SnapshotDriver;
  readonly responder: CheckpointResponder;
}

/**
 * One subtask of a job vertex: a chain of operators, the writers of its outgoing edges, and a
 * `step` that does one bounded piece of work (one input batch, or one batch from a source).
 * The scheduler interleaves steps of all tasks in one thread.
 */
export abstract class StreamTask {
  finished = false;
  checkpointing: TaskCheckpointing | undefined;
  private readonly timed: StreamOperator[];

  constructor(
    readonly name: string,
    /** The chain's operators, head first (a source task's source is not among them). */
    readonly operators: readonly StreamOperator[],
    readonly writers: readonly RecordWriter[],
  ) {
    // Only operators that override the timer hooks are asked about timers on the hot path.
    this.timed = operators.filter((op) => op.nextTimerTime !== StreamOperator.prototype.nextTimerTime);
  }

  /** True if `step` would make progress now. */
  abstract isRunnable(now: number): boolean;

  /** Does one bounded piece of work. */
  abstract step(now: number): void;

  /** The earliest time this task wants to run again when it is idle, or Infinity. */
  nextWakeTime(): number {
    return this.nextTimerTime();
  }

  /** The earliest timer of any operator in the chain. */
  nextTimerTime(): number {
    let t = Infinity;
    for (const op of this.timed) {
      const n = op.nextTimerTime();
      if (n < t) t = n;
    }
    return t;
  }

  /** Fires the timers due at `now` and sends what they emitted. */
  fireTimers(now: number): void {
    for (const op of this.timed) op.advanceProcessingTime(now);
    this.flushWriters();
  }

  protected outputsHaveCapacity(): boolean {
    for (const w of this.writers) if (!w.hasCapacity()) return false;
    return true;
  }

  protected flushWriters(): void {
    for (const w of this.writers) w.flush();
  }

  /** Pushes out buffered printed output. */
  flushBuffered(): void {
    for (const op of this.operators) op.flush();
  }

  /** Promises of asynchronous user work started in the last step. */
  pendingWork(): Promise<unknown> | undefined {
    let all: Promise<unknown>[] | undefined;
    for (const op of this.operators) {
      const p = op.pendingWork();
      if (p) (all ??= []).push(p);
    }
    return all && (all.length === 1 ? all[0] : Promise.all(all));
  }

  /** All input is consumed: due timers fire, operators finish in chain order, end flows on. */
  protected finishInput(now: number): void {
    this.fireTimers(now);
    for (const op of this.operators) op.endInput();
    for (const w of this.writers) w.broadcastEvent(EndOfInput.INSTANCE);
    this.finished = true;
  }

  /**
   * Takes this task's part of a checkpoint: the synchronous cut of every operator, then the
   * barrier goes downstream (after every record before it) and the rest happens asynchronously.
   * A finished task only snapshots: its outputs have ended.
   */
  performCheckpoint(barrier: CheckpointBarrier, alignmentMs: number): void {
    const cp = this.checkpointing;
    if (!cp) return;
    const start = performance.now();
    const operators = [...this.snapshotSource(barrier), ...this.operators.map((op) => op.snapshotState(barrier.checkpointId, barrier.timestamp))];
    if (!this.finished) for (const w of this.writers) w.broadcastEvent(barrier);
    cp.driver.submit({
      checkpointId: barrier.checkpointId,
      taskIndex: cp.taskIndex,
      operators,
      syncMs: performance.now() - start,
      alignmentMs,
    });
  }

  /** The source's position, for a task that reads a source. */
  protected snapshotSource(_barrier: CheckpointBarrier): OperatorSnapshot[] {
    return [];
  }

  /** Checkpoint `checkpointId` is complete: operators commit (e.g. sinks make files visible). */
  notifyCheckpointComplete(checkpointId: number): void {
    for (const op of this.operators) op.notifyCheckpointComplete(checkpointId);
  }

  /** Opens operators from the end of the chain to its head, so each output is ready first. */
  async open(): Promise<void> {
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i]!.open();
  }

  /** Closes every operator; the first error wins, the rest still close. */
  async close(): Promise<unknown> {
    let first: unknown;
    for (const op of this.operators) {
      try {
        op.flush();
        await op.close();
      } catch (err) {
        first ??= err;
      }
    }
    return first;
  }
}
