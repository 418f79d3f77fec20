import type { KeySelector, PartitionerSpec } from '../graph/index.js';
import { assignToKeyGroup, operatorIndexForKeyGroup } from '../state/index.js';
import { type ChannelEvent, RecordBatch } from './channel-events.js';
import type { LocalChannel } from './local-channel.js';
import type { Output } from './output.js';

/**
 * The producing end of a non-chained edge: routes each record to one of the consumer's
 * channels and batches records per channel. A batch is pushed when full and at the end of
 * every task step, so latency stays low and events stay in order with records.
 */
export abstract class RecordWriter implements Output<unknown> {
  protected readonly pending: unknown[][];
  /** Records sent downstream, counted per batch (the numRecordsOut metric). */
  recordsOut = 0;

  constructor(
    protected readonly channels: readonly LocalChannel[],
    protected readonly batchSize: number,
  ) {
    this.pending = channels.map(() => []);
  }

  abstract collect(value: unknown): void;

  /** Pushes every non-empty pending batch to its channel. */
  flush(): void {
    for (let i = 0; i < this.channels.length; i++) {
      if (this.pending[i]!.length > 0) this.flushChannel(i);
    }
  }

  protected flushChannel(i: number): void {
    this.recordsOut += this.pending[i]!.length;
    this.channels[i]!.push(new RecordBatch(this.pending[i]!, undefined, undefined));
    this.pending[i] = [];
  }

  /** Sends an event to every channel, after the records before it. */
  broadcastEvent(event: ChannelEvent): void {
    this.flush();
    for (const c of this.channels) c.push(event);
  }

  /** True while no channel is full; a task only runs while all its writers have capacity. */
  hasCapacity(): boolean {
    for (const c of this.channels) if (c.isFull()) return false;
    return true;
  }
}

/** One-to-one: subtask i of the producer feeds subtask i of the consumer. */
class ForwardWriter extends RecordWriter {
  collect(value: unknown): void {
    const p = this.pending[0]!;
    p.push(value);
    if (p.length >= this.batchSize) this.flushChannel(0);
  }
}

/** Round robin over all consumer subtasks. */
class RebalanceWriter extends RecordWriter {
  private next: number;
  constructor(channels: readonly LocalChannel[], batchSize: number, start: number) {
    super(channels, batchSize);
    this.next = start % channels.length;
  }
  collect(value: unknown): void {
    const i = this.next;
    this.next = i + 1 === this.channels.length ? 0 : i + 1;
    const p = this.pending[i]!;
    p.push(value);
    if (p.length >= this.batchSize) this.flushChannel(i);
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
    channels: readonly LocalChannel[],
    batchSize: number,
    private readonly keySelector: KeySelector<unknown, unknown>,
    private readonly maxParallelism: number,
  ) {
    super(channels, batchSize);
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
    const p = this.pending[i]!;
    p.push(value);
    this.keys[i]!.push(key);
    this.keyGroups[i]!.push(kg);
    if (p.length >= this.batchSize) this.flushChannel(i);
  }
  protected override flushChannel(i: number): void {
    this.recordsOut += this.pending[i]!.length;
    this.channels[i]!.push(new RecordBatch(this.pending[i]!, this.keys[i]!, this.keyGroups[i]!));
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

/** Creates the writer for a partitioner. */
export function createRecordWriter(
  partitioner: PartitionerSpec,
  channels: readonly LocalChannel[],
  options: { batchSize: number; maxParallelism: number; subtaskIndex: number },
): RecordWriter {
  switch (partitioner.type) {
    case 'forward':
      return new ForwardWriter(channels, options.batchSize);
    case 'rebalance':
      return new RebalanceWriter(channels, options.batchSize, options.subtaskIndex);
    case 'hash':
      return new HashWriter(channels, options.batchSize, partitioner.keySelector, options.maxParallelism);
  }
}
