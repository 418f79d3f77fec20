/*
 * A split enumerator hears of completed and of aborted checkpoints, as Flink's SourceCoordinator
 * tells its SplitEnumerator (a CheckpointListener: notifyCheckpointComplete and
 * notifyCheckpointAborted) — on the main thread, and when the readers run on worker threads (the
 * enumerators stay on the main thread: here the workers are stand-ins that only answer the
 * messages a run needs). A throw from the enumerator fails the job, naming the source.
 *
 * And for real: checkpoints aborted by the CheckpointCoordinator itself (one times out, one is
 * declined by a subtask whose state has no encoding) reach the enumerator of a job run by an
 * in-process JobMaster, on the main thread and on two worker threads (the e2e fixture
 * enumerator-hears-aborts.ts; workers import it themselves, as under `flink run`).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import { MetadataStore } from '../../src/metadata/index.js';
import type { JobGraph, Source, SplitEnumerator } from '../../src/graph/index.js';
import { WatermarkStrategy } from '../../src/index.js';
import { JobExecution, type TaskAcknowledgement } from '../../src/runtime/index.js';
import type { FromWorker, ToWorker } from '../../src/runtime/workers/protocol.js';
import type { TaskSlot, TaskSlotPool } from '../../src/runtime/workers/task-slot-pool.js';
import { WorkerPoolExecution } from '../../src/runtime/workers/worker-pool-execution.js';
import { systemClock } from '../../src/util/clock.js';
import { JobCancelledError } from '../../src/util/errors.js';
import { runJobFileUnderJobMaster } from '../helpers/job-file-under-job-master.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
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
    const execution = new WorkerPoolExecution({ pool: standInPool(), jobGraph: job(listeningSource(heard), 2), attemptNumber: 0 });
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

  test('on worker threads, a trigger before every worker opened is held, and says so until it is sent or aborted', async () => {
    const heard: string[] = [];
    const opening = { held: true };
    const execution = new WorkerPoolExecution({ pool: standInPool(opening), jobGraph: job(listeningSource(heard), 2), attemptNumber: 0 });
    const run = execution.run();
    try {
      execution.triggerCheckpoint(1, Date.now(), { isSavepoint: false, aligned: true });
      execution.triggerCheckpoint(2, Date.now(), { isSavepoint: false, aligned: true });
      assert.deepEqual([execution.isTriggerHeld(1), execution.isTriggerHeld(2)], [true, true]);
      execution.abortCheckpoint(1);
      assert.equal(execution.isTriggerHeld(1), false);
      opening.held = false;
      await until(() => heard.includes('start'), 'the run to start (every worker opened)');
      assert.equal(execution.isTriggerHeld(2), false, 'sent once the workers opened');
      assert.deepEqual(heard, ['aborted 1', 'start']);
    } finally {
      opening.held = false;
      execution.cancel();
    }
    await assert.rejects(run, JobCancelledError);
  });
});

/**
 * Stand-in workers for two slots: each answers a deployment with 'opened' (once `opening.held`
 * is false), and a cancel with the end of its run.
 */
function standInPool(opening: { held: boolean } = { held: false }): TaskSlotPool {
  const slots = [0, 1].map(() => {
    const slot = {
      exited: false,
      listener: undefined as { message(m: FromWorker): void } | undefined,
      fence: new Int32Array(new SharedArrayBuffer(12)),
      post(m: ToWorker) {
        if (m.t === 'deploy') {
          const open = () => (opening.held ? setTimeout(open, 5) : slot.listener?.message({ t: 'opened' }));
          setImmediate(open);
        }
        if (m.t === 'cancel') setImmediate(() => slot.listener?.message({ t: 'done' }));
      },
      terminate() {},
    };
    return slot;
  });
  return { size: 2, slot: (s: number) => slots[s] as unknown as TaskSlot, markFenced() {} } as unknown as TaskSlotPool;
}

const ABORTS_JOB = join(import.meta.dirname, '..', 'e2e', 'fixtures', 'enumerator-hears-aborts.ts');

/**
 * Runs the fixture at -p 2 under a tracked JobMaster in a temporary home (checkpoints every
 * 100 ms, timing out after 300 ms; the map's second snapshot sleeps 400 ms); `slots` 2 = the
 * subtasks on two worker threads. Returns what the enumerator heard and the checkpoints flink.db
 * recorded.
 */
async function runAborting(slots: 1 | 2) {
  const home = tempDir('flink-enum-abort-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  const log = join(home.path, 'heard');
  try {
    const [master] = await runJobFileUnderJobMaster({
      file: ABORTS_JOB,
      copy: join(home.path, 'job.ts'),
      args: [log, '400'],
      home: home.path,
      parallelism: 2,
      slots,
      settings: {
        'execution.checkpointing.interval': '100 ms',
        'execution.checkpointing.timeout': '300 ms',
        // The two failed on purpose (and any a loaded machine lets time out) must not fail the job.
        'execution.checkpointing.tolerable-failed-checkpoints': 100,
        'restart-strategy.type': 'none',
      },
      store,
      // Were no completion heard, the job would run on: cancelled after 20 s.
      cancelAfterMs: 20_000,
    });
    const heard = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    return { heard, checkpoints: store.listCheckpoints(master!.jobId) };
  } finally {
    store.close();
    home.cleanup();
  }
}

describe('split enumerators hear of checkpoints the coordinator aborts', () => {
  for (const slots of [1, 2] as const) {
    const where = slots === 2 ? 'on two worker threads' : 'on the main thread';
    test(`${where}: a declined and an expired checkpoint are heard as aborted, by id; a later one completes`, { timeout: 30_000 }, async () => {
      const { heard, checkpoints } = await runAborting(slots);
      const ids = (what: string) => heard.filter((l) => l.startsWith(`${what} `)).map((l) => Number(l.slice(what.length + 1)));
      const failed = checkpoints.filter((c) => c.status === 'FAILED').sort((a, b) => a.checkpointId - b.checkpointId);
      const declined = failed.find((c) => /declined.*symbol/i.test(c.failureReason ?? ''));
      const expired = failed.find((c) => c.checkpointId > (declined?.checkpointId ?? Infinity) && /expired/i.test(c.failureReason ?? ''));
      assert.ok(declined && expired, `a checkpoint declined, a later one expired: ${JSON.stringify(failed.map((c) => [c.checkpointId, c.failureReason]))}`);
      // Every checkpoint the coordinator failed was heard as aborted, once, and nothing else was.
      assert.deepEqual(ids('aborted'), failed.map((c) => c.checkpointId), heard.join(', '));
      const completed = new Set(checkpoints.filter((c) => c.status === 'COMPLETED').map((c) => c.checkpointId));
      const heardComplete = ids('complete');
      assert.ok(heardComplete.every((id) => completed.has(id)), heard.join(', '));
      assert.ok(heardComplete.some((id) => id > expired.checkpointId), `a checkpoint after the expired one completed: ${heard.join(', ')}`);
    });
  }
});
