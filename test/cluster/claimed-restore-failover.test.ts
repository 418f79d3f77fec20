/*
 * A job started from a snapshot with `-n` (its state for operators the job no longer has is
 * dropped) and `--claim-mode claim` (the snapshot becomes one of the job's retained checkpoints):
 * a failure before the job's own first checkpoint restarts it from that snapshot, mapped as the
 * start mapped it — not refused for the operators `-n` dropped.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobMaster } from '../../src/cluster/job-master.js';
import { loadSnapshot } from '../../src/checkpoint/snapshot-loader.js';
import { Configuration } from '../../src/config/index.js';
import { type Collector, KeyedProcessFunction, type KeyedProcessContext, ValueStateDescriptor } from '../../src/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

class Count extends KeyedProcessFunction<number, number, string> {
  processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const n = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('n'));
    n.update((n.value() ?? 0) + 1);
    out.collect(`${v}:${n.value()}`);
  }
}

test('claim with -n: a failure before the first checkpoint of its own restarts from the claimed snapshot as -n mapped it', async () => {
  const home = tempDir('flink-claimed-restore-');
  const config = new Configuration(home.path)
    .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
    .with('execution.checkpointing.interval', '1 h')
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 3)
    .with('restart-strategy.fixed-delay.delay', '10 ms');
  try {
    // A first job leaves its final checkpoint, with keyed state of operator 'counts'.
    const first = capturePipeline((env) => {
      env.fromElements(1, 2, 3).uid('numbers').keyBy((v) => v).process(new Count()).uid('counts').addSink(() => {}).uid('discard');
    }, 'first');
    const firstId = newJobId();
    await new JobMaster({ jobId: firstId, pipeline: first, configuration: config, clock: systemClock }).run();
    const dir = join(home.path, 'checkpoints', firstId);
    const [chk] = readdirSync(dir).filter((n) => n.startsWith('chk-'));
    assert.ok(chk !== undefined, `the first job's final checkpoint: ${readdirSync(dir).join(', ')}`);

    // A second job without 'counts' starts from it with -n and claims it; it fails once, before any checkpoint.
    let failures = 0;
    const out: string[] = [];
    const second = capturePipeline((env) => {
      env
        .fromElements(10, 20, 30)
        .uid('more-numbers')
        .map((v: number) => {
          if (failures++ === 0) throw new Error('injected: a failure before the first checkpoint');
          return v;
        })
        .uid('fail-once')
        .addSink((v: number) => void out.push(String(v)))
        .uid('collect');
    }, 'second');
    await new JobMaster({
      jobId: newJobId(),
      pipeline: second,
      configuration: config,
      clock: systemClock,
      restore: { snapshot: loadSnapshot(join(dir, chk)), allowNonRestoredState: true, claimMode: 'claim' },
    }).run();
    assert.ok(failures >= 2, 'it failed once and ran again');
    assert.deepEqual(out.sort(), ['10', '20', '30']);
  } finally {
    home.cleanup();
  }
});
