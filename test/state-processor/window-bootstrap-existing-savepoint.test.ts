/**
 * Bootstrapped windows in a savepoint made from a job's (`SavepointWriter.fromExistingSavepoint`):
 * a window operator's open windows replaced by bootstrapped ones (`removeOperator(uid)`, then
 * `withOperator(uid, …window…)`), the other operators' state kept as the job wrote it; a pending
 * window bootstrap dropped again by `removeOperator`; and the operator's windows given to
 * another uid while the old uid gets bootstrapped ones. Restored into the job at another
 * parallelism, each window operator fires what its savepoint state holds, with the job's records.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DataStream } from '../../src/api/index.js';
import { readSnapshotMetadata } from '../../src/checkpoint/index.js';
import {
  type Collector,
  Duration,
  OperatorTransformation,
  SavepointWriter,
  type StreamExecutionEnvironment,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from '../../src/index.js';
import { runJob } from '../helpers/run-job.js';
import { tempRoot as tempRootIn } from '../helpers/temp-root.js';
import { restoreAndRun } from './restore-and-run.js';
import { punctuatedWatermarks, snapshotOf } from './snapshot-of.js';

const tempRoot = (): string => tempRootIn('sp-window-existing-');

interface Rec {
  readonly v: number;
  readonly ts: number;
}

const tumbling = () => TumblingEventTimeWindows.of(Duration.ofMillis(10));
const sum = (a: number, b: number): number => a + b;

/** The job: values keyed by parity, summed in 10 ms tumbling windows by the window operators `uids`, each line prefixed with its uid. */
function windows(input: DataStream<Rec>, uids: readonly string[], out: (line: string) => void = () => {}): void {
  const keyed = input.assignTimestampsAndWatermarks(punctuatedWatermarks<Rec>()).map((r) => r.v).keyBy((v) => v % 2);
  for (const uid of uids) {
    keyed
      .window(tumbling())
      .reduce(sum, (key: number, w: TimeWindow, sums: Iterable<number>, o: Collector<string>) => o.collect(`${uid} ${key} [${w.start},${w.end}) ${[...sums]}`))
      .uid(uid)
      .addSink(out);
  }
}

/** Records of the job's first run: 1..6 at times 0..5, all in [0, 10): key 0 holds 2 + 4 + 6, key 1 holds 1 + 3 + 5. */
const FIRST: readonly Rec[] = [1, 2, 3, 4, 5, 6].map((v) => ({ v, ts: v - 1 }));

/** Bootstrapped windows of the job's window: 100 (key 0) at time 2, 7 (key 1) at time 15. */
function bootstrapped(env: StreamExecutionEnvironment) {
  const input = env.fromData<Rec>({ v: 100, ts: 2 }, { v: 7, ts: 15 }).assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks<Rec>().withTimestampAssigner((r) => r.ts));
  return OperatorTransformation.bootstrapWith(input.map((r) => r.v)).keyBy((v) => v % 2).window(tumbling()).reduce(sum);
}

/** `writer(fromExistingSavepoint(env, sp))`, written by a job at parallelism 3; returns its path. */
async function rewrite(sp: string, writer: (w: SavepointWriter, env: StreamExecutionEnvironment) => SavepointWriter): Promise<string> {
  const path = join(tempRoot(), 'sp');
  await runJob((env) => writer(SavepointWriter.fromExistingSavepoint(env, sp), env).write(path), { parallelism: 3 });
  return path;
}

/** Restores `sp` into the job with window operators `uids` at parallelism 2, which reads 1000 at time 7 (key 0); its lines. */
function restore(sp: string, uids: readonly string[]): Promise<string[]> {
  // The first run's gated source is gone (-n).
  return restoreAndRun(sp, 2, (env, out) => windows(env.fromData<Rec>({ v: 1000, ts: 7 }), uids, out), undefined, { allowNonRestoredState: true });
}

test("a job's savepoint with a window operator's windows replaced by bootstrapped ones, another's kept, restored at another parallelism", async () => {
  const sp = await snapshotOf(FIRST, (_, input) => windows(input, ['w', 'kept']));
  const replaced = await rewrite(sp, (w, env) => w.removeOperator('w').withOperator('w', bootstrapped(env)));
  // The bootstrap's key groups are the savepoint's (its operators' largest max parallelism).
  // (Those with state: the job's stateless maps are recorded too, without state, and kept as they were.)
  const withState = readSnapshotMetadata(replaced).operators.filter((o) => o.subtasks.length > 0);
  assert.deepEqual(withState.map((o) => [o.uid, o.maxParallelism]).sort(), [['gated', 128], ['kept', 128], ['w', 128]]);
  assert.deepEqual(await restore(replaced, ['w', 'kept']), [
    'kept 0 [0,10) 1012',
    'kept 1 [0,10) 9',
    'w 0 [0,10) 1100',
    'w 1 [10,20) 7',
  ]);

  // removeOperator after withOperator drops the pending bootstrap: neither the job's nor the bootstrapped windows are left.
  const dropped = await rewrite(sp, (w, env) => w.removeOperator('w').withOperator('w', bootstrapped(env)).removeOperator('w'));
  assert.deepEqual(await restore(dropped, ['w', 'kept']), ['kept 0 [0,10) 1012', 'kept 1 [0,10) 9', 'w 0 [0,10) 1000']);

  // The job's windows moved to another uid; the old uid gets the bootstrapped ones.
  const moved = await rewrite(sp, (w, env) => w.changeOperatorIdentifier('w', 'w-old').withOperator('w', bootstrapped(env)));
  assert.deepEqual(await restore(moved, ['w', 'w-old']), ['w 0 [0,10) 1100', 'w 1 [10,20) 7', 'w-old 0 [0,10) 1012', 'w-old 1 [0,10) 9']);
});
