import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Collector, KeyedProcessFunction, type KeyedProcessContext, type ValueState, ValueStateDescriptor } from '../../src/index.js';
import { collectInto, runJob } from '../helpers/run-job.js';

class Count extends KeyedProcessFunction<string, string, [string, number]> {
  private n!: ValueState<number>;
  override open(): void {
    this.n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n', 0));
  }
  processElement(w: string, _ctx: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const n = this.n.value()! + 1;
    this.n.update(n);
    out.collect([w, n]);
  }
}

async function finalCounts(parallelism: number): Promise<Map<string, number>> {
  const out: Array<[string, number]> = [];
  await runJob(
    (env) => {
      env
        .fromSequence(0, 99_999)
        .map((i) => `k${(i * 7919) % 1013}`)
        .keyBy((w) => w)
        .process(new Count())
        .addSink(collectInto(out));
    },
    { parallelism },
  );
  const finals = new Map<string, number>();
  for (const [k, n] of out) finals.set(k, Math.max(finals.get(k) ?? 0, n));
  assert.equal(out.length, 100_000);
  return finals;
}

test('a keyed job gives the same result at parallelism 1 and 4', async () => {
  const p1 = await finalCounts(1);
  const p4 = await finalCounts(4);
  assert.equal(p1.size, 1013);
  assert.deepEqual([...p4.entries()].sort(), [...p1.entries()].sort());
});
