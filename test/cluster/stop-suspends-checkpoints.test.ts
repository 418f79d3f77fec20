/*
 * A stop-with-savepoint suspends periodic checkpoints, as Flink's stop calls
 * stopCheckpointScheduler: a checkpoint triggered while the job stops would hold the state after
 * the sources paused or drained (a drain's early-fired windows and kept timers), and a failure of
 * the stop's savepoint would restart the job from it instead of from its state before the stop.
 * Through a tracked JobMaster in this process, checkpoints every 20 ms, a drain that takes
 * 400 ms (a sink chained to the source, whose end of input settles late): no checkpoint is
 * triggered from the stop on but its savepoint, which waits for the sink's end (also when an
 * asynchronous operator before it held its end back); and a stop whose savepoint fails lets
 * periodic checkpoints go on.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AsyncDataStream, Duration, type Sink, type SinkWriter } from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import type { JobId } from '../../src/util/ids.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { COMMAND_POLL_INTERVAL_MS } from '../../src/cluster/job-tracker.js';
import { numbersFailingOnRequest, startTrackedJob, until } from '../helpers/tracked-job.js';

/** When each writer's end-of-input work settled (epoch ms). */
const endsSettled: number[] = [];

/** A sink whose end of input settles only after `ms`: the drain takes that long. */
function slowToEnd(ms: number): Sink<number> {
  return {
    createWriter(): SinkWriter<number> {
      let ending: Promise<unknown> | undefined;
      return {
        write() {},
        endOfInput() {
          ending = new Promise<void>((r) =>
            setTimeout(() => {
              endsSettled.push(Date.now());
              r();
            }, ms),
          );
        },
        pendingWork: () => {
          const p = ending;
          ending = undefined;
          return p;
        },
        close() {},
      };
    },
  };
}

const pipeline = () => capturePipeline((env) => numbersFailingOnRequest(env).sinkTo(slowToEnd(400)).uid('slow-end'), 'stop-suspends');

/** The same behind an asynchronous operator (chained), whose last answers come 50 ms late: the sink's end follows them. */
const asyncPipeline = () =>
  capturePipeline((env) => {
    const answered = AsyncDataStream.unorderedWait(numbersFailingOnRequest(env), (v: number, result) => void setTimeout(() => result.complete([v]), 50), Duration.ofSeconds(10));
    answered.uid('async').sinkTo(slowToEnd(400)).uid('slow-end');
  }, 'stop-suspends-async');

/** Whether the drain's savepoint `checkpointId` of job `jobId` was triggered once the sink's end of input settled (it ended once). */
function assertSavepointAfterSinkEnd(store: MetadataStore, jobId: JobId, checkpointId: number): void {
  const savepoint = store.listCheckpoints(jobId).find((c) => c.checkpointId === checkpointId)!;
  assert.equal(endsSettled.length, 1, 'the sink ended once');
  assert.ok(savepoint.triggerTime >= endsSettled[0]!, `savepoint triggered ${endsSettled[0]! - savepoint.triggerTime} ms before the sink's end of input settled`);
}

/** A sink whose writer opens once `opened` settles, and logs its life. */
function openingLate(opened: Promise<void>, log: string[]): Sink<number> {
  return {
    createWriter(): SinkWriter<number> {
      let written = 0;
      return {
        open: async () => {
          await opened;
          log.push('opened');
        },
        write: () => void written++,
        endOfInput: () => void log.push(`end of input after ${written > 0 ? 'records' : 'none'}`),
        close() {},
      };
    },
  };
}

/** Runs `body` with a fresh home and its flink.db, removed afterwards. */
async function inHome(body: (home: ReturnType<typeof tempDir>, store: MetadataStore) => Promise<void>): Promise<void> {
  const home = tempDir();
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  try {
    await body(home, store);
  } finally {
    store.close();
    home.cleanup();
  }
}

