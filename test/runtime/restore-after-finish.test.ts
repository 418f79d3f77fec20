/*
 * A failure after a task's input ended: the restart restores the finished task from a snapshot
 * of its final state and runs its end again. What the failure-free run dropped at the end — the
 * processing-time timers not yet due — must stay dropped: else the restored run emits output the
 * failure-free run never had (Flink restores such operators as finished and runs nothing).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobMaster } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import { type Collector, KeyedProcessFunction, type KeyedProcessContext, RichMapFunction } from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

const emitted: string[] = [];
let closes = 0;

/** Emits each record, and sets a processing-time timer far enough ahead that the input ends first. */
class EchoThenLater extends KeyedProcessFunction<number, number, string> {
  processElement(v: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`record ${v}`);
    ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 200);
  }
  override onTimer(_t: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    out.collect(`timer of key ${String(ctx.getCurrentKey())}`);
  }
}

/** Fails the first run as it closes: after its input ended and the final checkpoint completed. */
class FailFirstClose extends RichMapFunction<string, string> {
  map(v: string): string {
    return v;
  }
  override close(): void {
    if (closes++ === 0) throw new Error('injected: the first run fails as it closes');
  }
}

test('a task restored from a snapshot taken after its input ended fires none of the timers its end dropped', async () => {
  const pipeline = capturePipeline((env) => {
    env.disableOperatorChaining();
    env
      .fromElements(1, 2, 3)
      .uid('numbers')
      .keyBy((v) => v)
      .process(new EchoThenLater())
      .uid('echo')
      .map(new FailFirstClose())
      .uid('fail-first-close')
      .addSink((v: string) => void emitted.push(v))
      .uid('collect');
  }, 'restore-after-finish');
  const home = tempDir('flink-restore-after-finish-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  const config = new Configuration(home.path)
    .with('execution.checkpointing.dir', join(home.path, 'checkpoints'))
    .with('execution.checkpointing.interval', '1 h')
    .with('restart-strategy.type', 'fixed-delay')
    .with('restart-strategy.fixed-delay.attempts', 2)
    // Longer than the timers' delay: in the restored run they would be due at once.
    .with('restart-strategy.fixed-delay.delay', '400 ms');
  const log: string[] = [];
  const master = new JobMaster({
    jobId: newJobId(),
    pipeline,
    configuration: config,
    clock: systemClock,
    tracking: { store, jobFile: '/jobs/restore-after-finish.ts', args: [], log: (l) => log.push(l) },
  });
  try {
    await master.run();
  } finally {
    store.close();
    home.cleanup();
  }
  assert.equal(closes, 2, `the first run failed and a second ran (log: ${log.join(' | ')})`);
  assert.deepEqual([...emitted].sort(), ['record 1', 'record 2', 'record 3']);
});
