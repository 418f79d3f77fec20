import type { KeyFunction, Partitioner, PartitionerSpec } from '../graph/index.js';
import { assignToKeyGroup, operatorIndexForKeyGroup } from '../state/index.js';
import { MIN_TIMESTAMP } from '../util/time.js';
import { type ChannelEvent, RecordBatch, Watermark, WatermarkStatus } from './channel-events.js';
import type { ResultSubpartition } from './channel.js';
import type { Output } from './output.js';
import { RecordContext } from './record-context.js';
import { copyRecord } from '../util/copy-record.js';
import { describeArgument } from '../util/describe-argument.js';

/**
 * One channel's batch being filled: arrays allocated at the batch size (and trimmed when pushed
 * before they are full), never grown record by record: growing an array by `push` reallocates
 * and copies it about a dozen times on the way to 1024 elements, which is most of what a record
 * costs to allocate at a shuffle.
 *
 * A writer keeps one per channel and writes a record's fields into it directly: the record path
 * loads the batch once, not each array through an array of channels and a count from another
 * (with this object the in-process tumbling-window job took 17% less CPU time, a source → keyBy
 * → filter job 40% less: see the README's per-record path).
 */
class PendingBatch {
  values: unknown[];
  /** Keys and key groups, on a hash-partitioned edge. */
  keys: unknown[] | undefined;
  keyGroups: number[] | undefined;
  /** Undefined until a record with a timestamp arrives (see {@link RecordWriter}). */
  timestamps: number[] | undefined = undefined;
  /** Records in the batch: the first `count` slots of each array. */
  count = 0;

  constructor(
    readonly channel: ResultSubpartition,
    private readonly size: number,
    private readonly keyed: boolean,
    /** Records (and keys) go in as copies: the batch holds them as they were when emitted. */
    readonly copies: boolean,
  ) {
    this.values = new Array<unknown>(size);
    this.keys = keyed ? new Array<unknown>(size) : undefined;
    this.keyGroups = keyed ? new Array<number>(size) : undefined;
  }

  /** The batch of the records so far, which this one stops referring to (it starts over empty). */
  take(): RecordBatch {
    const n = this.count;
    const size = this.size;
    const tss = this.timestamps;
    if (tss !== undefined) tss.length = n;
    const batch = new RecordBatch(cut(this.values, n), this.keyed ? cut(this.keys!, n) : undefined, this.keyed ? cut(this.keyGroups!, n) : undefined, tss);
    this.values = new Array<unknown>(size);
    if (this.keyed) {
      this.keys = new Array<unknown>(size);
      this.keyGroups = new Array<number>(size);
    }
    this.timestamps = undefined;
    this.count = 0;
    return batch;
  }
}

/** `array` cut to its first `n` elements. */
function cut<T>(array: T[], n: number): T[] {
  if (n < array.length) array.length = n;
  return array;
}

/**
 * The producing end of a non-chained edge: routes each record to one of the consumer's
 * channels and batches records per channel. A batch is pushed when full and at the end of
 * every task step, so latency stays low and events stay in order with records.
 *
 * With object reuse off (the default) a record is captured as it is when emitted, as Flink's
 * network edge serializes it then: the batch takes a copy of it (copy-record.ts), whether the
 * channel stays within the thread or goes to another, which encodes the batch only when it is
 * sent (a producer that changes an emitted object, or reuses one for every output, would
 * otherwise send only its last state). With object reuse on, the batch takes the record itself,
 * for a channel within the thread and to another alike: the producer must leave it alone once
 * emitted (the README's "Object reuse"), and a job keeping that contract gives the same results
 * with workers on and off, without a copy per record on the way.
 *
 * Each record's timestamp is read from the task's {@link RecordContext}. A channel's pending
 * timestamps are only allocated when a record with a timestamp arrives (earlier records of the
 * batch are back-filled with `MIN_TIMESTAMP`): a stream without timestamps costs one
 * comparison per record here.
 */
