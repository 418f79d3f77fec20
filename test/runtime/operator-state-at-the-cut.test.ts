/*
 * Operator state is checkpointed as it was at the barrier, through the engine's real checkpoint
 * path (a running job, the coordinator, state files, a restore from the checkpoint): a list
 * element and a broadcast value that the function reads through the state and changes in place
 * right after the barrier, while the asynchronous part has not encoded them yet, are restored as
 * they were at the barrier — as Flink's copy of operator state at the synchronous part gives; and
 * so is an element of a small list the function keeps in a field and changes without reading the
 * state (a small state is encoded at the cut).
 *
 * Why the change always falls between the cut and the encoding: the job's loop processes records
 * for a slice before it gives the asynchronous part its first 2 ms; the list's function is chained
 * to an endless source, so records follow the barrier at once; the broadcast operator is not, so
 * its state is made large (its changed value last), needing more than one asynchronous slice.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CompletedCheckpointStore, FsCheckpointStorage } from '../../src/checkpoint/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  type BroadcastContext,
  type BroadcastReadOnlyContext,
  BroadcastProcessFunction,
  type CheckpointedFunction,
  type Collector,
  DataGeneratorSource,
  type FunctionInitializationContext,
  type FunctionSnapshotContext,
  type ListState,
  ListStateDescriptor,
  MapStateDescriptor,
  RichMapFunction,
  RichSinkFunction,
  type StreamExecutionEnvironment,
  WatermarkStrategy,
} from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import { systemClock } from '../../src/util/clock.js';
import { capturePipeline } from '../helpers/run-job.js';
import { tempRoot } from '../helpers/temp-root.js';
import { restoreAndRun } from '../state-processor/restore-and-run.js';
import { manualCoordinator } from '../state-processor/snapshot-of.js';

/** Runs the endless job `build` makes, takes one checkpoint once `ready()`, cancels; returns the checkpoint's path. */
async function checkpointOf(build: (env: StreamExecutionEnvironment) => void, ready: () => boolean): Promise<string> {
  const root = tempRoot('opstate-cut-');
  const jobId = 'c0ffee00c0ffee00c0ffee00c0ffee00';
  const jobGraph = compilePipeline(capturePipeline(build), { parallelism: 1 });
  const storage = new FsCheckpointStorage(join(root, 'checkpoints'), jobId);
  let execution!: JobExecution;
  const coordinator = manualCoordinator(jobId, storage, new CompletedCheckpointStore(2, storage), systemClock, () => execution);
  execution = new JobExecution({ jobId, jobGraph, clock: systemClock, checkpointing: { storage, responder: coordinator }, autoWatermarkIntervalMs: 0 });
  const done = execution.run();
  try {
    while (!ready()) await new Promise((r) => setTimeout(r, 2));
    return (await coordinator.triggerCheckpoint({ kind: 'CHECKPOINT' })).path;
  } finally {
    await coordinator.shutdown();
    execution.cancel();
    await done.catch(() => undefined);
  }
}

const endless = (env: StreamExecutionEnvironment) => env.fromSource(new DataGeneratorSource((i) => i, Infinity), WatermarkStrategy.noWatermarks(), 'endless').uid('endless');

