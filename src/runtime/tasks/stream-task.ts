import { performance } from 'node:perf_hooks';
import { type CheckpointBarrier, EndOfInput } from '../channel-events.js';
import type { OperatorSnapshot } from '../checkpointing/operator-snapshot.js';
import type { AlignmentAction } from '../checkpointing/barrier-aligner.js';
import type { CheckpointResponder } from '../../state/index.js';
import type { SnapshotDriver } from '../checkpointing/snapshot-driver.js';
import type { TaskIOMetrics } from '../metrics/io-metrics.js';
import { StreamOperator } from '../operators/stream-operator.js';
import type { RecordWriter } from '../record-writer.js';

/** How a task takes part in checkpoints; set by the JobExecution when checkpointing is on. */
export interface TaskCheckpointing {
  readonly taskIndex: number;
  readonly driver: SnapshotDriver;
  readonly responder: CheckpointResponder;
  /**
   * The job's checkpoints in flight (triggered, neither complete nor aborted), by id. A task
   * that finishes performs those it has not, since no barrier of theirs can reach it any more.
   */
  readonly inFlight: ReadonlyMap<number, CheckpointBarrier>;
}

/**
 * One subtask of a job vertex: a chain of operators, the writers of its outgoing edges, and a
 * `step` that does one bounded piece of work (one input batch, or one batch from a source).
 * The scheduler interleaves steps of all tasks in one thread.
 */
export abstract class StreamTask {
  finished = false;
  /** This subtask's place among all subtasks of the job (set at deployment); checkpoints are acknowledged by it. */
  index = 0;
  checkpointing: TaskCheckpointing | undefined;
  /** Set at deployment: the counters the metrics reporter reads. */
  metrics: TaskIOMetrics | undefined;
  private readonly timed: StreamOperator[];
  /** Operators that may refuse input (asynchronous work at capacity), asked before each step. */
  private readonly gated: StreamOperator[];
  /** All input has been consumed and the operators are being finished, head first (see finishInput). */
  protected finishing = false;
  /** How many operators of the chain have had `endInput`. */
  private endedOperators = 0;
  /** The operators of the chain not yet closed are its first this many (it closes from its end). */
  private openOperators: number;
  /** Checkpoints in flight this task has answered (snapshotted or declined). */
  private readonly answered = new Set<number>();
  /**
   * The job is being drained (`flink stop --drain`) and this task's input ends for the drain's
   * savepoint: the timers left at its end stay in state for that savepoint, as in Flink, so a job
   * resumed from it fires them (see endOperators). Set on a source the drain ends, and on a task
   * an EndOfInput of the drain reaches (it passes the mark on with its own end of input).
   */
  drained = false;

  constructor(
    readonly name: string,
    /** The chain's operators, head first (a source task's source is not among them). */
    readonly operators: readonly StreamOperator[],
    readonly writers: readonly RecordWriter[],
  ) {
    // Only operators with processing-time work are asked about timers on the hot path.
    this.timed = operators.filter((op) => op.usesProcessingTime);
    this.gated = operators.filter((op) => op.acceptsInput !== StreamOperator.prototype.acceptsInput);
    this.openOperators = operators.length;
  }

  /** True while every operator of the chain takes input. */
  protected operatorsAcceptInput(): boolean {
    for (const op of this.gated) if (!op.acceptsInput()) return false;
    return true;
  }

  /**
   * Steps the scheduler runs of this task in one sweep over the tasks, while it stays runnable:
   * one for a source (a batch), one per input channel for a task fed by channels. A producer's
   * step mostly adds one batch to each of its channels; with one step per sweep a consumer fed by
   * several producers (a keyBy at parallelism 2) fell behind until its channels were full, and
   * the records queued there lived through young-generation collections, copied and then
   * promoted: 5× the GC time of parallelism 1, and 0.64× its rate on one thread.
   */
  get stepsPerSweep(): number {
    return 1;
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
    if (this.finishing && !this.finished) this.endOperators();
    this.flushWriters();
  }

  /** True while every output channel has room; a full one is back pressure (timed in the metrics). */
  protected outputsHaveCapacity(): boolean {
    for (const w of this.writers) {
      if (!w.hasCapacity()) {
        this.metrics?.backPressured();
        return false;
      }
    }
    this.metrics?.notBackPressured();
    return true;
  }

