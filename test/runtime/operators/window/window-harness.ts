/**
 * Drives one window operator subtask as Flink's KeyedOneInputStreamOperatorTestHarness does:
 * elements with timestamps, watermarks, a processing-time clock, snapshots and restore, and the
 * output (records with their timestamps, watermarks) and side outputs it produced. Timers are
 * the runtime's own timer service, so they are keyed state in the snapshots too.
 */
import type { WindowOperatorSpec } from '../../../../src/graph/index.js';
import { createWindowOperator } from '../../../../src/runtime/operators/window/create-window-operator.js';
import type { WindowOperator } from '../../../../src/runtime/operators/window/window-operator.js';
import { MIN_TIMESTAMP } from '../../../../src/util/time.js';
import { type HarnessOptions, KeyedOperatorHarness } from '../keyed-operator-harness.js';

export { type Emitted, type HarnessOptions, type HarnessSnapshot, type OutputElement, record, watermark } from '../keyed-operator-harness.js';

export class WindowHarness extends KeyedOperatorHarness {
  readonly operator: WindowOperator;

  constructor(
    spec: WindowOperatorSpec,
    private readonly keySelector: (value: never) => unknown,
    options: HarnessOptions = {},
  ) {
    super('window', options);
    this.operator = createWindowOperator(this.context, spec);
    this.attach(this.operator);
  }

  /** One element; `timestamp` undefined: none. */
  processElement(value: unknown, timestamp?: number): void {
    this.enter(this.keySelector(value as never), timestamp);
    this.operator.collect(value);
  }

  processWatermark(time: number): void {
    this.slot.timestamp = MIN_TIMESTAMP;
    this.operator.processWatermark(time);
  }

  setProcessingTime(time: number): void {
    this.clock.set(time);
    this.slot.timestamp = MIN_TIMESTAMP;
    this.operator.advanceProcessingTime(time);
  }
}
