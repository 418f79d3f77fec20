import type { OutputTag, StreamNode } from '../../graph/index.js';
import { type CheckpointOptions, type DefaultOperatorStateStore, type KeyedStateBackend } from '../../state/index.js';
import type { Clock } from '../../util/clock.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import type { OperatorSnapshot } from '../checkpointing/operator-snapshot.js';
import { type Output, discardingOutput } from '../output.js';
import type { RecordContext } from '../record-context.js';
import type { StreamingRuntimeContext, TaskInfo } from '../runtime-context.js';
import type { OperatorMetricGroup } from '../metrics/user-metrics.js';
import { type Triggerable, isTriggerable } from '../timers/internal-timer-service.js';
import type { InternalTimerServiceImpl } from '../timers/internal-timer-service-impl.js';
import { userError } from './user-function.js';

/** Everything an operator subtask is built with. */
export interface OperatorContext {
  readonly info: TaskInfo;
  readonly node: StreamNode;
  readonly clock: Clock;
  readonly runtimeContext: StreamingRuntimeContext;
  /** The task's timestamp slot: the timestamp of the record being processed (see RecordContext). */
  readonly recordContext: RecordContext;
  /** Set for keyed operators only. */
  readonly keyedBackend: KeyedStateBackend | undefined;
  /** Set for keyed operators only: timers of both domains, as keyed state. */
  readonly timerService: InternalTimerServiceImpl | undefined;
  readonly operatorStateStore: DefaultOperatorStateStore;
  /** `pipeline.auto-watermark-interval` in ms (0: no periodic watermarks). */
  readonly autoWatermarkIntervalMs: number;
  /** Where records for side output `tag` go; undefined when nobody reads that tag (drop them). */
  sideOutput(tag: OutputTag<unknown>): Output<unknown> | undefined;
  /** Wakes the scheduler from an idle wait: asynchronous work of the operator completed. */
  readonly wake?: () => void;
}

const NO_SIDE_OUTPUTS: ReadonlyMap<string, Output<unknown>> = new Map();

/**
 * One operator subtask. Records arrive through `collect` as plain calls from the operator
 * before it in the chain (or from the task for a chain's head) and leave through `output`;
 * watermarks arrive through `emitWatermark` (which is `processWatermark`) the same way.
 *
 * A keyed operator that implements {@link Triggerable} gets its timers fired: event-time timers
 * as the watermark advances, processing-time ones as the clock does.
 */
export abstract class StreamOperator<IN = unknown> implements Output<IN> {
  output: Output<unknown> = discardingOutput;
  /** The side outputs somebody reads, by tag id; watermarks go to them too. Set at deployment. */
  sideOutputs: ReadonlyMap<string, Output<unknown>> = NO_SIDE_OUTPUTS;
  /** The last watermark this operator processed (`MIN_TIMESTAMP` before the first). */
  currentWatermark = MIN_TIMESTAMP;
  /** This operator if it is keyed and Triggerable, else null; undefined until first asked (subclass fields exist by then). */
  private triggerTarget: Triggerable | null | undefined;
  /**
   * Records this operator took in (the numRecordsIn metric): every `collect` counts one, a
   * field increment and no call, so chained calls stay as cheap as they were.
   */
  numRecordsIn = 0;

  constructor(protected readonly ctx: OperatorContext) {}

  private get triggerable(): Triggerable | null {
    if (this.triggerTarget === undefined) this.triggerTarget = this.ctx.timerService !== undefined && isTriggerable(this) ? this : null;
    return this.triggerTarget;
  }

  /** The metrics this operator's user functions registered (through the runtime context). */
  get userMetrics(): OperatorMetricGroup | undefined {
    return this.ctx.runtimeContext.metrics;
  }

  get name(): string {
    return this.ctx.node.name;
  }

  /** Processes one record; implementations count it in {@link numRecordsIn} first. */
  abstract collect(value: IN): void;

  /** As an output of the operator before it in the chain: a watermark arrives. */
  emitWatermark(timestamp: number): void {
    this.processWatermark(timestamp);
  }

  /** As an output of the operator before it in the chain: the input goes idle or active. */
  emitWatermarkStatus(idle: boolean): void {
    this.processWatermarkStatus(idle);
  }

  /**
   * Event time reached `timestamp`: fires this operator's event-time timers up to it, then
   * forwards the watermark to every output. Operators with their own watermark logic override.
   */
  processWatermark(timestamp: number): void {
    this.currentWatermark = timestamp;
    const target = this.triggerable;
    if (target) this.ctx.timerService!.advanceWatermark(timestamp, target);
    this.forwardWatermark(timestamp);
  }

  /** The input went idle or active again: forwards it. */
  processWatermarkStatus(idle: boolean): void {
    this.forwardWatermarkStatus(idle);
  }

