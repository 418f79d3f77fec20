import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import {
  DataGeneratorSource,
  KeyedProcessFunction,
  type ValueState,
  ValueStateDescriptor,
  WatermarkStrategy,
} from '../../src/index.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { capturePipeline } from '../helpers/run-job.js';
import type { JobGraph } from '../../src/graph/index.js';
import { JobExecution, SOURCE_SPLITS_STATE, type TaskAcknowledgement } from '../../src/runtime/index.js';
import { KeyGroupRange, decodeKeyGroupBlock, decodeStateFile } from '../../src/state/index.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { ManualClock } from '../../src/util/clock.js';
import { JobCancelledError } from '../../src/util/errors.js';

/*
 * EXACTLY_ONCE (aligned barriers) versus AT_LEAST_ONCE (barriers only counted) at a task with two
 * inputs of different speeds: a fast unbounded source and a slow rate-limited one, unioned and
 * keyed to one key whose state counts the records of each source.
 *
 * Determinism. The job runs on a ManualClock, so the slow source (200 records/s) emits exactly
 * when the test advances the clock. The scheduler steps tasks in a fixed order, one input batch
 * per step, round robin over channels. Before the checkpoint the test lets the slow source emit
 * a record 32 times: each time the keyed task spends a step on the slow channel, the fast source
 * gets one batch ahead, so the fast channel fills up to its capacity (backpressure). When the
 * checkpoint is triggered both sources put their barrier behind what they already emitted:
 *   slow channel: [barrier]                    fast channel: [16 batches…, barrier]
 * and right after, the test advances the clock by 1 s, so the slow source emits 200 more records
 * (behind its barrier). The slow barrier therefore arrives first, and the fast one ~16 steps later:
 *  - aligned: the slow channel is blocked after its barrier; its 200 post-barrier records wait
 *    until the snapshot is taken at the fast barrier → the snapshot is exactly the cut.
 *  - unaligned: the slow channel keeps flowing; its 200 post-barrier records are counted before
 *    the fast barrier arrives → the snapshot holds 200 records that the restored slow source
 *    (position = its barrier) will emit again: duplicates.
 * Note it is the input whose barrier arrives *first* (here the slow, non-backpressured one) whose
 * post-barrier records leak into an unaligned snapshot; the backpressured fast input's barrier
 * arrives last, and the snapshot is taken right then, so its count always equals its position.
 */

const POST_BARRIER_SLOW_RECORDS = 200;

type Rec = { src: 'fast' | 'slow'; i: number };

class CountPerSource extends KeyedProcessFunction<string, Rec, never> {
  private fast!: ValueState<number>;
  private slow!: ValueState<number>;
  override open(): void {
    this.fast = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('fast', 0));
    this.slow = this.getRuntimeContext().getState(new ValueStateDescriptor<number>('slow', 0));
  }
  processElement(r: Rec): void {
    const s = r.src === 'fast' ? this.fast : this.slow;
    s.update(s.value()! + 1);
  }
}

