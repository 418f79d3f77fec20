import { guardOutput, isOutputClosed } from '../../util/closed-output.js';
import { formatRecord } from '../../util/format-record.js';
import { StreamOperator } from './stream-operator.js';
import type { OperatorContext } from './stream-operator.js';

/**
 * `print()`: one line per record on stdout (or stderr), prefixed with `<subtask>> ` when the
 * sink runs in parallel, as Flink does. Lines are buffered and written in chunks. Once the
 * stream's reader is gone (`| head`), lines are dropped, as Flink's print sink ignores a closed
 * stdout; `flink run` then cancels the job.
 */
export class PrintSinkOperator extends StreamOperator<unknown> {
  private buffer = '';
  private readonly linePrefix: string;
  private readonly stream: NodeJS.WriteStream;
  /** Set at a flush that finds the stream closed: from then on records are not even formatted. */
  private dropping = false;

  constructor(
    ctx: OperatorContext,
    prefix: string | undefined,
    stderr: boolean,
  ) {
    super(ctx);
    this.stream = stderr ? process.stderr : process.stdout;
    guardOutput(this.stream);
    const { subtaskIndex, parallelism } = ctx.info;
    const id = prefix ? `${prefix}:` : '';
    this.linePrefix = parallelism > 1 ? `${id}${subtaskIndex + 1}> ` : prefix ? `${prefix}> ` : '';
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    if (this.dropping) return;
    this.buffer += `${this.linePrefix}${formatRecord(value)}\n`;
    if (this.buffer.length > 65536) this.flush();
  }

  override flush(): void {
    if (this.buffer.length === 0) return;
    this.dropping = isOutputClosed(this.stream);
    if (!this.dropping) this.stream.write(this.buffer);
    this.buffer = '';
  }

  override endInput(): void {
    this.flush();
  }

  override close(): void {
    this.flush();
  }
}