  /** Sends idleness to the main output and every side output. */
  protected forwardWatermarkStatus(idle: boolean): void {
    this.output.emitWatermarkStatus(idle);
    for (const o of this.sideOutputs.values()) o.emitWatermarkStatus(idle);
  }

  /** Sends a watermark to the main output and every side output (as Flink does). */
  protected forwardWatermark(timestamp: number): void {
    this.output.emitWatermark(timestamp);
    for (const o of this.sideOutputs.values()) o.emitWatermark(timestamp);
  }

  /** Opens user functions; runs before the first record. */
  open(): void | Promise<void> {}

  /** True if the task must ask this operator about processing-time work (timers, periodic emission). */
  get usesProcessingTime(): boolean {
    return this.triggerable !== null || this.nextTimerTime !== StreamOperator.prototype.nextTimerTime;
  }

  /** The time of this operator's earliest processing-time timer, or Infinity. */
  nextTimerTime(): number {
    return this.triggerable ? this.ctx.timerService!.nextProcessingTime() : Infinity;
  }

  /** Fires the processing-time timers due at `now`. */
  advanceProcessingTime(now: number): void {
    const target = this.triggerable;
    if (target) this.ctx.timerService!.advanceProcessingTime(now, target);
  }

  /** All input has arrived: emit what is left and make output visible. */
  endInput(): void {}

  /**
   * False while the operator cannot take more records (its asynchronous work is at capacity):
   * the task then reads no input. Operators that override it are asked before each step.
   */
  acceptsInput(): boolean {
    return true;
  }

  /**
   * True while output is still to come after `endInput` (asynchronous calls in flight): the task
   * finishes the operators after this one, and itself, only once it is false. Checked from its
   * timers, so an operator that overrides it also overrides `nextTimerTime`.
   */
  hasPendingOutput(): boolean {
    return false;
  }

  /** The task's input ended and its end was processed: the timers left can never fire, and are dropped. */
  dropPendingTimers(): void {
    if (this.triggerable) this.ctx.timerService!.dropTimers();
  }

  /** Pushes buffered output (e.g. printed lines) out; called at every scheduler yield. */
  flush(): void {}

  /** Asynchronous work started by user code that must finish before more records come. */
  pendingWork(): Promise<unknown> | undefined {
    return undefined;
  }

  /** Closes user functions; runs once, also after a failure. */
  close(): void | Promise<void> {}

  /**
   * The synchronous cut of checkpoint `checkpointId`: lets the operator put its own state into
   * operator state, then captures operator lists and keyed state (timers included). Must be cheap.
   */
  snapshotState(checkpointId: number, timestamp: number, options: CheckpointOptions = { isSavepoint: false, aligned: true }): OperatorSnapshot {
    this.prepareSnapshot(checkpointId, timestamp);
    const { info, node, keyedBackend, operatorStateStore } = this.ctx;
    const lists = operatorStateStore.cut();
    let keyed: OperatorSnapshot['keyed'];
    try {
      keyed = keyedBackend?.snapshot(checkpointId, { full: options.isSavepoint || options.full === true, latestCompleted: options.latestCompleted });
    } catch (err) {
      // The lmdb backend writes its cached entries out here, encoding them: a value the user put
      // in state that has no encoding (a function, a Symbol) is refused now, outside any user
      // call, and the failure names the operator as on the hashmap backend (there the user's next
      // update of a key group a pending snapshot still holds meets it).
      throw userError(node.name, err);
    }
    return {
      uid: node.uid,
      name: node.name,
      subtask: info.subtaskIndex,
      parallelism: info.parallelism,
      maxParallelism: info.maxParallelism,
      lists,
      keyed,
      // Nothing to write: no operator lists, no keyed state (nor timers) registered or restored.
      empty: lists.isEmpty && (keyed === undefined || Object.keys(keyed.kinds).length === 0),
    };
  }

  /** Hook: move the operator's own state into operator state before a snapshot. */
  protected prepareSnapshot(_checkpointId: number, _timestamp: number): void {}

  /**
   * Asynchronous work the cut of checkpoint `checkpointId` started that must succeed before the
   * task acknowledges it (a sink's pre-commit); undefined if none. Asked right after `snapshotState`.
   */
  snapshotPendingWork(_checkpointId: number): Promise<unknown> | undefined {
    return undefined;
  }

  /**
   * Checkpoint `checkpointId` is complete everywhere: commit what it covered. A returned promise
   * is a commit in flight; its rejection fails the job.
   */
  notifyCheckpointComplete(checkpointId: number): void | Promise<unknown> {
    this.ctx.keyedBackend?.notifyCheckpointComplete(checkpointId);
  }

  /** Checkpoint `checkpointId` was aborted (declined somewhere, expired, or failed to write). */
  notifyCheckpointAborted(_checkpointId: number): void {}
}