function jobGraph(): JobGraph {
  const pipeline = capturePipeline((env) => {
    const fast = env
      .fromSource(new DataGeneratorSource<Rec>((i) => ({ src: 'fast', i }), Infinity), WatermarkStrategy.noWatermarks(), 'fast')
      .uid('fast');
    const slow = env
      .fromSource(new DataGeneratorSource<Rec>((i) => ({ src: 'slow', i }), Infinity, { recordsPerSecond: 200 }), WatermarkStrategy.noWatermarks(), 'slow')
      .uid('slow');
    fast
      .union(slow)
      .keyBy(() => 'all')
      .process(new CountPerSource())
      .uid('count')
      .addSink(() => {});
  }, 'alignment');
  return compilePipeline(pipeline, { parallelism: 1 });
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

/** Runs the job, takes checkpoint 1 as described above, and returns what it snapshotted. */
async function snapshotCounts(aligned: boolean): Promise<{ fastPos: number; slowPos: number; fast: number; slow: number }> {
  const clock = new ManualClock(1_000_000);
  const storage = new MemoryStorage();
  const acks: TaskAcknowledgement[] = [];
  const declines: string[] = [];
  const execution = new JobExecution({
    jobId: 'alignment',
    jobGraph: jobGraph(),
    clock,
    checkpointing: { storage, responder: { acknowledge: (a) => acks.push(a), decline: (_id, _t, reason) => declines.push(reason) } },
  });
  assert.equal(execution.taskCount, 3);
  const run = execution.run();
  const ended = run.then(
    () => 'finished',
    (err: unknown) => (err instanceof JobCancelledError ? 'cancelled' : err),
  );
  try {
    // Let the slow source emit one record at a time, so the fast channel fills up (see above).
    for (let k = 0; k < 32; k++) {
      clock.advance(5);
      await sleep(2);
    }
    // Trigger (retrying until the tasks are open), then let the slow source go on behind its barrier.
    await until(() => {
      try {
        execution.triggerCheckpoint(1, clock.now(), { isSavepoint: false, aligned });
        return true;
      } catch {
        return false;
      }
    }, 'the job to run');
    clock.advance((POST_BARRIER_SLOW_RECORDS * 1000) / 200);
    await until(() => acks.length === 3 || declines.length > 0, 'every task to acknowledge checkpoint 1');
    assert.deepEqual(declines, []);
  } finally {
    execution.cancel();
    assert.equal(await ended, 'cancelled');
  }

  const state = (uid: string, subtask = 0) => {
    const h = acks.flatMap((a) => a.handles).find((x) => x.uid === uid && x.subtask === subtask);
    assert.ok(h, `a state handle of '${uid}'`);
    const keyGroupRange = h.keyGroupRange ? KeyGroupRange.forSubtask(h.maxParallelism, h.parallelism, subtask) : undefined;
    return decodeStateFile(storage.read(1, h.file), { file: h.file, uid, subtask, keyGroupRange });
  };
  const position = (uid: string): number => {
    const splits = state(uid).lists.get(SOURCE_SPLITS_STATE)!.values as Array<{ next: number; end: number; stride: number }>;
    assert.equal(splits.length, 1);
    return splits[0]!.next;
  };
  const counts = state('count');
  assert.equal(counts.keyGroups.length, 1, 'one key, one key group');
  const byState = decodeKeyGroupBlock(counts.keyGroups[0]!).puts as Record<string, Array<[unknown, number]>>;
  assert.deepEqual(Object.keys(byState).sort(), ['fast', 'slow']);
  assert.equal(byState.fast![0]![0], 'all');
  return { fastPos: position('fast'), slowPos: position('slow'), fast: byState.fast![0]![1], slow: byState.slow![0]![1] };
}

describe('barrier alignment with a fast and a slow input', () => {
  test('EXACTLY_ONCE (aligned): the keyed counts are exactly what each source emitted before its barrier', async () => {
    const s = await snapshotCounts(true);
    assert.ok(s.fastPos > 10_000, `the fast source got ahead (${s.fastPos})`);
    assert.ok(s.slowPos >= 1, `the slow source emitted (${s.slowPos})`);
    assert.equal(s.fast, s.fastPos, 'fast: count == source position');
    assert.equal(s.slow, s.slowPos, 'slow: count == source position (its post-barrier records waited)');
  });

  test('AT_LEAST_ONCE (unaligned): records after the first barrier are in the snapshot and would be replayed', async () => {
    const s = await snapshotCounts(false);
    assert.ok(s.fastPos > 10_000, `the fast source got ahead (${s.fastPos})`);
    assert.equal(s.fast, s.fastPos, 'fast: its barrier arrived last, so the snapshot was taken right at it');
    assert.ok(s.slow > s.slowPos, `slow: count ${s.slow} exceeds position ${s.slowPos}`);
    assert.equal(s.slow - s.slowPos, POST_BARRIER_SLOW_RECORDS, 'exactly the post-barrier slow records would be duplicated after a restore');
  });
});