for (const held of [false, true]) {
  test(`a list element changed in place right after the barrier is restored as it was at the barrier (${held ? 'held in a field since before the barrier' : 'read through the state'})`, async () => {
    type Tally = { seen: number };
    const atBarrier = new Map<number, number>();
    let processed = 0;
    class Tallying extends RichMapFunction<number, number> implements CheckpointedFunction {
      private tallies!: ListState<Tally>;
      private tally: Tally = { seen: 0 };
      initializeState(ctx: FunctionInitializationContext): void {
        this.tallies = ctx.getOperatorStateStore().getListState(new ListStateDescriptor<Tally>('tallies'));
        this.tallies.add(this.tally);
      }
      snapshotState(ctx: FunctionSnapshotContext): void {
        atBarrier.set(ctx.getCheckpointId(), this.tallies.get()[0]!.seen);
      }
      map(v: number): number {
        // Changed in place, as a function keeping mutable objects in its list does: read through
        // the state, or kept in a field (a small state is encoded at the cut for this one).
        (held ? this.tally : this.tallies.get()[0]!).seen++;
        processed++;
        return v;
      }
    }
    const path = await checkpointOf((env) => void endless(env).map(new Tallying()).uid('tallying').addSink(() => {}).uid('sink'), () => processed > 100);
    const [id] = [...atBarrier.keys()];
    assert.ok(processed > atBarrier.get(id!)!, 'records were processed after the barrier');

    class Report extends RichMapFunction<number, number> implements CheckpointedFunction {
      constructor(private readonly out: (line: string) => void) {
        super();
      }
      initializeState(ctx: FunctionInitializationContext): void {
        this.out(JSON.stringify(ctx.getOperatorStateStore().getListState(new ListStateDescriptor<Tally>('tallies')).get()));
      }
      snapshotState(): void {}
      map(v: number): number {
        return v;
      }
    }
    const lines = await restoreAndRun(path, 1, (env, out) => void env.fromElements(1).uid('endless').map(new Report(out)).uid('tallying').addSink(() => {}).uid('sink'));
    assert.deepEqual(lines, [JSON.stringify([{ seen: atBarrier.get(id!) }])]);
  });
}

test('a broadcast value changed in place through the read-only side right after the barrier is restored as it was at the barrier', async () => {
  type Rule = { last: number };
  const rules = new MapStateDescriptor<string, Rule>('rules');
  // Enough entries that encoding them takes more than one asynchronous slice; the changed one last.
  const ENTRIES = 40_000;
  let sinkSawAtBarrier = -1;
  let lastSeen = -1;
  class Rules extends BroadcastProcessFunction<number, string, number> {
    processElement(v: number, ctx: BroadcastReadOnlyContext, out: Collector<number>): void {
      const rule = ctx.getBroadcastState(rules).get('changed');
      if (rule === undefined) return;
      rule.last = v;
      out.collect(v);
    }
    processBroadcastElement(_: string, ctx: BroadcastContext): void {
      const state = ctx.getBroadcastState(rules);
      for (let i = 0; i < ENTRIES; i++) state.put(`r${i}`, { last: -1 });
      state.put('changed', { last: -1 });
    }
  }
  // Chained after the broadcast operator and snapshotted before it (tail first): it has seen
  // exactly the records the operator handled before the barrier.
  class LastSeen extends RichSinkFunction<number> implements CheckpointedFunction {
    initializeState(): void {}
    snapshotState(): void {
      sinkSawAtBarrier = lastSeen;
    }
    invoke(v: number): void {
      lastSeen = v;
    }
  }
  const path = await checkpointOf(
    (env) => void endless(env).connect(env.fromElements('load').uid('load').broadcast(rules)).process(new Rules()).uid('rules').addSink(new LastSeen()).uid('sink'),
    () => lastSeen >= 0,
  );
  assert.ok(lastSeen > sinkSawAtBarrier && sinkSawAtBarrier >= 0, 'records were processed after the barrier');

  class Report extends BroadcastProcessFunction<number, string, string> {
    processElement(_: number, ctx: BroadcastReadOnlyContext, out: Collector<string>): void {
      out.collect(JSON.stringify(ctx.getBroadcastState(rules).get('changed')));
    }
    processBroadcastElement(): void {}
  }
  // A new source (the endless one would restore its position, past one element).
  const lines = await restoreAndRun(
    path,
    1,
    (env, out) => void env.fromElements(0).uid('one').connect(env.fromData<string>([]).uid('load').broadcast(rules)).process(new Report()).uid('rules').addSink((l: string) => out(l)).uid('sink'),
    undefined,
    { allowNonRestoredState: true },
  );
  assert.deepEqual(lines, [JSON.stringify({ last: sinkSawAtBarrier })]);
});
