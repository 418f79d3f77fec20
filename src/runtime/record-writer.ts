import type { KeySelector, PartitionerSpec } from '../graph/index.js';
import { assignToKeyGroup, operatorIndexForKeyGroup } from '../state/index.js';
import { MIN_TIMESTAMP } from '../util/time.js';
import { type ChannelEvent, RecordBatch, Watermark, WatermarkStatus } from './channel-events.js';
import type { ResultSubpartition } from './channel.js';
import type { Output } from './output.js';
import { RecordContext } from './record-context.js';

/**
 * The producing end of a non-chained edge: routes each record to one of the consumer's
 * channels and batches records per channel. A batch is pushed when full and at the end of
 * every task step, so latency stays low and events stay in order with records.
 *
 * Each record's timestamp is read from the task's {@link RecordContext}. A channel's pending
 * timestamps are only allocated when a record with a timestamp arrives (earlier records of the
 * batch are back-filled with `MIN_TIMESTAMP`): a stream without timestamps costs one
 * comparison per record here.
 */
export abstract class RecordWriter implements Output<unknown> {
  protected readonly pending: unknown[][];
  protected readonly timestamps: (number[] | undefined)[];
  /** Records sent downstream, counted per batch (the numRecordsOut metric). */
  recordsOut = 0;

  constructor(
    protected readonly channels: readonly ResultSubpartition[],
    protected readonly batchSize: number,
    protected readonly recordContext: RecordContext,
  ) {
    this.pending = channels.map(() => []);
    this.timestamps = channels.map(() => undefined);
  }

  abstract collect(value: unknown): void;

  /** Appends `value` with the slot's timestamp to channel `i`'s batch; pushes the batch when full. */
  protected append(i: number, value: unknown): void {
    const p = this.pending[i]!;
    p.push(value);
    const ts = this.recordContext.timestamp;
    const tss = this.timestamps[i];
    if (tss !== undefined) tss.push(ts);
    else if (ts !== MIN_TIMESTAMP) this.timestamps[i] = startTimestamps(p.length - 1, ts);
    if (p.length >= this.batchSize) this.flushChannel(i);
  }

  /** Pushes every non-empty pending batch to its channel. */
  flush(): void {
    for (let i = 0; i < this.channels.length; i++) {
      if (this.pending[i]!.length > 0) this.flushChannel(i);
    }
  }

  protected flushChannel(i: number): void {
    this.recordsOut += this.pending[i]!.length;
    this.channels[i]!.push(new RecordBatch(this.pending[i]!, undefined, undefined, this.takeTimestamps(i)));
    this.pending[i] = [];
  }

  protected takeTimestamps(i: number): number[] | undefined {
    const tss = this.timestamps[i];
    if (tss !== undefined) this.timestamps[i] = undefined;
    return tss;
  }

  /** Sends an event to every channel, after the records before it. */
  broadcastEvent(event: ChannelEvent): void {
    this.flush();
    for (const c of this.channels) c.push(event);
  }

  emitWatermark(timestamp: number): void {
    this.broadcastEvent(new Watermark(timestamp));
  }

  emitWatermarkStatus(idle: boolean): void {
    this.broadcastEvent(WatermarkStatus.of(idle));
  }

  /** True while no channel is full; a task only runs while all its writers have capacity. */
  hasCapacity(): boolean {
    for (const c of this.channels) if (c.isFull()) return false;
    return true;
  }
}

/** The timestamps of a batch whose first `before` records had none, then `ts`. */
function startTimestamps(before: number, ts: number): number[] {
  const tss: number[] = [];
  for (let k = 0; k < before; k++) tss.push(MIN_TIMESTAMP);
  tss.push(ts);
  return tss;
}

/** One-to-one: subtask i of the producer feeds subtask i of the consumer. */
class ForwardWriter extends RecordWriter {
  collect(value: unknown): void {
    this.append(0, value);
  }
}

/** Round robin over all consumer subtasks. */
class RebalanceWriter extends RecordWriter {
  private next: number;
  constructor(channels: readonly ResultSubpartition[], batchSize: number, recordContext: RecordContext, start: number) {
    super(channels, batchSize, recordContext);
    this.next = start % channels.length;
  }
  collect(value: unknown): void {
    const i = this.next;
    this.next = i + 1 === this.channels.length ? 0 : i + 1;
    this.append(i, value);
  }
}

/**
 * By key: the key group of the record's key decides the consumer subtask, by the same
 * functions that assign key groups to subtasks on restore.
 */
class HashWriter extends RecordWriter {
  private keys: unknown[][];
  private keyGroups: number[][];
  constructor(
    channels: readonly ResultSubpartition[],
    batchSize: number,
    recordContext: RecordContext,
    private readonly keySelector: KeySelector<unknown, unknown>,
    private readonly maxParallelism: number,
  ) {
    super(channels, batchSize, recordContext);
    this.keys = channels.map(() => []);
    this.keyGroups = channels.map(() => []);
  }
  collect(value: unknown): void {
    const key = this.keySelector(value);
    if (key === undefined || key === null) {
      throw new TypeError(`The keyBy selector returned ${key} for record ${safeString(value)}; every record needs a key.`);
    }
    const kg = assignToKeyGroup(key, this.maxParallelism);
    const i = operatorIndexForKeyGroup(this.maxParallelism, this.channels.length, kg);
    this.keys[i]!.push(key);
    this.keyGroups[i]!.push(kg);
    this.append(i, value);
  }
  protected override flushChannel(i: number): void {
    this.recordsOut += this.pending[i]!.length;
    this.channels[i]!.push(new RecordBatch(this.pending[i]!, this.keys[i]!, this.keyGroups[i]!, this.takeTimestamps(i)));
    this.pending[i] = [];
    this.keys[i] = [];
    this.keyGroups[i] = [];
  }
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 200) ?? String(v);
  } catch {
    return String(v);
  }
}

/** What a writer is built with besides its partitioner and channels. */
export interface RecordWriterOptions {
  readonly batchSize: number;
  readonly maxParallelism: number;
  readonly subtaskIndex: number;
  /** The producing task's timestamp slot (a fresh one, i.e. no timestamps, if not given). */
  readonly recordContext?: RecordContext;
}

/** Creates the writer for a partitioner. */
export function createRecordWriter(partitioner: PartitionerSpec, channels: readonly ResultSubpartition[], options: RecordWriterOptions): RecordWriter {
  const rc = options.recordContext ?? new RecordContext();
  switch (partitioner.type) {
    case 'forward':
      return new ForwardWriter(channels, options.batchSize, rc);
    case 'rebalance':
      return new RebalanceWriter(channels, options.batchSize, rc, options.subtaskIndex);
    case 'hash':
      return new HashWriter(channels, options.batchSize, rc, partitioner.keySelector, options.maxParallelism);
  }
}
