import type { KeyedStateBackend } from '../../state/index.js';
import { performance } from 'node:perf_hooks';
import { CheckpointBarrier, EndOfInput, RecordBatch } from '../channel-events.js';
import { type AlignmentAction, BarrierAligner } from '../checkpointing/barrier-aligner.js';
import type { LocalChannel } from '../local-channel.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { RecordWriter } from '../record-writer.js';
import { StreamTask } from './stream-task.js';

/**
 * A subtask whose chain starts with an operator fed by channels (one per upstream subtask of
 * every input edge). For a keyed head, the task sets the record's key before each call.
 */
export class OneInputStreamTask extends StreamTask {
  private readonly ended: boolean[];
  private endedCount = 0;
  private nextChannel = 0;
  private readonly head: StreamOperator;
  private readonly aligner: BarrierAligner;

  constructor(
    name: string,
    private readonly channels: readonly LocalChannel[],
    private readonly keyedBackend: KeyedStateBackend | undefined,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
  ) {
    super(name, operators, writers);
    this.head = operators[0]!;
    this.ended = channels.map(() => false);
    this.aligner = new BarrierAligner(channels.length, () => performance.now());
  }

  /** Closes the operators, then frees the keyed state backend (on disk: deletes its files). */
  override async close(): Promise<unknown> {
    const first = await super.close();
    try {
      this.keyedBackend?.dispose();
    } catch (err) {
      return first ?? err;
    }
    return first;
  }

  isRunnable(): boolean {
    if (this.finished || !this.outputsHaveCapacity()) return false;
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) if (!channels[i]!.isEmpty() && !this.aligner.isBlocked(i)) return true;
    return false;
  }

  step(now: number): void {
    const channels = this.channels;
    const n = channels.length;
    for (let k = 0; k < n; k++) {
      const i = (this.nextChannel + k) % n;
      const channel = channels[i]!;
      if (channel.isEmpty() || this.aligner.isBlocked(i)) continue;
      this.nextChannel = (i + 1) % n;
      const event = channel.poll()!;
      if (event instanceof RecordBatch) this.processBatch(event);
      else if (event instanceof CheckpointBarrier) this.act(this.aligner.onBarrier(i, event));
      else if (event instanceof EndOfInput) this.endChannel(i, now);
      this.flushWriters();
      return;
    }
  }

  private processBatch(batch: RecordBatch): void {
    const values = batch.values;
    if (this.metrics) this.metrics.numRecordsIn += values.length;
    const head = this.head;
    const backend = this.keyedBackend;
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

  private endChannel(i: number, now: number): void {
    if (this.ended[i]) return;
    this.ended[i] = true;
    this.endedCount++;
    // Several alignments may have waited only for this channel: each completes now.
    for (const action of this.aligner.onEndOfInput(i)) this.act(action);
    if (this.endedCount === this.channels.length) this.finishInput(now);
  }

  private act(action: AlignmentAction): void {
    if (action.kind === 'checkpoint') this.performCheckpoint(action.barrier, action.alignmentMs);
    else if (action.kind === 'abort') {
      this.declined(action.checkpointId);
      this.checkpointing?.responder.decline(action.checkpointId, this.checkpointing.taskIndex, action.reason);
      this.act(action.then);
    }
  }
}
