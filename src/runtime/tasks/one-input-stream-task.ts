import type { KeyedStateBackend } from '../../state/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import { CheckpointBarrier, EndOfInput, RecordBatch, Watermark, WatermarkStatus } from '../channel-events.js';
import type { InputChannel } from '../channel.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { RecordContext } from '../record-context.js';
import type { RecordWriter } from '../record-writer.js';
import { StatusWatermarkValve, type ValveEmission } from '../watermarks/status-watermark-valve.js';
import { ChannelInputTask } from './channel-input-task.js';

/**
 * A subtask whose chain starts with an operator fed by channels (one per upstream subtask of
 * every input edge). For a keyed head, the task sets the record's key before each call, and
 * every record's timestamp in the task's slot. Watermarks and idleness of the channels meet in
 * one valve; the head sees the input's watermark only when it advances.
 */
export class OneInputStreamTask extends ChannelInputTask {
  private readonly ended: boolean[];
  private endedCount = 0;
  private readonly head: StreamOperator | undefined;
  private readonly valve: StatusWatermarkValve;

  constructor(
    name: string,
    channels: readonly InputChannel[],
    keyedBackend: KeyedStateBackend | undefined,
    recordContext: RecordContext,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
  ) {
    super(name, channels, keyedBackend, recordContext, operators, writers);
    this.head = operators[0];
    this.ended = channels.map(() => false);
    this.valve = new StatusWatermarkValve(channels.length);
  }

  /** The watermark of this task's input: the last its valve let through; undefined before the first. */
  override currentInputWatermark(): number | undefined {
    const wm = this.valve.currentWatermark;
    return wm === MIN_TIMESTAMP ? undefined : wm;
  }

  step(now: number): void {
    this.recordContext.processingTime = now;
    const event = this.pollChannel();
    if (event === undefined) return;
    const i = this.polledChannel;
    if (event instanceof RecordBatch) this.processBatch(event);
    else if (event instanceof Watermark) this.forward(this.valve.inputWatermark(i, event.timestamp));
    else if (event instanceof WatermarkStatus) this.forward(this.valve.inputWatermarkStatus(i, event.idle));
    else if (event instanceof CheckpointBarrier) this.act(this.aligner.onBarrier(i, event));
    else if (event instanceof EndOfInput) this.endChannel(i, now);
    this.flushWriters();
  }

  private processBatch(batch: RecordBatch): void {
    const values = batch.values;
    if (this.metrics) this.metrics.numRecordsIn += values.length;
    const head = this.head!;
    const backend = this.keyedBackend;
    // The keyed states' places of the batch's keys, loaded before the records' work (see
    // HeapStateTable.prefetch).
    if (backend) backend.prefetch(batch.keys!);
    const timestamps = batch.timestamps;
    if (timestamps !== undefined) {
      this.processTimestampedBatch(batch, timestamps);
      return;
    }
    if (backend) {
      const keys = batch.keys!;
      const keyGroups = batch.keyGroups!;
      for (let i = 0; i < values.length; i++) {
        backend.setCurrentKey(keys[i], keyGroups[i]);
        head.collect(values[i]);
      }
    } else {
      for (let i = 0; i < values.length; i++) head.collect(values[i]);
    }
  }

  private processTimestampedBatch(batch: RecordBatch, timestamps: ArrayLike<number>): void {
    const values = batch.values;
    const head = this.head!;
    const backend = this.keyedBackend;
    const rc = this.recordContext;
    if (backend) {
      const keys = batch.keys!;
      const keyGroups = batch.keyGroups!;
      for (let i = 0; i < values.length; i++) {
        backend.setCurrentKey(keys[i], keyGroups[i]);
        rc.timestamp = timestamps[i]!;
        head.collect(values[i]);
      }
    } else {
      for (let i = 0; i < values.length; i++) {
        rc.timestamp = timestamps[i]!;
        head.collect(values[i]);
      }
    }
    rc.timestamp = MIN_TIMESTAMP;
  }

  private forward(emissions: readonly ValveEmission[]): void {
    if (this.head === undefined) return; // a task without operators (in tests)
    for (const e of emissions) {
      if (e.kind === 'watermark') this.head.processWatermark(e.timestamp);
      else this.head.processWatermarkStatus(e.idle);
    }
  }

  private endChannel(i: number, now: number): void {
    if (this.ended[i]) return;
    this.ended[i] = true;
    this.endedCount++;
    this.forward(this.valve.inputEndOfInput(i));
    // Several alignments may have waited only for this channel: each completes now.
    for (const action of this.aligner.onEndOfInput(i)) this.act(action);
    if (this.endedCount === this.channels.length) this.finishInput(now);
  }
}
