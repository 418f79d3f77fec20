/**
 * One subtask of `JdbcSink.sink`: batches committed as they go (each its own transaction). A
 * checkpoint is acknowledged only once every row before its barrier is in the table, so after
 * a failure nothing before the restored checkpoint is missing; rows after it are written again.
 */
import { JdbcWriterBase } from './jdbc-sink-writer-base.js';

export class AtLeastOnceJdbcWriter<T> extends JdbcWriterBase<T> {
  private flushed: Promise<void> = Promise.resolve();

  async open(): Promise<void> {
    await this.prepareBatches(await this.connect('flink-ts JdbcSink'));
  }

  snapshotState(): unknown[] {
    if (this.failure) throw this.failure;
    this.flushed = this.batches!.flush();
    return [];
  }

  prepareCommit(): Promise<void> {
    return this.succeeded(this.flushed);
  }

  endOfInput(): void {
    this.ending = this.succeeded(this.batches!.flush());
  }
}
