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

test('a consumer fed by several producers keeps up with them: its channels do not fill while it can work', async () => {
  // Two sources, a keyBy, two consumers, all on one thread, nothing slow. The scheduler runs a
  // consumer a batch per input channel per sweep; with one batch per sweep, each consumer fell
  // behind by a batch per sweep (two producers feed it) until its channels were full (16
  // batches each), and those records lived long enough to be copied by the GC.
  let produced = 0;
  let consumed = 0;
  let maxInFlight = 0;
  await runJob(
    (env) => {
      env
        .fromSource(
          new DataGeneratorSource((i) => {
            produced++;
            return i;
          }, 400_000),
          WatermarkStrategy.noWatermarks(),
          'two sources',
        )
        .keyBy((i) => i % 64)
        .map((i) => i)
        .addSink(() => {
          consumed++;
          maxInFlight = Math.max(maxInFlight, produced - consumed);
        });
    },
    { parallelism: 2 },
  );
  assert.equal(consumed, 400_000);
  // A source batch from each producer, split over the two consumers, and the consumers' own
  // batches to the sinks: two batches here; full channels would be 4 × 16 half batches (32k).
  assert.ok(maxInFlight <= 4 * 1024, `in flight reached ${maxInFlight}`);
});
