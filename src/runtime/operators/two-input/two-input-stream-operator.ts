import { CombinedWatermark } from '../../watermarks/combined-watermark.js';
import { FunctionOperator } from '../function-operator.js';

/** Which input of a two-input operator: the first (`connect`'s receiver, the left side) or the second. */
export type InputIndex = 1 | 2;

/**
 * An operator with two inputs (Flink's TwoInputStreamOperator over AbstractStreamOperator): the
 * task hands it records through `processElement1/2`, each input's watermark (already the
 * minimum over that input's channels) through `processWatermark1/2`. Its own watermark is the
 * minimum of both inputs' (idle inputs do not hold it back), processed — timers fire, then it
 * is forwarded — only when it advances. It heads its chain, so `collect` is never called.
 */
export abstract class TwoInputStreamOperator extends FunctionOperator<unknown> {
  private readonly combined = new CombinedWatermark(2);

  abstract processElement1(value: unknown): void;
  abstract processElement2(value: unknown): void;

  collect(): void {
    throw new Error(`internal: two-input operator "${this.name}" takes records through processElement1/2, not collect`);
  }

  processWatermark1(timestamp: number): void {
    if (this.combined.updateWatermark(0, timestamp)) this.processWatermark(this.combined.watermark);
  }

  processWatermark2(timestamp: number): void {
    if (this.combined.updateWatermark(1, timestamp)) this.processWatermark(this.combined.watermark);
  }

  /** Input `input` went idle or active: the operator's status changes only when both are idle, or one wakes. */
  processInputWatermarkStatus(input: InputIndex, idle: boolean): void {
    const wasIdle = this.combined.isIdle;
    if (this.combined.updateStatus(input - 1, idle)) this.processWatermark(this.combined.watermark);
    if (wasIdle !== this.combined.isIdle) this.forwardWatermarkStatus(idle);
  }

  /** Input `input` has ended (the other may go on); Flink's BoundedMultiInput.endInput. */
  endInputOf(_input: InputIndex): void {}
}
