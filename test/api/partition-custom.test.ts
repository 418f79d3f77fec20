/*
 * partitionCustom as Flink's: each record goes to the subtask the partitioner picks for its key
 * (a function or an object with `partition`), an index out of range fails the job in one line,
 * and the plan names the edge CUSTOM.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RichMapFunction } from '../../src/index.js';
import { jobPlanOf } from '../../src/cluster/job-plan.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { capturePipeline, runJob } from '../helpers/run-job.js';

/** Tags each record with the index of the subtask that saw it. */
class Where extends RichMapFunction<number, [number, number]> {
  map(n: number): [number, number] {
    return [n, this.getRuntimeContext().getIndexOfThisSubtask()];
  }
}

describe('partitionCustom', () => {
  for (const [how, partitioner] of [
    ['a function', (key: number, n: number) => key % n],
    ['an object with partition', { partition: (key: number, n: number) => key % n }],
  ] as const) {
    test(`each record reaches the subtask the partitioner picks for its key (${how})`, async () => {
      const seen: [number, number][] = [];
      await runJob(
        (env) => {
          env
            .fromSequence(0, 299)
            .partitionCustom(partitioner, (n) => Math.floor(n / 10))
            .map(new Where())
            .setParallelism(3)
            .addSink((r) => void seen.push(r));
        },
        { parallelism: 2 },
      );
      assert.equal(seen.length, 300);
      for (const [n, subtask] of seen) assert.equal(subtask, Math.floor(n / 10) % 3, `record ${n}`);
    });
  }

  test('an index out of range fails the job, naming the key and the range', async () => {
    await assert.rejects(
      runJob((env) => {
        env
          .fromData(1, 2, 3)
          .partitionCustom((key: number) => key, (n) => n)
          .map((n) => n)
          .setParallelism(2)
          .addSink(() => {});
      }),
      /partitionCustom returned 2 for key 2: it must return a subtask index from 0 to 1/,
    );
  });

  test('an index given as a string is named as one: "returned 1" would read as valid', async () => {
    await assert.rejects(
      runJob((env) => {
        env
          .fromData(1)
          .partitionCustom(() => '1' as unknown as number, (n) => n)
          .map((n) => n)
          .setParallelism(2)
          .addSink(() => {});
      }),
      /partitionCustom returned the string '1' for key 1: it must return a subtask index/,
    );
  });

  test('the plan names the edge CUSTOM, as Flink ships it', () => {
    const pipeline = capturePipeline((env) => {
      env
        .fromData(1, 2)
        .partitionCustom((k: number, n) => k % n, (x) => x)
        .map((x) => x)
        .addSink(() => {});
    });
    const plan = jobPlanOf('job', compilePipeline(pipeline, { parallelism: 2 }));
    const strategies = plan.nodes.flatMap((n) => (n.inputs ?? []).map((i) => i.ship_strategy));
    assert.ok(strategies.includes('CUSTOM'), JSON.stringify(strategies));
  });
});
