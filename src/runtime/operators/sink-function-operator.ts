import { CallableFunctionOperator } from './callable-function-operator.js';
import type { OperatorContext } from './stream-operator.js';
import { userError } from './user-function.js';

/**
 * `addSink(fn)`: calls the function per record. A function that returns a promise is not
 * awaited per record: the task waits for all of a batch's promises before the next batch.
 * At-least-once at best: what it wrote before a failure is not rolled back.
 */
export class SinkFunctionOperator extends CallableFunctionOperator<(v: unknown) => unknown> {
  private pending: Promise<unknown>[] = [];

  constructor(ctx: OperatorContext, fn: unknown) {
    super(ctx, fn, 'invoke');
  }

  collect(value: unknown): void {
    this.numRecordsIn++;
    let r: unknown;
    try {
      r = this.fn(value);
    } catch (err) {
      throw userError(this.name, err);
    }
    if (r instanceof Promise) this.pending.push(r.catch((err: unknown) => Promise.reject(userError(this.name, err))));
  }

  override pendingWork(): Promise<unknown> | undefined {
    if (this.pending.length === 0) return undefined;
    const all = Promise.all(this.pending);
    this.pending = [];
    return all;
  }
}
