import type { CheckpointOptions } from '../state/index.js';

/**
 * What flows through a channel: batches of records and, in order with them, events. Records
 * are never sent one by one; a batch carries the keys and key groups a hash partitioner
 * computed, so the keyed operator downstream does not compute them again.
 */

/** A batch of records; `keys`/`keyGroups` are set on hash-partitioned edges. */
export class RecordBatch {
  constructor(
    readonly values: unknown[],
    readonly keys: unknown[] | undefined,
    readonly keyGroups: number[] | undefined,
  ) {}
}

/** Checkpoint barrier n: everything before it belongs to checkpoint n, everything after to n+1. */
export class CheckpointBarrier {
  constructor(
    readonly checkpointId: number,
    readonly timestamp: number,
    readonly options: CheckpointOptions,
  ) {}
}

/** The channel's producer has no more records. */
export class EndOfInput {
  static readonly INSTANCE = new EndOfInput();
}

export type ChannelEvent = RecordBatch | CheckpointBarrier | EndOfInput;
