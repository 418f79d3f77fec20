/*
 * The keyed reduce operator against Flink's StreamGroupedReduceOperatorTest
 * (flink-streaming-java/src/test/java/org/apache/flink/streaming/api/operators/): one output per
 * element carrying that element's timestamp, watermarks forwarded in order, a rich function
 * opened before its first reduce and closed; and (StreamGroupedReduceOperator keeps the running
 * value in keyed ValueState) the running value restored from a snapshot.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RichReduceFunction } from '../../../src/index.js';
import { ReduceOperator } from '../../../src/runtime/operators/reduce-operator.js';
import { type HarnessOptions, KeyedOperatorHarness, record, watermark } from './keyed-operator-harness.js';

class ReduceHarness extends KeyedOperatorHarness {
  readonly operator: ReduceOperator;
  constructor(fn: unknown, options: HarnessOptions = {}) {
    super('reduce', options);
    this.operator = new ReduceOperator(this.context, fn);
    this.attach(this.operator);
  }
  /** One element, keyed by itself (Flink's IntegerKeySelector). */
  processElement(value: number, timestamp: number): void {
    this.enter(value, timestamp);
    this.operator.collect(value);
  }
  processWatermark(time: number): void {
    this.operator.processWatermark(time);
  }
}

const add = (a: number, b: number) => a + b;

describe("ReduceOperator as Flink's StreamGroupedReduceOperatorTest", () => {
  test('testGroupedReduce: the running value per key, with each element’s timestamp; watermarks in between', async () => {
    const h = await new ReduceHarness(add).open();
    h.processElement(1, 1);
    h.processElement(1, 2);
    h.processWatermark(2);
    h.processElement(2, 3);
    h.processElement(2, 4);
    h.processElement(3, 5);
    assert.deepEqual(h.output, [record(1, 1), record(2, 2), watermark(2), record(2, 3), record(4, 4), record(3, 5)]);
  });

  test('testOpenClose: a rich reduce function is opened before it reduces and closed at the end', async () => {
    const calls: string[] = [];
    class OpenClose extends RichReduceFunction<number> {
      override open(): void {
        calls.push('open');
      }
      reduce(a: number, b: number): number {
        calls.push('reduce');
        return a + b;
      }
      override close(): void {
        calls.push('close');
      }
    }
    const h = await new ReduceHarness(new OpenClose()).open();
    h.processElement(1, 0);
    h.processElement(1, 0);
    await h.close();
    assert.deepEqual(calls, ['open', 'reduce', 'close']);
    assert.deepEqual(h.records(), [record(1, 0), record(2, 0)]);
  });

  test('the running value per key is keyed state: a restored operator goes on from the snapshot', async () => {
    const h = await new ReduceHarness(add).open();
    h.processElement(1, 1);
    h.processElement(1, 2);
    h.processElement(5, 3);
    const snap = h.snapshot();
    h.processElement(1, 4); // after the snapshot: not in it
    const r = await new ReduceHarness(add, { restore: snap }).open();
    r.processElement(1, 5);
    r.processElement(5, 6);
    r.processElement(7, 7);
    assert.deepEqual(r.output, [record(3, 5), record(10, 6), record(7, 7)]);
  });
});
