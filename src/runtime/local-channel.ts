import type { InputChannel, ResultSubpartition } from './channel.js';
import type { ChannelEvent } from './channel-events.js';

/**
 * A bounded FIFO of channel events from one producer subtask to one consumer subtask. Being
 * bounded is what gives backpressure: a producer whose channel is full is not scheduled.
 */
export class LocalChannel implements ResultSubpartition, InputChannel {
  private items: (ChannelEvent | undefined)[] = [];
  private head = 0;

  /**
   * @param capacity batches the channel holds before it counts as full
   */
  constructor(readonly capacity: number) {}

  isFull(): boolean {
    return this.items.length - this.head >= this.capacity;
  }

  isEmpty(): boolean {
    return this.items.length === this.head;
  }

  push(event: ChannelEvent): void {
    this.items.push(event);
  }

  poll(): ChannelEvent | undefined {
    if (this.head === this.items.length) return undefined;
    const e = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return e;
  }
}
