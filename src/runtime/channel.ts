import type { ChannelEvent } from './channel-events.js';

/*
 * The two ends of a channel from one producer subtask to one consumer subtask (Flink's
 * ResultSubpartition and InputChannel). A task sees only these: a LocalChannel is both ends in
 * one thread; a cross-thread channel has its producing end in one worker and its consuming end
 * in another. Events (record batches, barriers, watermarks, end of input) arrive in the order
 * they were pushed.
 */

/** The producing end: a RecordWriter pushes batches and events into it. */
export interface ResultSubpartition {
  /** Appends an event; never refuses (a task checks {@link isFull} before it runs). */
  push(event: ChannelEvent): void;
  /** True while the consumer holds as much as it may: the producing task is held back. */
  isFull(): boolean;
  /**
   * True for a channel that encodes what it carries (a cross-thread one): its consumer decodes
   * records of its own, so a broadcast edge need not copy them for it.
   */
  readonly copiesRecords?: boolean;
}

/** The consuming end: a task polls it. */
export interface InputChannel {
  isEmpty(): boolean;
  poll(): ChannelEvent | undefined;
}