describe('a stop suspends periodic checkpoints', () => {
  test('stop --drain: from the stop on, no checkpoint is triggered but its savepoint', async () => {
    await inHome(async (home, store) => {
      const job = startTrackedJob(home, store, pipeline(), undefined, { 'execution.checkpointing.interval': '20 ms' });
      await until(() => store.listCheckpoints(job.master.jobId).some((c) => c.status === 'COMPLETED'), 'a periodic checkpoint');
      // The job takes the command up within a poll of flink.db; the drain then lasts 400 ms.
      const stopAt = Date.now() + 2 * COMMAND_POLL_INTERVAL_MS;
      endsSettled.length = 0;
      const sp = await job.done('stop', { drain: true });
      assert.equal(await job.outcome, undefined);
      // As in Flink, the drain's savepoint follows every operator's finish, the sink's flush included.
      assertSavepointAfterSinkEnd(store, job.master.jobId, sp.checkpointId);
      const after = store.listCheckpoints(job.master.jobId).filter((c) => c.triggerTime >= stopAt);
      assert.deepEqual(
        after.map((c) => ({ id: c.checkpointId, kind: c.kind, status: c.status })),
        [{ id: sp.checkpointId, kind: 'SAVEPOINT_TERMINATE', status: 'COMPLETED' }],
      );
    });
  });

  test("stop --drain: the savepoint follows the end of a sink that an asynchronous operator's last answers held back", async () => {
    await inHome(async (home, store) => {
      const job = startTrackedJob(home, store, asyncPipeline());
      await until(() => store.getJob(job.master.jobId)?.status === 'RUNNING', 'the job to run');
      endsSettled.length = 0;
      const sp = await job.done('stop', { drain: true });
      assert.equal(await job.outcome, undefined);
      assertSavepointAfterSinkEnd(store, job.master.jobId, sp.checkpointId);
    });
  });

  test('a second stop while a drain is in progress is refused in one line; the first stops the job', async () => {
    await inHome(async (home, store) => {
      const job = startTrackedJob(home, store, pipeline());
      await until(() => store.getJob(job.master.jobId)?.status === 'RUNNING', 'the job to run');
      endsSettled.length = 0;
      const first = store.submitCommand(job.master.jobId, 'stop', { drain: true });
      // The job took it up: its drain lasts until the sink's end settles (400 ms).
      await until(() => store.getCommand(first)!.status === 'RUNNING', 'the drain to start');
      for (const drain of [true, false]) {
        const second = await job.command('stop', { drain });
        assert.deepEqual([second.status, second.error], ['FAILED', 'A stop with a savepoint is in progress already.']);
      }
      assert.equal(endsSettled.length, 0, 'refused while the first drain went on');
      assert.equal(await job.outcome, undefined);
      const done = store.getCommand(first)!;
      assert.equal(done.status, 'DONE', JSON.stringify(done));
      assertSavepointAfterSinkEnd(store, job.master.jobId, (done.result as { checkpointId: number }).checkpointId);
    });
  });

  test('stop --drain while the tasks still open is refused as not running yet; the job goes on, and its drain ends the opened sink', async () => {
    await inHome(async (home, store) => {
      let open!: () => void;
      const log: string[] = [];
      const job = startTrackedJob(home, store, capturePipeline((env) => numbersFailingOnRequest(env).sinkTo(openingLate(new Promise((r) => (open = r)), log)).uid('late-open'), 'opening'));
      await until(() => store.getJob(job.master.jobId)?.status === 'RUNNING', 'the job to run');
      const early = await job.command('stop', { drain: true });
      assert.deepEqual([early.status, early.error], ['FAILED', 'The job is not running yet: its tasks are still opening.']);
      open();
      await until(() => log.includes('opened'), 'the sink to open');
      await job.done('stop', { drain: true });
      assert.equal(await job.outcome, undefined);
      assert.deepEqual(log, ['opened', 'end of input after records'], 'the drain ends the sink once it opened and wrote');
    });
  });

  test('a stop whose savepoint fails: the job runs on, and so do its periodic checkpoints', async () => {
    const home = tempDir();
    const store = MetadataStore.open(join(home.path, 'flink.db'));
    const unwritable = join(home.path, 'unwritable');
    mkdirSync(unwritable, { mode: 0o500 });
    // Root writes anywhere: the savepoint's target is beneath a file instead.
    const target = process.getuid?.() === 0 ? join(home.path, 'flink.db', 'sp') : unwritable;
    try {
      const job = startTrackedJob(home, store, pipeline(), undefined, { 'execution.checkpointing.interval': '20 ms' });
      await until(() => store.listCheckpoints(job.master.jobId).some((c) => c.status === 'COMPLETED'), 'a periodic checkpoint');
      const stop = await job.command('stop', { drain: false, dir: target });
      assert.equal(stop.status, 'FAILED', JSON.stringify(stop));
      const failedAt = Date.now();
      await until(
        () => store.listCheckpoints(job.master.jobId).some((c) => c.kind === 'CHECKPOINT' && c.status === 'COMPLETED' && c.triggerTime > failedAt),
        'a periodic checkpoint after the failed stop',
      );
      await job.done('stop', { drain: false });
      assert.equal(await job.outcome, undefined);
    } finally {
      chmodSync(unwritable, 0o700);
      store.close();
      home.cleanup();
    }
  });
});
