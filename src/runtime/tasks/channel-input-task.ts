import { performance } from 'node:perf_hooks';
import type { KeyedStateBackend } from '../../state/index.js';
import { type ChannelEvent, EndOfInput } from '../channel-events.js';
import type { InputChannel } from '../channel.js';
import { BarrierAligner } from '../checkpointing/barrier-aligner.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { RecordContext } from '../record-context.js';
import type { RecordWriter } from '../record-writer.js';
import { StreamTask } from './stream-task.js';

/**
 * A subtask fed by channels, with one or two inputs: one barrier aligner over all its channels,
 * runnable while a channel that is not blocked by alignment holds something and the outputs
 * have room, and a keyed state backend freed when it closes. How events are read is the
 * subclass's.
 */
export abstract class ChannelInputTask extends StreamTask {
  protected readonly aligner: BarrierAligner;
  /** One step per input channel (see StreamTask.stepsPerSweep). */
  override get stepsPerSweep(): number {
    return this.channels.length;
  }

  /** The channel the next step looks at first (round robin). */
  protected nextChannel = 0;
  /** The channel {@link pollChannel} took its event from. */
  protected polledChannel = 0;

  constructor(
    name: string,
    protected readonly channels: readonly InputChannel[],
    protected readonly keyedBackend: KeyedStateBackend | undefined,
    protected readonly recordContext: RecordContext,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
  ) {
    super(name, operators, writers);
    this.aligner = new BarrierAligner(channels.length, () => performance.now());
  }

  /** Timers may emit records: operators reading the task's processing time see the firing's. */
  override fireTimers(now: number): void {
    this.recordContext.processingTime = now;
    super.fireTimers(now);
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

  /**
   * The next event of the first channel, round robin, that holds one and is not blocked by
   * alignment (its index in {@link polledChannel}); undefined if there is none.
   */
  protected pollChannel(): ChannelEvent | undefined {
    const channels = this.channels;
    const n = channels.length;
    for (let k = 0; k < n; k++) {
      const i = (this.nextChannel + k) % n;
      const channel = channels[i]!;
      if (channel.isEmpty() || this.aligner.isBlocked(i)) continue;
      this.nextChannel = (i + 1) % n;
      this.polledChannel = i;
      const event = channel.poll();
      // One input ended by the drain is enough: the job is being drained.
      if (event instanceof EndOfInput && event.drained) this.drained = true;
      return event;
    }
    return undefined;
  }

  isRunnable(): boolean {
    if (this.finished || !this.operatorsAcceptInput() || !this.outputsHaveCapacity()) return false;
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) if (!channels[i]!.isEmpty() && !this.aligner.isBlocked(i)) return true;
    return false;
  }
}
