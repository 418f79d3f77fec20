import type { WindowOperatorSpec } from '../../../graph/index.js';
import type { CheckpointOptions } from '../../../state/index.js';
import type { Window } from '../../../windowing/index.js';
import type { OperatorSnapshot } from '../../checkpointing/operator-snapshot.js';
import { keyedBootstrappedState } from '../bootstrapped-state.js';
import { type OperatorContext, StreamOperator } from '../stream-operator.js';
import { createWindowOperator } from './create-window-operator.js';
import type { WindowOperator } from './window-operator.js';

/**
 * Flink's StateBootstrapWrapperOperator around a WindowOperator (the State Processor API's
 * `bootstrapWith(stream).keyBy(selector).window(assigner)…`): the window operator of `spec` —
 * the very operator a job with that window runs, so its state is kept and named as that job
 * restores it — takes each record, and at the end of the input its keyed state (contents,
 * trigger state, merged sessions, timers) and lists are emitted as the state file of `uid`.
 *
 * No timer fires here, as in Flink, whose wrapped operator is handed records alone, on a
 * processing-time service that never fires. Watermarks go on downstream as from any operator
 * but never reach the window operator, whose watermark stays at the start of time: no record is
 * late, no event-time trigger fires. This operator is no Triggerable, so the task fires none of
 * the timers either. A trigger that fires on elements (a count window's) does fire, as in Flink:
 * the window function's results go nowhere (the window operator's output is its own, unwired). The end-of-window and cleanup timers the windows registered are written
 * with them, and fire in the job started from the savepoint when its watermark or clock passes.
 */
export class WindowStateBootstrapOperator extends StreamOperator<unknown> {
  private readonly window: WindowOperator<Window>;

  constructor(
    ctx: OperatorContext,
    spec: WindowOperatorSpec,
    private readonly uid: string,
    private readonly operatorName: string,
  ) {
    super(ctx);
    // Its results (there are none: nothing fires) and late data (none is late) go nowhere.
    this.window = createWindowOperator(ctx, spec);
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    this.window.collect(value);
  }

  override open(): void | Promise<void> {
    return this.window.open();
  }

  override close(): void | Promise<void> {
    return this.window.close();
  }

  /** A checkpoint of the writing job is the window operator's own cut: its accumulators held in memory go to state first. */
  override snapshotState(checkpointId: number, timestamp: number, options?: CheckpointOptions): OperatorSnapshot {
    return this.window.snapshotState(checkpointId, timestamp, options);
  }

  override notifyCheckpointComplete(checkpointId: number): void | Promise<unknown> {
    return this.window.notifyCheckpointComplete(checkpointId);
  }

  override endInput(): void {
    // The full cut after the last record, as the keyed bootstrap takes it (checkpoint id 0: no
    // checkpoint of the writing job's own, incremental ones included, is confused with it).
    const cut = this.window.snapshotState(0, this.ctx.clock.now(), { isSavepoint: true, aligned: true });
    this.output.collect(keyedBootstrappedState(this.ctx.info, this.uid, this.operatorName, cut.keyed!, cut.lists.bytes(), this.ctx.keyedBackend!.keyGroupRange));
  }
}
