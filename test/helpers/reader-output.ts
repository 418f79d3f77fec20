import type { ReaderOutput, SourceOutput, Watermark } from '../../src/graph/index.js';

/** One record a reader emitted: through which split output (undefined: the main one), with which timestamp. */
export interface EmittedRecord<T> {
  readonly record: T;
  readonly timestamp: number | undefined;
  readonly split: string | undefined;
}

/**
 * A ReaderOutput for testing readers directly (Flink's TestingReaderOutput): records go to
 * `into`; what each came with, and which split outputs were created and released, is kept too.
 */
export class TestingReaderOutput<T> implements ReaderOutput<T> {
  readonly emitted: EmittedRecord<T>[] = [];
  readonly created: string[] = [];
  readonly released: string[] = [];
  readonly watermarks: number[] = [];
  private readonly splits = new Map<string, SourceOutput<T>>();

  constructor(readonly into: T[] = []) {}

  collect(record: T, timestamp?: number): void {
    this.add(record, timestamp, undefined);
  }
  emitWatermark(watermark: Watermark): void {
    this.watermarks.push(watermark.timestamp);
  }
  markIdle(): void {}
  markActive(): void {}

  createOutputForSplit(splitId: string): SourceOutput<T> {
    let out = this.splits.get(splitId);
    if (!out) {
      this.created.push(splitId);
      out = {
        collect: (record, timestamp) => this.add(record, timestamp, splitId),
        emitWatermark: (w) => void this.watermarks.push(w.timestamp),
        markIdle: () => {},
        markActive: () => {},
      };
      this.splits.set(splitId, out);
    }
    return out;
  }

  releaseOutputForSplit(splitId: string): void {
    if (this.splits.delete(splitId)) this.released.push(splitId);
  }

  private add(record: T, timestamp: number | undefined, split: string | undefined): void {
    this.into.push(record);
    this.emitted.push({ record, timestamp, split });
  }
}
