import type { KeyedStateBackend } from '../../state/index.js';
import { MIN_TIMESTAMP } from '../../util/time.js';
import { CheckpointBarrier, EndOfInput, RecordBatch, Watermark, WatermarkStatus } from '../channel-events.js';
import type { InputChannel } from '../channel.js';
import type { InputIndex, TwoInputStreamOperator } from '../operators/two-input/two-input-stream-operator.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { RecordContext } from '../record-context.js';
import type { RecordWriter } from '../record-writer.js';
import { StatusWatermarkValve, type ValveEmission } from '../watermarks/status-watermark-valve.js';
import { ChannelInputTask } from './channel-input-task.js';

/** A channel of a two-input task and the input it feeds. */
export interface TypedChannel {
  readonly channel: InputChannel;
  readonly input: InputIndex;
}

/**
 * A subtask whose chain starts with a two-input operator (Flink's TwoInputStreamTask with its
 * StreamTwoInputProcessor). Channels of both inputs are read round robin; one barrier aligner
 * spans all of them, so EXACTLY_ONCE aligns across both inputs (AT_LEAST_ONCE only counts); each
 * input has its own watermark valve and the head combines the two. When every channel of an
 * input has ended the head hears `endInputOf(input)`; the task finishes when both have. For a
 * keyed head, a record's key comes with its batch (each input's partitioner hashed it by that
 * input's key selector); a broadcast input's batches carry no keys.
 */
export class TwoInputStreamTask extends ChannelInputTask {
  private readonly ended: boolean[];
  private readonly endedPerInput = [0, 0];
  private readonly channelsPerInput = [0, 0];
  private endedCount = 0;
  private readonly head: TwoInputStreamOperator;
  private readonly valves: [StatusWatermarkValve, StatusWatermarkValve];
  /** For each channel, its index within its input's valve. */
  private readonly valveIndex: number[];
  private readonly inputs: readonly InputIndex[];

  constructor(
    name: string,
    typed: readonly TypedChannel[],
    keyedBackend: KeyedStateBackend | undefined,
    recordContext: RecordContext,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
  ) {
    super(name, typed.map((t) => t.channel), keyedBackend, recordContext, operators, writers);
    this.head = operators[0] as TwoInputStreamOperator;
    this.inputs = typed.map((t) => t.input);
    this.valveIndex = typed.map((t) => this.channelsPerInput[t.input - 1]!++);
    this.ended = typed.map(() => false);
    this.valves = [new StatusWatermarkValve(this.channelsPerInput[0]!), new StatusWatermarkValve(this.channelsPerInput[1]!)];
  }

  /** The smaller of both inputs' watermarks; undefined before both have one. */
  override currentInputWatermark(): number | undefined {
    const wm = Math.min(this.valves[0].currentWatermark, this.valves[1].currentWatermark);
    return wm === MIN_TIMESTAMP ? undefined : wm;
  }

  step(now: number): void {
    this.recordContext.processingTime = now;
    const event = this.pollChannel();
    if (event === undefined) return;
    const i = this.polledChannel;
    const input = this.inputs[i]!;
    const valve = this.valves[input - 1]!;
    if (event instanceof RecordBatch) this.processBatch(event, input);
    else if (event instanceof Watermark) this.forward(input, valve.inputWatermark(this.valveIndex[i]!, event.timestamp));
    else if (event instanceof WatermarkStatus) this.forward(input, valve.inputWatermarkStatus(this.valveIndex[i]!, event.idle));
    else if (event instanceof CheckpointBarrier) this.act(this.aligner.onBarrier(i, event));
    else if (event instanceof EndOfInput) this.endChannel(i, now);
    this.flushWriters();
  }

  private processBatch(batch: RecordBatch, input: InputIndex): void {
    const values = batch.values;
    if (this.metrics) this.metrics.numRecordsIn += values.length;
    const head = this.head;
    const backend = this.keyedBackend;
    const keys = backend ? batch.keys : undefined;
    const keyGroups = batch.keyGroups;
    const timestamps = batch.timestamps;
    const rc = this.recordContext;
    if (keys !== undefined) backend!.prefetch(keys);
    for (let i = 0; i < values.length; i++) {
      if (keys !== undefined) backend!.setCurrentKey(keys[i], keyGroups![i]);
      if (timestamps !== undefined) rc.timestamp = timestamps[i]!;
      if (input === 1) head.processElement1(values[i]);
      else head.processElement2(values[i]);
    }
    rc.timestamp = MIN_TIMESTAMP;
  }

  private forward(input: InputIndex, emissions: readonly ValveEmission[]): void {
    for (const e of emissions) {
      if (e.kind === 'status') this.head.processInputWatermarkStatus(input, e.idle);
      else if (input === 1) this.head.processWatermark1(e.timestamp);
      else this.head.processWatermark2(e.timestamp);
    }
  }

  private endChannel(i: number, now: number): void {
    if (this.ended[i]) return;
    this.ended[i] = true;
    this.endedCount++;
    const input = this.inputs[i]!;
    this.forward(input, this.valves[input - 1]!.inputEndOfInput(this.valveIndex[i]!));
    for (const action of this.aligner.onEndOfInput(i)) this.act(action);
    if (++this.endedPerInput[input - 1]! === this.channelsPerInput[input - 1]) this.head.endInputOf(input);
    if (this.endedCount === this.channels.length) this.finishInput(now);
  }
}
