import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { decodeEvent, encodeBatches, encodeEvent } from '../batch-codec.js';
import type { InputChannel, ResultSubpartition } from '../channel.js';
import { type ChannelEvent, RecordBatch } from '../channel-events.js';

/*
 * A channel between two threads over a MessagePort (see the README's "Workers" for why not a
 * SharedArrayBuffer ring). Each event — a batch of records with its keys, key groups and
 * timestamps, or a barrier, watermark, watermark status or end of input — is encoded into one
 * buffer and handed over in bulk, in order.
 *
 * A message costs far more than a reference handed over inside a thread (the post, and an
 * event-loop task on the other side), so the producing end coalesces the batches a task pushes
 * (a source flushes after every step, ~half a batch per channel of a keyBy at p=2) into
 * messages of at least `batchSize` records; what it holds goes out before any other event, and
 * at the latest when the producing thread's scheduler yields (a microtask queued with the first
 * held batch runs then), so holding adds no latency beyond the scheduler's slice.
 *
 * Neither end waits for its thread's event loop to hand it a message: a consumer with nothing
 * queued, and a producer out of credit, take what the port holds at once (receiveMessageOnPort).
 * The scheduler runs slices of up to 10 ms between event-loop turns, and a keyBy across two
 * workers waited on those turns for events and credit a quarter of its time: taking them at once
 * made the bench's keyed count on two workers 1.2–1.3× as fast (JSON orders, whose records are
 * few for their work, did not move). The 'message' events still wake an idle scheduler.
 *
 * Credit-based backpressure (Flink's): the producer starts with `capacity` credits, one per
 * buffer the consumer holds; each message sent takes one, and the consumer gives them back as it
 * takes events out. A producer without credit counts as full, so its task is not scheduled: a
 * slow consumer holds its producers back and memory stays flat.
 */

/** The producing end, in the producer's thread. */
export class PortSubpartition implements ResultSubpartition {
  /** Its consumer decodes records of its own (a broadcast edge copies for local channels only). */
  readonly copiesRecords = true;
  private credits: number;
  /** Batches pushed but not yet sent, and how many records they hold. */
  private held: RecordBatch[] = [];
  private heldRecords = 0;
  private flushQueued = false;
  private readonly flushHeld = () => {
    this.flushQueued = false;
    this.sendHeld();
  };

  /**
   * @param onCredit called when credit arrives (the scheduler may be idle, waiting for room)
   */
  constructor(
    private readonly port: MessagePort,
    capacity: number,
    private readonly batchSize: number,
    onCredit: () => void,
  ) {
    this.credits = capacity;
    port.on('message', (granted: number) => {
      this.credits += granted;
      onCredit();
    });
  }

  push(event: ChannelEvent): void {
    if (event instanceof RecordBatch) {
      this.held.push(event);
      this.heldRecords += event.values.length;
      if (this.heldRecords >= this.batchSize) this.sendHeld();
      else if (!this.flushQueued) {
        this.flushQueued = true;
        queueMicrotask(this.flushHeld);
      }
      return;
    }
    this.sendHeld();
    this.post(encodeEvent(event));
  }

  private sendHeld(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    this.heldRecords = 0;
    this.post(encodeBatches(held));
  }

  /** Hands `bytes` (a buffer of their own, from the codec) to the consumer: transferred, not copied. */
  private post(bytes: Uint8Array): void {
    this.port.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
    this.credits--;
  }

  isFull(): boolean {
    if (this.credits > 0) return false;
    // Take credit the consumer has sent without waiting for this thread's next event-loop turn
    // (the scheduler runs slices of several ms between turns: waiting for one left both ends
    // of a keyBy idle a quarter of the time).
    for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) this.credits += m.message as number;
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
    return this.head === this.queue.length && !this.receive();
  }

  /**
   * Takes the next event the producer has sent, if any, without waiting for this thread's next
   * event-loop turn (see PortSubpartition.isFull). Messages come out of the port in order
   * whichever way they are taken, so the queue stays in order.
   */
  private receive(): boolean {
    const m = receiveMessageOnPort(this.port);
    if (m === undefined) return false;
    this.queue.push(m.message as Uint8Array);
    return true;
  }

  poll(): ChannelEvent | undefined {
    if (this.head === this.queue.length && !this.receive()) return undefined;
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