export abstract class RecordWriter implements Output<unknown> {
  /** Each channel's batch being filled. */
  protected readonly batches: readonly PendingBatch[];
  /** Records sent downstream, counted per batch (the numRecordsOut metric). */
  recordsOut = 0;

  constructor(
    protected readonly channels: readonly ResultSubpartition[],
    protected readonly batchSize: number,
    protected readonly recordContext: RecordContext,
    objectReuse: boolean,
    keyed = false,
  ) {
    // Records go into the batches as copies with object reuse off (see the class comment).
    this.batches = channels.map((c) => new PendingBatch(c, batchSize, keyed, !objectReuse));
  }

  abstract collect(value: unknown): void;

  /**
   * Appends `value` with the slot's timestamp to batch `b`; pushes the batch when full. A
   * subclass writing more per record (keys) writes it at index `b.count` first.
   */
  protected append(b: PendingBatch, value: unknown): void {
    const n = b.count;
    b.values[n] = b.copies && typeof value === 'object' && value !== null ? copyRecord(value) : value;
    const ts = this.recordContext.timestamp;
    const tss = b.timestamps;
    if (tss !== undefined) tss[n] = ts;
    else if (ts !== MIN_TIMESTAMP) b.timestamps = startTimestamps(n, ts, this.batchSize);
    b.count = n + 1;
    if (n + 1 === this.batchSize) this.push(b);
  }

  /** Pushes every non-empty pending batch to its channel. */
  flush(): void {
    for (const b of this.batches) if (b.count > 0) this.push(b);
  }

