/*
 * A failure after a task's input ended: the restart restores the finished task from a snapshot
 * of its final state and runs its end again. What the failure-free run dropped at the end — the
 * timers that could no longer fire — must stay dropped: else the restored run emits output the
 * failure-free run never had (Flink restores such operators as finished and runs nothing).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobMaster } from '../../src/cluster/job-master.js';
import { Configuration } from '../../src/config/index.js';
import { type Collector, type DataStream, KeyedProcessFunction, type KeyedProcessContext, type OnTimerContext, RichMapFunction, type StreamExecutionEnvironment, WatermarkStrategy } from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';

/**
 * Runs `numbers(env) → keyBy → fn` into a list; with `failAfterFinish`, the first run fails as
 * it closes — after its input ended and the final checkpoint completed — and a second run
 * restores from that checkpoint. Returns the lines emitted (sorted) and how many runs closed.
 */
async function run(
  numbers: (env: StreamExecutionEnvironment) => DataStream<number>,
  fn: KeyedProcessFunction<number, number, string>,
  failAfterFinish: boolean,
): Promise<{ lines: string[]; runs: number }> {
  const emitted: string[] = [];
  let closes = 0;
  class FailFirstClose extends RichMapFunction<string, string> {
    map(v: string): string {
      return v;
    }
    override close(): void {
      if (failAfterFinish && closes++ === 0) throw new Error('injected: the first run fails as it closes');
    }
  }
  const pipeline = capturePipeline((env) => {
    env.disableOperatorChaining();
    numbers(env)
      .keyBy((v) => v)
      .process(fn)
      .uid('timers')
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
    // Longer than the timers' delay below: in the restored run they would be due at once.
    .with('restart-strategy.fixed-delay.delay', '400 ms');
  const master = new JobMaster({
    jobId: newJobId(),
    pipeline,
    configuration: config,
    clock: systemClock,
    tracking: { store, jobFile: '/jobs/restore-after-finish.ts', args: [], log: () => undefined },
  });
  try {
    await master.run();
  } finally {
    store.close();
    home.cleanup();
  }
  return { lines: emitted.sort(), runs: failAfterFinish ? closes : 1 };
}

test('processing-time timers not yet due when the input ended do not fire after a restore from the final snapshot', async () => {
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
  const numbers = (env: StreamExecutionEnvironment) => env.fromElements(1, 2, 3).uid('numbers');
  const restored = await run(numbers, new EchoThenLater(), true);
  assert.equal(restored.runs, 2, 'the first run failed and a second ran');
  assert.deepEqual(restored.lines, ['record 1', 'record 2', 'record 3']);
});

test('an event-time timer set after the final watermark does not fire after a restore from the final snapshot', async () => {
  /** Event-time timers at the records' times; each sets a processing-time timer due at once, which sets an event-time timer no watermark will reach. */
  class LateEventTimer extends KeyedProcessFunction<number, number, string> {
    processElement(v: number, ctx: KeyedProcessContext<number>): void {
      ctx.timerService().registerEventTimeTimer(v);
    }
    override onTimer(t: number, ctx: OnTimerContext<number>, out: Collector<string>): void {
      const key = String(ctx.getCurrentKey());
      if (ctx.timeDomain() === 'PROCESSING_TIME') {
        out.collect(`processing-time timer of key ${key}`);
        ctx.timerService().registerEventTimeTimer(5000);
      } else {
        out.collect(`event-time timer of key ${key} at ${t}`);
        if (t < 5000) ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime());
      }
    }
  }
  const numbers = (env: StreamExecutionEnvironment) =>
    env
      .fromElements(1, 2, 3)
      .uid('numbers')
      .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((v) => v))
      .uid('timestamps');
  const clean = await run(numbers, new LateEventTimer(), false);
  assert.deepEqual(clean.lines, [1, 2, 3].flatMap((k) => [`event-time timer of key ${k} at ${k}`, `processing-time timer of key ${k}`]).sort());
  const restored = await run(numbers, new LateEventTimer(), true);
  assert.equal(restored.runs, 2, 'the first run failed and a second ran');
  assert.deepEqual(restored.lines, clean.lines);
});
