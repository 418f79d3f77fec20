import type { MessagePort } from 'node:worker_threads';
import { decodeEvent, encodeEvent } from '../batch-codec.js';
import type { InputChannel, ResultSubpartition } from '../channel.js';
import type { ChannelEvent } from '../channel-events.js';

/*
 * A channel between two threads over a MessagePort (see the README's "Workers" for why not a
 * SharedArrayBuffer ring). Each event — a batch of records with its keys, key groups and
 * timestamps, or a barrier, watermark, watermark status or end of input — is encoded into one
 * buffer and handed over in bulk (its memory transferred, not copied), in order.
 *
 * Credit-based backpressure (Flink's): the producer starts with `capacity` credits, one per
 * buffer the consumer holds; each event sent takes one, and the consumer gives them back as it
 * takes events out. A producer without credit counts as full, so its task is not scheduled: a
 * slow consumer holds its producers back and memory stays flat.
 */

/** The producing end, in the producer's thread. */
export class PortSubpartition implements ResultSubpartition {
  private credits: number;

  /**
   * @param onCredit called when credit arrives (the scheduler may be idle, waiting for room)
   */
  constructor(
    private readonly port: MessagePort,
    capacity: number,
    onCredit: () => void,
  ) {
    this.credits = capacity;
    port.on('message', (granted: number) => {
      this.credits += granted;
      onCredit();
    });
  }

  push(event: ChannelEvent): void {
    // The codec encodes into a buffer it reuses: the bytes are copied into memory of their own,
    // which is then transferred (moved, not copied again) to the consumer.
    const encoded = encodeEvent(event);
    const own = new Uint8Array(encoded.length);
    own.set(encoded);
    this.port.postMessage(own, [own.buffer]);
    this.credits--;
  }

  isFull(): boolean {
    return this.credits <= 0;
  }

  close(): void {
    this.port.close();
  }
}

/** The consuming end, in the consumer's thread. */
export class PortInputChannel implements InputChannel {
  private queue: Uint8Array[] = [];
  private head = 0;
  /** Events taken out whose credit has not gone back yet. */
  private taken = 0;
  private readonly grantEvery: number;

  /**
   * @param onData called when an event arrives (the scheduler may be idle, waiting for input)
   */
  constructor(
    private readonly port: MessagePort,
    capacity: number,
    onData: () => void,
  ) {
    this.grantEvery = Math.max(1, capacity >> 1);
    port.on('message', (bytes: Uint8Array) => {
      this.queue.push(bytes);
      onData();
    });
  }

  isEmpty(): boolean {
    return this.head === this.queue.length;
  }

  poll(): ChannelEvent | undefined {
    if (this.head === this.queue.length) return undefined;
    const bytes = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Uint8Array;
    const drained = this.head === this.queue.length;
    if (drained) {
      this.queue = [];
      this.head = 0;
    }
    // Credit goes back in groups, and at once when the queue runs dry, so the producer never
    // waits for credit the consumer is sitting on.
    if (++this.taken >= this.grantEvery || drained) {
      this.port.postMessage(this.taken);
      this.taken = 0;
    }
    return decodeEvent(bytes);
  }

  close(): void {
    this.port.close();
  }
}