  protected push(b: PendingBatch): void {
    this.recordsOut += b.count;
    b.channel.push(b.take());
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
function startTimestamps(before: number, ts: number, size: number): number[] {
  const tss = new Array<number>(size);
  for (let k = 0; k < before; k++) tss[k] = MIN_TIMESTAMP;
  tss[before] = ts;
  return tss;
}

/** One-to-one: subtask i of the producer feeds subtask i of the consumer (also a global edge's writer: see createRecordWriter). */
class ForwardWriter extends RecordWriter {
  private readonly only = this.batches[0]!;
  collect(value: unknown): void {
    this.append(this.only, value);
  }
}

/** Round robin over all consumer subtasks. */
class RebalanceWriter extends RecordWriter {
  private next: number;
  constructor(channels: readonly ResultSubpartition[], batchSize: number, recordContext: RecordContext, objectReuse: boolean, start: number) {
    super(channels, batchSize, recordContext, objectReuse);
    this.next = start % channels.length;
  }
  collect(value: unknown): void {
    const i = this.next;
    this.next = i + 1 === this.channels.length ? 0 : i + 1;
    this.append(this.batches[i]!, value);
  }
}

/**
 * Round robin over this subtask's share of the consumers (Flink's RescalePartitioner with its
 * pointwise wiring): with m producers and n consumers, producer i feeds consumers ⌊i·n/m⌋ up to
 * before ⌊(i+1)·n/m⌋, or consumer ⌊i·n/m⌋ alone when n < m. Every channel still carries events
 * (watermarks, barriers), so a consumer no producer writes records to still sees them.
 */
class RescaleWriter extends RecordWriter {
  private readonly first: number;
  private readonly count: number;
  private next = 0;
  constructor(channels: readonly ResultSubpartition[], batchSize: number, recordContext: RecordContext, objectReuse: boolean, subtaskIndex: number, producers: number) {
    super(channels, batchSize, recordContext, objectReuse);
    const n = channels.length;
    this.first = Math.floor((subtaskIndex * n) / producers);
    this.count = Math.max(1, Math.floor(((subtaskIndex + 1) * n) / producers) - this.first);
  }
  collect(value: unknown): void {
    const i = this.next;
    this.next = i + 1 === this.count ? 0 : i + 1;
    this.append(this.batches[this.first + i]!, value);
  }
}

/** To a consumer subtask drawn at random for each record (Flink's ShufflePartitioner). */
class ShuffleWriter extends RecordWriter {
  collect(value: unknown): void {
    this.append(this.batches[Math.floor(Math.random() * this.batches.length)]!, value);
  }
}

/**
 * To every consumer subtask (a broadcast stream), each of which gets its own copy of every
 * record, as in Flink (where each consumer deserializes its own) in both object-reuse modes: a
 * consumer that changes a broadcast element (or keeps it in broadcast state and changes it
 * later) changes nobody else's. The copies are the ones every edge makes (copy-record.ts:
 * class instances keep their class within a thread; a consumer in another thread decodes its
 * own, as plain data).
 *
 * Records go into one pending batch, captured as the writer captures them (see
 * {@link RecordWriter}). When it is pushed, the channels to other threads share it (each
 * encodes it on the way out and its consumer decodes its own), and each channel within this
 * thread gets a copy of it, except one, which takes the batch itself when no other thread's
 * channel still has to encode it.
 */
class BroadcastWriter extends RecordWriter {
  private readonly filling = this.batches[0]!;
  /** Each channel's consumer is in this thread. */
  private readonly local: readonly boolean[] = this.channels.map((c) => c.copiesRecords !== true);
  /** The local channel that takes the batch itself, or -1 when every local one needs a copy. */
  private readonly takesBatch = this.local.includes(false) ? -1 : 0;
  collect(value: unknown): void {
    this.append(this.filling, value);
  }
  /** numRecordsOut counts each record once, not once per consumer. */
  protected override push(b: PendingBatch): void {
    this.recordsOut += b.count;
    const batch = b.take();
    const channels = this.channels;
    for (let i = 0; i < channels.length; i++) channels[i]!.push(this.local[i] && i !== this.takesBatch ? copyBatch(batch) : batch);
  }
}

/** `batch` with a copy of each record (timestamps shared: nobody changes them). */
function copyBatch(batch: RecordBatch): RecordBatch {
  const values = batch.values;
  const n = values.length;
  const copies = new Array<unknown>(n);
  for (let i = 0; i < n; i++) copies[i] = copyRecord(values[i]);
  return new RecordBatch(copies, batch.keys, batch.keyGroups, batch.timestamps);
}

/**
 * By key: the key group of the record's key decides the consumer subtask, by the same
 * functions that assign key groups to subtasks on restore (looked up in a table made from
 * them, one entry per key group; with one consumer subtask, there is nothing to look up).
 */
class HashWriter extends RecordWriter {
  /** The batch of each key group's channel: `operatorIndexForKeyGroup`, tabulated. */
  private readonly channelOfKeyGroup: Uint16Array;
  /** The batch every record goes to when there is one channel. */
  private readonly only: PendingBatch | undefined;
  /**
   * An int key goes without its key group (-1): one consumer subtask, in this thread. A batch to
   * another thread carries key groups as 16-bit integers (columnar-batch.ts), where -1 arrived
   * as 65535: a keyed subtask on another worker then kept such keys' state and timers under a
   * key group outside its range (on lmdb, its snapshots and applyToAllKeys found none of them).
   */
  private readonly intKeysUngrouped: boolean;
  constructor(
    channels: readonly ResultSubpartition[],
    batchSize: number,
    recordContext: RecordContext,
    objectReuse: boolean,
    private readonly keySelector: KeyFunction<unknown, unknown>,
    private readonly maxParallelism: number,
  ) {
    super(channels, batchSize, recordContext, objectReuse, true);
    this.channelOfKeyGroup = new Uint16Array(maxParallelism);
    for (let kg = 0; kg < maxParallelism; kg++) this.channelOfKeyGroup[kg] = operatorIndexForKeyGroup(maxParallelism, channels.length, kg);
    this.only = channels.length === 1 ? this.batches[0] : undefined;
    this.intKeysUngrouped = channels.length === 1 && channels[0]!.copiesRecords !== true;
  }
  collect(value: unknown): void {
    const key = this.keySelector(value);
    if (key === undefined || key === null) {
      throw new TypeError(`The keyBy selector returned ${key} for record ${safeString(value)}; every record needs a key.`);
    }
    // One consumer subtask in this thread holds every key group: an int key's is left for the
    // consumer to compute if it needs it (-1; the heap finds an int key without it, see
    // HeapStateTable). Any other key needs its key group on the heap too, and is checked here (a
    // key that cannot be hashed).
    const kg = this.intKeysUngrouped && typeof key === 'number' && (key | 0) === key ? -1 : assignToKeyGroup(key, this.maxParallelism);
    const b = this.only ?? this.batches[this.channelOfKeyGroup[kg]!]!;
    const n = b.count;
    // A key that is an object (a tuple of fields) may be the record's own: captured with it.
    b.keys![n] = b.copies && typeof key === 'object' ? copyRecord(key) : key;
    b.keyGroups![n] = kg;
    this.append(b, value);
  }
}

/** To the consumer subtask a user's partitioner picks for the record's key (Flink's CustomPartitionerWrapper). */
class CustomWriter extends RecordWriter {
  private readonly pick: (key: unknown, numPartitions: number) => number;
  constructor(
    channels: readonly ResultSubpartition[],
    batchSize: number,
    recordContext: RecordContext,
    objectReuse: boolean,
    partitioner: Partitioner<unknown>,
    private readonly keySelector: KeyFunction<unknown, unknown>,
  ) {
    super(channels, batchSize, recordContext, objectReuse);
    this.pick = typeof partitioner === 'function' ? partitioner : (key, n) => partitioner.partition(key, n);
  }
  collect(value: unknown): void {
    const key = this.keySelector(value);
    const n = this.batches.length;
    const i = this.pick(key, n);
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`The partitioner of partitionCustom returned ${describeArgument(i)} for key ${safeString(key)}: it must return a subtask index from 0 to ${n - 1} (its second argument is the number of subtasks).`);
    }
    this.append(this.batches[i]!, value);
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
  /** The producing operator's parallelism (a rescale edge divides the consumers among its subtasks). */
  readonly producers?: number;
  /** The producing task's timestamp slot (a fresh one, i.e. no timestamps, if not given). */
  readonly recordContext?: RecordContext;
  /** `pipeline.object-reuse` (default false: records are copied as they are emitted). */
  readonly objectReuse?: boolean;
}

/** Creates the writer for a partitioner. */
export function createRecordWriter(partitioner: PartitionerSpec, channels: readonly ResultSubpartition[], options: RecordWriterOptions): RecordWriter {
  const rc = options.recordContext ?? new RecordContext();
  const reuse = options.objectReuse === true;
  switch (partitioner.type) {
    case 'forward':
      return new ForwardWriter(channels, options.batchSize, rc, reuse);
    case 'rebalance':
      return new RebalanceWriter(channels, options.batchSize, rc, reuse, options.subtaskIndex);
    case 'rescale':
      return new RescaleWriter(channels, options.batchSize, rc, reuse, options.subtaskIndex, options.producers ?? 1);
    case 'shuffle':
      return new ShuffleWriter(channels, options.batchSize, rc, reuse);
    case 'global':
      // Flink's GlobalPartitioner: the first consumer's channel (the first of all of them, as a
      // forward writer's only one) takes every record; events still go to every channel.
      return new ForwardWriter(channels, options.batchSize, rc, reuse);
    case 'hash':
      return new HashWriter(channels, options.batchSize, rc, reuse, partitioner.keySelector, options.maxParallelism);
    case 'broadcast':
      return new BroadcastWriter(channels, options.batchSize, rc, reuse);
    case 'custom':
      return new CustomWriter(channels, options.batchSize, rc, reuse, partitioner.partitioner, partitioner.keySelector);
  }
}
