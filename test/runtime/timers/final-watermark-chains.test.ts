/*
 * The final-watermark rule (SPEC, README "Where this differs from Flink") for a chain of timers
 * with nothing pending after it: a keyed function that releases one buffered element per second
 * of event time, re-arming its timer while its buffer is not empty. Flink's advanceWatermark
 * would fire the whole chain at the end of input; here it fires once more and what that firing
 * registers is dropped — and the README's way around it (release the rest when the watermark is
 * the maximum) drains everything. (From a review that found the first case losing records.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Collector, KeyedProcessFunction, type KeyedProcessContext, ListStateDescriptor, type ListState, type OnTimerContext, WatermarkStrategy } from '../../../src/index.js';
import { MAX_TIMESTAMP } from '../../../src/util/time.js';
import { collectInto, runJob } from '../../helpers/run-job.js';

class OnePerSecond extends KeyedProcessFunction<string, number, string> {
  private buffer!: ListState<number>;
  constructor(private readonly drainAtEnd: boolean) {
    super();
  }
  override open(): void {
    this.buffer = this.getRuntimeContext().getListState(new ListStateDescriptor<number>('buffer'));
  }
  processElement(v: number, ctx: KeyedProcessContext<string>): void {
    const empty = this.buffer.get().length === 0;
    this.buffer.add(v);
    if (empty) ctx.timerService().registerEventTimeTimer(ctx.timestamp()! + 1000);
  }
  override onTimer(t: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
    const [first, ...rest] = this.buffer.get();
    if (first === undefined) return;
    out.collect(`${first}@${t}`);
    if (this.drainAtEnd && ctx.timerService().currentWatermark() === MAX_TIMESTAMP) {
      for (const v of rest) out.collect(`${v}@end`);
      this.buffer.clear();
      return;
    }
    this.buffer.update(rest);
    if (rest.length > 0) ctx.timerService().registerEventTimeTimer(t + 1000);
  }
}

async function released(drainAtEnd: boolean): Promise<string[]> {
  const out: string[] = [];
  await runJob((env) => {
    env
      .fromElements(1, 2, 3, 4, 5, 6)
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner(() => 0))
      .keyBy(() => 'k')
      .process(new OnePerSecond(drainAtEnd))
      .addSink(collectInto(out));
  });
  return out;
}

describe('a chain of timers with nothing pending after it, at the end of input', () => {
  test('fires once more, and what that firing registers is dropped (Flink would fire all six)', async () => {
    assert.deepEqual(await released(false), ['1@1000', '2@2000']);
  });

  test('a function that releases the rest when the watermark is the maximum loses nothing', async () => {
    assert.deepEqual(await released(true), ['1@1000', '2@end', '3@end', '4@end', '5@end', '6@end']);
  });
});
