import { userError } from '../user-function.js';
import { type InputIndex, TwoInputStreamOperator } from './two-input-stream-operator.js';

/**
 * A two-input operator around a user function with a method per input (co-map, co-flatMap,
 * co-process, keyed co-process, the two broadcast ones). A record of input 1 goes to
 * `callInput1`, one of input 2 to `callInput2`: the subclass calls its function's method for that
 * input there, so each call of user code keeps its own call site (monomorphic, inlined). This
 * class counts the record, turns what the function throws into the operator's UserCodeError,
 * and hands what it returned to `emit`, outside that wrapping.
 */
export abstract class TwoInputFunctionOperator extends TwoInputStreamOperator {
  protected abstract callInput1(value: unknown): unknown;
  protected abstract callInput2(value: unknown): unknown;

  /** What becomes of the function's result: nothing by default (process functions emit through the collector). */
  protected emit(_result: unknown): void {}

  processElement1(value: unknown): void {
    this.numRecordsIn++;
    this.emit(this.callInput(1, value));
  }

  processElement2(value: unknown): void {
    this.numRecordsIn++;
    this.emit(this.callInput(2, value));
  }

  private callInput(input: InputIndex, value: unknown): unknown {
    try {
      return input === 1 ? this.callInput1(value) : this.callInput2(value);
    } catch (err) {
      throw userError(this.name, err);
    }
  }
}
