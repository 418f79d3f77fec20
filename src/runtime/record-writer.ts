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
 * A channel's batch is filled into arrays allocated at the batch size (and trimmed when pushed
 * before it is full), never grown record by record: growing an array by `push` reallocates and
 * copies it about a dozen times on the way to 1024 elements, which is most of what a record
 * costs to allocate at a shuffle.
 *
 * Each record's timestamp is read from the task's {@link RecordContext}. A channel's pending
 * timestamps are only allocated when a record with a timestamp arrives (earlier records of the
 * batch are back-filled with `MIN_TIMESTAMP`): a stream without timestamps costs one
 * comparison per record here.
 */
export abstract class RecordWriter implements Output<unknown> {
  /** Each channel's batch being filled: `batchSize` slots, of which the first `counts[i]` hold records. */
  protected readonly pending: unknown[][];
  protected readonly counts: number[];
  protected readonly timestamps: (number[] | undefined)[];
  /** Records sent downstream, counted per batch (the numRecordsOut metric). */
  recordsOut = 0;

  constructor(
    protected readonly channels: readonly ResultSubpartition[],
    protected readonly batchSize: number,
    protected readonly recordContext: RecordContext,
  ) {
    this.pending = channels.map(() => new Array<unknown>(batchSize));
    this.counts = channels.map(() => 0);
    this.timestamps = channels.map(() => undefined);
  }

  abstract collect(value: unknown): void;

  /**
   * Appends `value` with the slot's timestamp to channel `i`'s batch; pushes the batch when
   * full. A subclass writing more per record (keys) writes it at index `counts[i]` first.
   */
  protected append(i: number, value: unknown): void {
    const n = this.counts[i]!;
    this.pending[i]![n] = value;
    const ts = this.recordContext.timestamp;
    const tss = this.timestamps[i];
    if (tss !== undefined) tss[n] = ts;
    else if (ts !== MIN_TIMESTAMP) this.timestamps[i] = startTimestamps(n, ts, this.batchSize);
    this.counts[i] = n + 1;
    if (n + 1 === this.batchSize) this.flushChannel(i);
  }

  /** Pushes every non-empty pending batch to its channel. */
  flush(): void {
    for (let i = 0; i < this.channels.length; i++) {
      if (this.counts[i]! > 0) this.flushChannel(i);
    }
  }

  protected flushChannel(i: number): void {
    const n = this.counts[i]!;
    this.counts[i] = 0;
    this.recordsOut += n;
    const tss = this.timestamps[i];
    if (tss !== undefined) {
      this.timestamps[i] = undefined;
      tss.length = n;
    }
    this.channels[i]!.push(this.takeBatch(i, n, tss));
  }

  /** The batch of channel `i`'s first `n` pending records; starts the channel's next batch. */
  protected takeBatch(i: number, n: number, timestamps: number[] | undefined): RecordBatch {
    return new RecordBatch(takeFilled(this.pending, i, n, this.batchSize), undefined, undefined, timestamps);
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

/** Takes `arrays[i]` cut to its first `n` elements, and puts a fresh array of `size` slots in its place. */
function takeFilled<T>(arrays: T[][], i: number, n: number, size: number): T[] {
  const filled = arrays[i]!;
  if (n < filled.length) filled.length = n;
  arrays[i] = new Array<T>(size);
  return filled;
}

/** The timestamps of a batch whose first `before` records had none, then `ts`. */
function startTimestamps(before: number, ts: number, size: number): number[] {
  const tss = new Array<number>(size);
  for (let k = 0; k < before; k++) tss[k] = MIN_TIMESTAMP;
  tss[before] = ts;
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
 * To every consumer subtask (a broadcast stream): each channel's batch holds the same record
 * objects, not copies, so a consumer must not mutate them.
 */
class BroadcastWriter extends RecordWriter {
  collect(value: unknown): void {
    for (let i = 0; i < this.channels.length; i++) this.append(i, value);
  }
  /** numRecordsOut counts each record once, not once per consumer. */
  protected override flushChannel(i: number): void {
    const n = this.counts[i]!;
    super.flushChannel(i);
    if (i !== 0) this.recordsOut -= n;
  }
}

/**
 * By key: the key group of the record's key decides the consumer subtask, by the same
 * functions that assign key groups to subtasks on restore (looked up in a table made from
 * them, one entry per key group).
 */
class HashWriter extends RecordWriter {
  private readonly keys: unknown[][];
  private readonly keyGroups: number[][];
  /** The channel of each key group: `operatorIndexForKeyGroup`, tabulated. */
  private readonly channelOfKeyGroup: Uint16Array;
  constructor(
    channels: readonly ResultSubpartition[],
    batchSize: number,
    recordContext: RecordContext,
    private readonly keySelector: KeySelector<unknown, unknown>,
    private readonly maxParallelism: number,
  ) {
    super(channels, batchSize, recordContext);
    this.keys = channels.map(() => new Array<unknown>(batchSize));
    this.keyGroups = channels.map(() => new Array<number>(batchSize));
    this.channelOfKeyGroup = new Uint16Array(maxParallelism);
    for (let kg = 0; kg < maxParallelism; kg++) this.channelOfKeyGroup[kg] = operatorIndexForKeyGroup(maxParallelism, channels.length, kg);
  }
  collect(value: unknown): void {
    const key = this.keySelector(value);
    if (key === undefined || key === null) {
      throw new TypeError(`The keyBy selector returned ${key} for record ${safeString(value)}; every record needs a key.`);
    }
    const kg = assignToKeyGroup(key, this.maxParallelism);
    const i = this.channelOfKeyGroup[kg]!;
    const n = this.counts[i]!;
    this.keys[i]![n] = key;
    this.keyGroups[i]![n] = kg;
    this.append(i, value);
  }
  protected override takeBatch(i: number, n: number, timestamps: number[] | undefined): RecordBatch {
    const size = this.batchSize;
    return new RecordBatch(takeFilled(this.pending, i, n, size), takeFilled(this.keys, i, n, size), takeFilled(this.keyGroups, i, n, size), timestamps);
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
    case 'broadcast':
      return new BroadcastWriter(channels, options.batchSize, rc);
  }
}
