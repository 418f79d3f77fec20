import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataGeneratorSource, WatermarkStrategy } from '../../src/index.js';
import { runJob } from '../helpers/run-job.js';

test('a slow sink slows the source: records in flight stay bounded', async () => {
  let produced = 0;
  let consumed = 0;
  let maxInFlight = 0;
  await runJob((env) => {
    env
      .fromSource(
        new DataGeneratorSource((i) => {
          produced++;
          return i;
        }, 200_000),
        WatermarkStrategy.noWatermarks(),
        'fast',
      )
      .keyBy((i) => i % 16)
      .map((i) => i)
      .addSink(async () => {
        consumed++;
        maxInFlight = Math.max(maxInFlight, produced - consumed);
        if (consumed % 1024 === 0) await sleep(1);
      });
  });
  assert.equal(consumed, 200_000);
  // Channel capacity (16 batches of 1024) plus one source batch and one partial batch; without
  // backpressure the source would run ahead by nearly all 200k records.
  assert.ok(maxInFlight <= 16 * 1024 + 3 * 1024, `in flight reached ${maxInFlight}`);
});
