/**
 * Drives one keyed two-input operator subtask as Flink's KeyedTwoInputStreamOperatorTestHarness
 * does: elements of either input with timestamps and keys, each input's watermark, snapshots and
 * restore, and the output and side outputs it produced.
 */
import type { TwoInputOperatorSpec } from '../../../src/graph/index.js';
import { createOperator } from '../../../src/runtime/operators/operator-factory.js';
import type { TwoInputStreamOperator } from '../../../src/runtime/operators/two-input/two-input-stream-operator.js';
import { MIN_TIMESTAMP } from '../../../src/util/time.js';
import { type HarnessOptions, KeyedOperatorHarness } from '../operators/keyed-operator-harness.js';

export class TwoInputHarness extends KeyedOperatorHarness {
  readonly operator: TwoInputStreamOperator;

  constructor(
    spec: TwoInputOperatorSpec,
    private readonly key1: (value: never) => unknown,
    private readonly key2: (value: never) => unknown,
    options: HarnessOptions = {},
  ) {
    super('two-input', options);
    this.operator = createOperator(spec, this.context) as TwoInputStreamOperator;
    this.attach(this.operator);
  }

  /** An element of input 1; `timestamp` undefined: none. */
  processElement1(value: unknown, timestamp?: number): void {
    this.enter(this.key1(value as never), timestamp);
    this.operator.processElement1(value);
    this.slot.timestamp = MIN_TIMESTAMP;
  }

  /** An element of input 2; `timestamp` undefined: none. */
  processElement2(value: unknown, timestamp?: number): void {
    this.enter(this.key2(value as never), timestamp);
    this.operator.processElement2(value);
    this.slot.timestamp = MIN_TIMESTAMP;
  }

  processWatermark1(time: number): void {
    this.operator.processWatermark1(time);
  }

  processWatermark2(time: number): void {
    this.operator.processWatermark2(time);
  }
}

/** A keyed harness whose second input is a broadcast one: its elements carry no key (Flink's null key selector). */
export class BroadcastHarness extends TwoInputHarness {
  processBroadcast(value: unknown, timestamp?: number): void {
    this.slot.timestamp = timestamp ?? MIN_TIMESTAMP;
    this.operator.processElement2(value);
    this.slot.timestamp = MIN_TIMESTAMP;
  }
}
