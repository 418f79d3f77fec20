import type { StreamNode } from '../../graph/index.js';
import { type CheckpointOptions, type DefaultOperatorStateStore, type KeyedStateBackend, type StoredTimer, encodeLists } from '../../state/index.js';
import type { Clock } from '../../util/clock.js';
import type { OperatorSnapshot } from '../checkpointing/operator-snapshot.js';
import { type Output, discardingOutput } from '../output.js';
import type { StreamingRuntimeContext, TaskInfo } from '../runtime-context.js';
import type { InternalTimerService } from '../timer-service.js';

/** Everything an operator subtask is built with. */
export interface OperatorContext {
  readonly info: TaskInfo;
  readonly node: StreamNode;
  readonly clock: Clock;
  readonly runtimeContext: StreamingRuntimeContext;
  /** Set for keyed operators only. */
  readonly keyedBackend: KeyedStateBackend | undefined;
  /** Set for keyed operators only. */
  readonly timerService: InternalTimerService | undefined;
  readonly operatorStateStore: DefaultOperatorStateStore;
}

/**
 * One operator subtask. Records arrive through `collect` as plain calls from the operator
 * before it in the chain (or from the task for a chain's head) and leave through `output`.
 */
export abstract class StreamOperator<IN = unknown> implements Output<IN> {
  output: Output<unknown> = discardingOutput;
  /**
   * Records this operator took in (the numRecordsIn metric): every `collect` counts one, a
   * field increment and no call, so chained calls stay as cheap as they were.
   */
  numRecordsIn = 0;

  constructor(protected readonly ctx: OperatorContext) {}

  get name(): string {
    return this.ctx.node.name;
  }

  /** Processes one record; implementations count it in {@link numRecordsIn} first. */
  abstract collect(value: IN): void;

  /** Opens user functions; runs before the first record. */
  open(): void | Promise<void> {}

  /** The time of this operator's earliest processing-time timer, or Infinity. */
  nextTimerTime(): number {
    return Infinity;
  }

  /** Fires timers due at `now`. */
  advanceProcessingTime(_now: number): void {}

  /** All input has arrived: emit what is left and make output visible. */
  endInput(): void {}

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
   * operator state, then captures operator lists, timers and keyed state. Must be cheap.
   */
  snapshotState(checkpointId: number, timestamp: number, options: CheckpointOptions = { isSavepoint: false, aligned: true }): OperatorSnapshot {
    this.prepareSnapshot(checkpointId, timestamp);
    const { info, node, keyedBackend, timerService, operatorStateStore } = this.ctx;
    const timers = timerService ? [...timerService.timers()].map((t): StoredTimer => [t.timestamp, t.key, t.keyGroup]) : [];
    const lists = operatorStateStore.snapshot();
    const keyed = keyedBackend?.snapshot(checkpointId, { full: options.isSavepoint || options.full === true });
    return {
      uid: node.uid,
      name: node.name,
      subtask: info.subtaskIndex,
      parallelism: info.parallelism,
      maxParallelism: info.maxParallelism,
      lists: encodeLists(lists),
      timers,
      keyed,
      // Nothing to write: no operator lists, no timers, no keyed state registered or restored.
      empty: lists.size === 0 && timers.length === 0 && (keyed === undefined || Object.keys(keyed.kinds).length === 0),
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
}
