import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataGeneratorSource, StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { jobGraphHash } from '../../src/graph/index.js';
import { capturePipeline } from '../helpers/run-job.js';

/** The graph a job file builds, with `uid` for its map and `p` for its keyed operator. */
async function graphOf(uid: string, p: number, partition: 'key' | 'rebalance' = 'key') {
  const pipeline = capturePipeline((env: StreamExecutionEnvironment) => {
    const s = env.fromSource(new DataGeneratorSource((i: number) => i, 10), WatermarkStrategy.noWatermarks(), 'gen').uid('gen').map((i: number) => i).uid(uid);
    const shuffled = partition === 'key' ? s.keyBy((i: number) => i % 2).reduce((a: number, b: number) => a + b) : s.rebalance().map((i: number) => i);
    shuffled.setParallelism(p).uid('after').print();
  });
  return jobGraphHash(compilePipeline(pipeline));
}

test('the graph hash is the same for the same graph and differs in uids, parallelism and partitioners', async () => {
  const base = await graphOf('m', 2);
  assert.equal(await graphOf('m', 2), base);
  assert.notEqual(await graphOf('m2', 2), base);
  assert.notEqual(await graphOf('m', 3), base);
  assert.notEqual(await graphOf('m', 2, 'rebalance'), base);
});
