import type { Sink, SinkWriter } from '../../graph/index.js';
import { type ListState, ListStateDescriptor } from '../../state/index.js';
import { StreamOperator } from './stream-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/** `sinkTo(sink)`: one sink writer per subtask. */
export class SinkWriterOperator extends StreamOperator<unknown> {
  private writer: SinkWriter<unknown> | undefined;
  /** The writer's state (e.g. files waiting for their checkpoint to complete). */
  private writerState: ListState<unknown> | undefined;

  constructor(
    ctx: OperatorContext,
    private readonly sink: Sink<unknown>,
  ) {
    super(ctx);
  }

  override open(): void {
    const { info, node } = this.ctx;
    try {
      this.writer = this.sink.createWriter({
        subtaskIndex: info.subtaskIndex,
        parallelism: info.parallelism,
        jobId: info.jobId,
        operatorUid: node.uid,
        checkpointing: info.checkpointing,
      });
      // Union: on restore every subtask sees all of the writers' state (e.g. every pending file).
      this.writerState = this.ctx.operatorStateStore.getUnionListState(new ListStateDescriptor<unknown>('_sink'));
      if (this.ctx.operatorStateStore.isRestored) this.writer.restoreState?.([...this.writerState.get()]);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  protected override prepareSnapshot(checkpointId: number): void {
    try {
      this.writerState!.update(this.writer!.snapshotState?.(checkpointId) ?? []);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override notifyCheckpointComplete(checkpointId: number): void {
    super.notifyCheckpointComplete(checkpointId);
    try {
      this.writer?.notifyCheckpointComplete?.(checkpointId);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    try {
      this.writer!.write(value);
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override endInput(): void {
    try {
      this.writer?.endOfInput();
    } catch (err) {
      throw userError(this.name, err);
    }
  }

  override close(): void {
    try {
      this.writer?.close();
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
