/*
 * A split enumerator hears of completed and of aborted checkpoints, as Flink's SourceCoordinator
 * tells its SplitEnumerator (a CheckpointListener: notifyCheckpointComplete and
 * notifyCheckpointAborted) — on the main thread, and when the readers run on worker threads (the
 * enumerators stay on the main thread: here the workers are stand-ins that only answer the
 * messages a run needs). A throw from the enumerator fails the job, naming the source.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import type { JobGraph, Source, SplitEnumerator } from '../../src/graph/index.js';
import { WatermarkStrategy } from '../../src/index.js';
import { JobExecution, type TaskAcknowledgement } from '../../src/runtime/index.js';
import type { FromWorker, ToWorker } from '../../src/runtime/workers/protocol.js';
import type { TaskSlot, TaskSlotPool } from '../../src/runtime/workers/task-slot-pool.js';
import { WorkerPoolExecution } from '../../src/runtime/workers/worker-pool-execution.js';
import { systemClock } from '../../src/util/clock.js';
import { JobCancelledError } from '../../src/util/errors.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { capturePipeline } from '../helpers/run-job.js';
import { until } from '../helpers/tracked-job.js';

/** A source whose readers wait for ever and whose enumerator notes its start and what it hears (and throws on an abort if asked to). */
function listeningSource(heard: string[], throwOnAbort = false): Source<number, never> {
  const enumerator: SplitEnumerator<never, null> = {
    start: () => void heard.push('start'),
    addReader: () => {},
    handleSplitRequest: () => {},
    snapshotState: () => null,
    notifyCheckpointComplete: (id) => void heard.push(`complete ${id}`),
    notifyCheckpointAborted: (id) => {
      heard.push(`aborted ${id}`);
      if (throwOnAbort) throw new Error(`cannot forget checkpoint ${id}`);
    },
  };
  return {
    getBoundedness: () => 'CONTINUOUS_UNBOUNDED',
    createReader: (ctx) => ({
      addSplits: () => {},
      pollNext: () => 'NOTHING_AVAILABLE',
      nextAvailableTime: () => ctx.clock.now() + 1000,
      snapshotState: () => [],
    }),
    createEnumerator: () => enumerator,
    restoreEnumerator: () => enumerator,
  };
}

function job(source: Source<number, never>, p: number): JobGraph {
  return compilePipeline(
    capturePipeline((env) => {
      env.setParallelism(p);
      env.fromSource(source, WatermarkStrategy.noWatermarks(), 'listening').uid('listening').addSink(() => {});
    }),
  );
}

describe('split enumerators hear of completed and aborted checkpoints', () => {
  test('on the main thread: checkpoint 1 completes, 2 is aborted', async () => {
    const heard: string[] = [];
    const acks: TaskAcknowledgement[] = [];
    const execution = new JobExecution({
      jobId: 'notify',
      jobGraph: job(listeningSource(heard), 1),
      clock: systemClock,
      checkpointing: { storage: new MemoryStorage(), responder: { acknowledge: (a) => acks.push(a), decline: (id, _t, reason) => assert.fail(`checkpoint ${id} declined: ${reason}`) } },
    });
    const run = execution.run();
    try {
      await until(() => heard[0] === 'start', 'the run to start');
      execution.triggerCheckpoint(1, Date.now(), { isSavepoint: false, aligned: true });
      await until(() => acks.length === 1, 'the acknowledgement of checkpoint 1');
      execution.notifyCheckpointComplete(1);
      execution.triggerCheckpoint(2, Date.now(), { isSavepoint: false, aligned: true });
      execution.abortCheckpoint(2);
      assert.deepEqual(heard, ['start', 'complete 1', 'aborted 2']);
    } finally {
      execution.cancel();
    }
    await assert.rejects(run, JobCancelledError);
  });

  test('a throw from notifyCheckpointAborted fails the job in one line naming the source', async () => {
    const heard: string[] = [];
    const execution = new JobExecution({ jobId: 'notify', jobGraph: job(listeningSource(heard, true), 1), clock: systemClock });
    const run = execution.run();
    await until(() => heard[0] === 'start', 'the run to start');
    execution.abortCheckpoint(3);
    // Were the abort not passed on (or its throw dropped), the job would run on: cancelled after 5 s.
    const stop = setTimeout(() => execution.cancel(), 5_000);
    const err = await run.then(() => assert.fail('the job ended'), (e: unknown) => e);
    clearTimeout(stop);
    assert.ok(err instanceof Error && /"Source: listening".*cannot forget checkpoint 3/.test(err.message) && !err.message.includes('\n'), String(err));
    assert.deepEqual(heard, ['start', 'aborted 3']);
  });

  test('with the readers on worker threads: the enumerators on the main thread hear both', async () => {
    const heard: string[] = [];
    // Stand-in workers: each answers a deployment with 'opened', and a cancel with the end of its run.
    const slots = [0, 1].map(() => {
      const slot = {
        exited: false,
        listener: undefined as { message(m: FromWorker): void } | undefined,
        fence: new Int32Array(new SharedArrayBuffer(12)),
        post(m: ToWorker) {
          if (m.t === 'deploy') setImmediate(() => slot.listener?.message({ t: 'opened' }));
          if (m.t === 'cancel') setImmediate(() => slot.listener?.message({ t: 'done' }));
        },
        terminate() {},
      };
      return slot;
    });
    const pool = { size: 2, slot: (s: number) => slots[s] as unknown as TaskSlot, markFenced() {} } as unknown as TaskSlotPool;
    const execution = new WorkerPoolExecution({ pool, jobGraph: job(listeningSource(heard), 2), attemptNumber: 0 });
    const run = execution.run();
    try {
      await until(() => heard[0] === 'start', 'the run to start (every worker opened)');
      execution.notifyCheckpointComplete(1);
      execution.abortCheckpoint(2);
      assert.deepEqual(heard, ['start', 'complete 1', 'aborted 2']);
    } finally {
      execution.cancel();
    }
    await assert.rejects(run, JobCancelledError);
  });
});
