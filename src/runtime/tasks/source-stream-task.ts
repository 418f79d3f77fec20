import type { SourceReader } from '../../graph/index.js';
import type { StreamOperator } from '../operators/stream-operator.js';
import type { Output } from '../output.js';
import type { RecordWriter } from '../record-writer.js';
import { StreamTask } from './stream-task.js';
import { userError } from '../operators/user-function.js';

/** Records a source reader emits per step: enough to amortise scheduling, small enough to interleave. */
export const SOURCE_BATCH = 1024;

/** A subtask whose chain starts with a source reader. */
export class SourceStreamTask extends StreamTask {
  private idleUntil = 0;

  constructor(
    name: string,
    private readonly sourceName: string,
    readonly reader: SourceReader<unknown, unknown>,
    private readonly output: Output<unknown>,
    operators: readonly StreamOperator[],
    writers: readonly RecordWriter[],
  ) {
    super(name, operators, writers);
  }

  isRunnable(now: number): boolean {
    return !this.finished && now >= this.idleUntil && this.outputsHaveCapacity();
  }

  override nextWakeTime(): number {
    return Math.min(this.idleUntil, this.nextTimerTime());
  }

  step(now: number): void {
    let status;
    try {
      status = this.reader.pollNext(this.output, SOURCE_BATCH);
    } catch (err) {
      throw userError(this.sourceName, err);
    }
    if (status === 'END_OF_INPUT') {
      this.finishInput(now);
      return;
    }
    if (status === 'NOTHING_AVAILABLE') {
      this.idleUntil = this.reader.nextAvailableTime?.() ?? now + 10;
    }
    this.flushWriters();
  }

  override async close(): Promise<unknown> {
    let first: unknown;
    try {
      this.reader.close?.();
    } catch (err) {
      first = userError(this.sourceName, err);
    }
    const rest = await super.close();
    return first ?? rest;
  }
}
