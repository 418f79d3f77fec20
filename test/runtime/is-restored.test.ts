/**
 * `FunctionInitializationContext.isRestored()` as Flink's RestoreStreamTaskTest defines it: true on
 * every subtask of an operator the snapshot holds state of — also one whose share is empty after
 * scaling up, and one with keyed state only — and false for an operator the snapshot does not know.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import {
  type CheckpointedFunction,
  type Collector,
  type FunctionInitializationContext,
  KeyedProcessFunction,
  type KeyedProcessContext,
  RichMapFunction,
} from '../../src/index.js';
import { JobExecution } from '../../src/runtime/index.js';
import type { OperatorRestoreState } from '../../src/state/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { capturePipeline } from '../helpers/run-job.js';

test("isRestored() is true on every subtask of an operator the snapshot has state of, an empty share or keyed state only, and false for a new uid", async () => {
  const seen: string[] = [];
  const record = (uid: string, ctx: FunctionInitializationContext, subtask: number) => seen.push(`${uid}/${subtask}=${ctx.isRestored()}`);
  class Counted extends KeyedProcessFunction<number, number, number> implements CheckpointedFunction {
    initializeState(ctx: FunctionInitializationContext): void {
      record('counted', ctx, this.getRuntimeContext().getIndexOfThisSubtask());
    }
    snapshotState(): void {}
    processElement(v: number, _ctx: KeyedProcessContext<number>, out: Collector<number>): void {
      out.collect(v);
    }
  }
  class Fresh extends RichMapFunction<number, number> implements CheckpointedFunction {
    initializeState(ctx: FunctionInitializationContext): void {
      record('fresh', ctx, this.getRuntimeContext().getIndexOfThisSubtask());
    }
    snapshotState(): void {}
    map(v: number): number {
      return v;
    }
  }
  const pipeline = capturePipeline((env) => {
    env.fromElements(1, 2, 3).uid('src').keyBy((v) => v).process(new Counted()).uid('counted').map(new Fresh()).uid('fresh').addSink(() => {});
  });
  const jobGraph = compilePipeline(pipeline, { parallelism: 3 });
  // The snapshot held keyed state of 'counted' (none of its key groups fall to these subtasks, as
  // after scaling up past the keys it had) and nothing of 'fresh'.
  const keyedOnly: OperatorRestoreState = { kinds: {}, lists: new Map(), keyGroups: [], legacyTimers: [] };
  const restore = (uid: string): OperatorRestoreState | undefined => (uid === 'counted' ? keyedOnly : undefined);
  await new JobExecution({ jobId: 'restored', jobGraph, clock: new ManualClock(0), restore }).run();
  assert.deepEqual(seen.sort(), ['counted/0=true', 'counted/1=true', 'counted/2=true', 'fresh/0=false', 'fresh/1=false', 'fresh/2=false']);
});
