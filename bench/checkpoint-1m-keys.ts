/**
 * Checkpoint of 1M keys of keyed state at parallelism 1, taken while records keep flowing:
 * end-to-end duration, size, the longest processing pause it caused, the time to restore it, and
 * a savepoint of the same state.
 * Baselines in the same run: encoding + writing the same entries with no engine around them, and
 * the longest gap between records with no checkpoint running.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CheckpointCoordinator,
  CompletedCheckpointStore,
  FsCheckpointStorage,
  assignState,
  loadSnapshot,
  realSchedule,
  type CheckpointStatsListener,
} from '../src/checkpoint/index.js';
import { compilePipeline } from '../src/cluster/compile-pipeline.js';
import {
  DataGeneratorSource,
  JobExecutionResult,
  KeyedProcessFunction,
  type Pipeline,
  setContextExecutor,
  StreamExecutionEnvironment,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../src/index.js';
import { JobExecution } from '../src/runtime/index.js';
import { pack } from '../src/util/binary-codec.js';
import { systemClock } from '../src/util/clock.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 1_000_000);

/** Gaps between consecutive records, to see pauses from the outside. */
const gaps = { last: 0, max: 0, processed: 0 };

class Count extends KeyedProcessFunction<number, number, never> {
  private count!: ValueState<number>;
  override open(): void {
    this.count = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(): void {
    this.count.update(this.count.value()! + 1);
    const now = performance.now();
    if (gaps.last > 0) gaps.max = Math.max(gaps.max, now - gaps.last);
    gaps.last = now;
    gaps.processed++;
  }
}

function capturePipeline(): Pipeline {
  let captured: Pipeline | undefined;
  setContextExecutor({
    execute: async (p) => {
      captured = p;
      return new JobExecutionResult('bench', p.jobName, 0);
    },
  });
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env
    .fromSource(new DataGeneratorSource((i) => i, Infinity), WatermarkStrategy.noWatermarks(), 'events').uid('events')
    .keyBy((i) => i % KEYS)
    .process(new Count()).uid('count')
    .addSink(() => {}).uid('sink');
  void env.execute('checkpoint bench');
  setContextExecutor(undefined);
  return captured!;
}

async function waitFor(cond: () => boolean): Promise<void> {
  while (!cond()) await sleep(20);
}

export async function checkpointBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'flink-bench-ckpt-'));
  try {
    const jobGraph = compilePipeline(capturePipeline());
    const storage = new FsCheckpointStorage(dir, 'bench');
    let maxPauseMs = 0;
    const stats: CheckpointStatsListener = {
      triggered: () => {},
      completed: (_c, s) => {
        maxPauseMs = s.maxPauseMs;
      },
      failed: (_id, _k, reason) => console.log(`  checkpoint failed: ${reason}`),
    };
    let coordinator: CheckpointCoordinator | undefined;
    const execution = new JobExecution({
      jobId: 'bench',
      jobGraph,
      clock: systemClock,
      checkpointing: {
        storage,
        responder: { acknowledge: (a) => coordinator!.acknowledge(a), decline: (id, t, r) => coordinator!.decline(id, t, r) },
      },
    });
    coordinator = new CheckpointCoordinator({
      jobId: 'bench',
      jobName: 'bench',
      settings: { interval: undefined, timeout: 600_000, minPause: 0, maxConcurrent: 1, tolerableFailures: 0, aligned: true },
      clock: systemClock,
      schedule: realSchedule,
      storage,
      store: new CompletedCheckpointStore(5, storage),
      target: execution,
      firstCheckpointId: 1,
      stats,
      onTooManyFailures: () => {},
    });
    const run = execution.run().catch(() => undefined);
    await waitFor(() => gaps.processed >= KEYS * 1.2);
    // Baseline pause: the longest gap between records over a second without a checkpoint.
    gaps.max = 0;
    await sleep(1000);
    const gapWithout = gaps.max;
    gaps.max = 0;
    const t0 = performance.now();
    const completed = await coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' });
    const duration = performance.now() - t0;
    const gapDuring = gaps.max;
    const processedDuring = gaps.processed;
    const t3 = performance.now();
    const savepoint = await coordinator.triggerCheckpoint({ kind: 'SAVEPOINT', savepointDir: join(dir, 'savepoints') });
    const savepointMs = performance.now() - t3;
    execution.cancel();
    await run;

    const t1 = performance.now();
    const snapshot = loadSnapshot(completed.path);
    const assignment = assignState(snapshot, jobGraph, { allowNonRestoredState: false });
    new JobExecution({ jobId: 'bench-restore', jobGraph, clock: systemClock, restore: assignment });
    const restoreMs = performance.now() - t1;

    // Baseline: the same number of entries encoded in one go and written with one call.
    const t2 = performance.now();
    const entries: Array<[number, number]> = [];
    for (let k = 0; k < KEYS; k++) entries.push([k, 1]);
    writeFileSync(join(dir, 'baseline.bin'), pack(entries));
    const baselineMs = performance.now() - t2;

    const mib = completed.stateSize / 1024 / 1024;
    console.log(`\ncheckpoint of ${KEYS / 1e6}M keys at p=1, records flowing (processed ${processedDuring} records so far)`);
    console.log(`  end-to-end duration        ${duration.toFixed(0).padStart(6)} ms   (${(duration / baselineMs).toFixed(2)}x a bare encode+write of the same entries: ${baselineMs.toFixed(0)} ms)`);
    console.log(`  size                       ${mib.toFixed(1).padStart(6)} MiB`);
    console.log(`  longest pause (engine)     ${maxPauseMs.toFixed(1).padStart(6)} ms   (sync cut or one key group encoded on first touch)`);
    console.log(`  longest gap between records during the checkpoint ${gapDuring.toFixed(1)} ms vs ${gapWithout.toFixed(1)} ms without one`);
    console.log(`  restore (read, verify, decode, redistribute, load) ${restoreMs.toFixed(0)} ms`);
    console.log(`  savepoint of the same state  ${savepointMs.toFixed(0)} ms, ${(savepoint.stateSize / 1024 / 1024).toFixed(1)} MiB (self-contained directory)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
