import { formatRecord } from '../../util/format-record.js';
import { StreamOperator } from './stream-operator.js';
import type { OperatorContext } from './stream-operator.js';

/**
 * `print()`: one line per record on stdout (or stderr), prefixed with `<subtask>> ` when the
 * sink runs in parallel, as Flink does. Lines are buffered and written in chunks.
 */
export class PrintSinkOperator extends StreamOperator<unknown> {
  private buffer = '';
  private readonly linePrefix: string;

  constructor(
    ctx: OperatorContext,
    prefix: string | undefined,
    private readonly stderr: boolean,
  ) {
    super(ctx);
    const { subtaskIndex, parallelism } = ctx.info;
    const id = prefix ? `${prefix}:` : '';
    this.linePrefix = parallelism > 1 ? `${id}${subtaskIndex + 1}> ` : prefix ? `${prefix}> ` : '';
  }

  collect(value: unknown): void {
    this.buffer += `${this.linePrefix}${formatRecord(value)}\n`;
    if (this.buffer.length > 65536) this.flush();
  }

  override flush(): void {
    if (this.buffer.length === 0) return;
    (this.stderr ? process.stderr : process.stdout).write(this.buffer);
    this.buffer = '';
  }

  override endInput(): void {
    this.flush();
  }

  override close(): void {
    this.flush();
  }
}