  /**
   * The task's current input watermark (the minimum over its inputs), or undefined before the
   * first; read by the metrics (`currentInputWatermark`). Tasks without event time have none.
   */
  currentInputWatermark(): number | undefined {
    return undefined;
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

  /**
   * All input is consumed: due timers fire, operators finish in chain order, end flows on; the
   * timers left are dropped, from state too (see InternalTimerServiceImpl.dropTimers), unless the
   * input ended for a drain's savepoint (see {@link drained}). Then the task
   * takes its part of every checkpoint in flight it has not answered: their barriers can no
   * longer reach it (each input ended without one), so, as in Flink, a finished task snapshots
   * its final state for them — else they would hang until their timeout.
   */
  protected finishInput(now: number): void {
    this.fireTimers(now);
    this.finishing = true;
    this.endOperators();
  }

  /**
   * Ends the operators' input in chain order; an operator with output still to come (async
   * calls in flight) holds back the ones after it, and the task's end, until a later timer pass
   * finds it done (as Flink's AsyncWaitOperator.endInput waits for its queue).
   */
  private endOperators(): void {
    const ops = this.operators;
    while (this.endedOperators < ops.length) {
      if (this.endedOperators > 0 && ops[this.endedOperators - 1]!.hasPendingOutput()) return;
      ops[this.endedOperators++]!.endInput();
    }
    if (ops.length > 0 && ops[ops.length - 1]!.hasPendingOutput()) return;
    // Only a drained savepoint is resumed with its timers (its sources resume too); a snapshot of
    // a task whose input simply ended must not fire, after a restore, what this run never fires.
    if (!this.drained) for (const op of this.timed) op.dropPendingTimers();
    for (const w of this.writers) w.broadcastEvent(EndOfInput.of(this.drained));
    this.finished = true;
    const cp = this.checkpointing;
    if (!cp) return;
    const inFlight = [...cp.inFlight.values()].sort((a, b) => a.checkpointId - b.checkpointId);
    for (const barrier of inFlight) this.performCheckpoint(barrier, 0);
  }

  /** Carries out what the barrier aligner decided: snapshot, or decline an overtaken checkpoint and go on. */
  protected act(action: AlignmentAction): void {
    if (action.kind === 'checkpoint') this.performCheckpoint(action.barrier, action.alignmentMs);
    else if (action.kind === 'abort') {
      this.declined(action.checkpointId);
      // Flink's CHECKPOINT_DECLINED_SUBSUMED: not a failure of the checkpointing (a savepoint forced past max-concurrent does this).
      this.checkpointing?.responder.decline(action.checkpointId, this.checkpointing.taskIndex, action.reason, 'subsumed');
      this.act(action.then);
    }
  }

  /** Records that this task declined checkpoint `checkpointId`: it must not snapshot it later. */
  protected declined(checkpointId: number): void {
    this.answered.add(checkpointId);
  }

  /** Checkpoint `checkpointId` was completed or aborted: nothing more to remember of it. */
  checkpointEnded(checkpointId: number): void {
    this.answered.delete(checkpointId);
  }

  /** Checkpoint `checkpointId` was aborted: the operators are told (see {@link tellOperators}). */
  notifyCheckpointAborted(checkpointId: number): void {
    this.checkpointEnded(checkpointId);
    this.tellOperators((op) => op.notifyCheckpointAborted(checkpointId));
  }

  /**
   * Calls `tell` on the operators not yet closed, tail to head, as Flink's chain tells them of a
   * completed or aborted checkpoint: one that throws does not keep the others from being told;
   * the first throw is rethrown after (it fails the job).
   */
  protected tellOperators(tell: (op: StreamOperator) => void): void {
    let failure: { err: unknown } | undefined;
    for (let i = this.openOperators - 1; i >= 0; i--) {
      try {
        tell(this.operators[i]!);
      } catch (err) {
        failure ??= { err };
      }
    }
    if (failure) throw failure.err;
  }

  /**
   * Takes this task's part of a checkpoint: the synchronous cut of every operator, then the
   * barrier goes downstream (after every record before it) and the rest happens asynchronously.
   * A finished task only snapshots: its outputs have ended. A checkpoint this task already
   * snapshotted or declined is left alone (a finished task may meet a barrier twice: through its
   * inputs and through the trigger).
   */
  performCheckpoint(barrier: CheckpointBarrier, alignmentMs: number): void {
    const cp = this.checkpointing;
    if (!cp || this.answered.has(barrier.checkpointId)) return;
    this.answered.add(barrier.checkpointId);
    const start = performance.now();
    // Tail to head, the source last, as Flink's chain snapshots (user snapshotState calls show the
    // order); listed head first all the same.
    const chain = this.operators;
    const cut: OperatorSnapshot[] = new Array<OperatorSnapshot>(chain.length);
    for (let i = chain.length - 1; i >= 0; i--) cut[i] = chain[i]!.snapshotState(barrier.checkpointId, barrier.timestamp, barrier.options);
    const operators = [...this.snapshotSource(barrier), ...cut];
    let awaiting: Promise<unknown>[] | undefined;
    for (const op of this.operators) {
      const work = op.snapshotPendingWork(barrier.checkpointId);
      if (work) (awaiting ??= []).push(work);
    }
    if (!this.finished) for (const w of this.writers) w.broadcastEvent(barrier);
    cp.driver.submit({
      checkpointId: barrier.checkpointId,
      taskIndex: cp.taskIndex,
      operators,
      syncMs: performance.now() - start,
      alignmentMs,
      ...(awaiting ? { awaiting } : {}),
    });
  }

  /** The source's position, for a task that reads a source. */
  protected snapshotSource(_barrier: CheckpointBarrier): OperatorSnapshot[] {
    return [];
  }

  /**
   * Checkpoint `checkpointId` is complete: operators commit (e.g. sinks make files visible).
   * Returns the commits still in flight, if any.
   */
  notifyCheckpointComplete(checkpointId: number): Promise<unknown> | undefined {
    this.checkpointEnded(checkpointId);
    let commits: Promise<unknown>[] | undefined;
    try {
      this.tellOperators((op) => {
        const commit = op.notifyCheckpointComplete(checkpointId);
        if (commit) (commits ??= []).push(commit);
      });
    } catch (err) {
      // The job fails with the throw; the commits that did start still settle, unobserved.
      if (commits) void Promise.allSettled(commits);
      throw err;
    }
    return commits && Promise.all(commits);
  }

  /** Opens operators from the end of the chain to its head, so each output is ready first. */
  async open(): Promise<void> {
    for (let i = this.operators.length - 1; i >= 0; i--) await this.operators[i]!.open();
  }

  /**
   * Closes every operator, from the end of the chain to its head (as Flink's chain closes them,
   * after finishing them head first at the end of input); the first error wins, the rest still
   * close. Also after a failure or a cancel, and also operators that never opened.
   */
  async close(): Promise<unknown> {
    let first: unknown;
    while (this.openOperators > 0) {
      const op = this.operators[--this.openOperators]!;
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
