/*
 * Fencing at the checkpoint's two commit points, in a job's checkpointing with real storage on
 * disk: publishing `_metadata` (the rename) and telling the tasks that a checkpoint completed
 * (which commits the sinks) each check the job's fence right before, so a process that was
 * declared lost publishes nothing and commits nothing. The fence is scripted — it refuses the
 * actions a test names, as a process declared lost at that moment would see — and the job's
 * execution is a stand-in whose single task acknowledges each checkpoint at once.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { JobCheckpointing, fencedWriteSteps } from '../../src/cluster/job-checkpointing.js';
import { type CommitFence, JobFencedError } from '../../src/cluster/job-fence.js';
import { nodeWriteSteps } from '../../src/checkpoint/index.js';
import { Configuration } from '../../src/config/index.js';
import type { JobExecution } from '../../src/runtime/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

/** A fence that refuses every action matching `refuse` (and records, in order, what it was asked). */
class ScriptedFence implements CommitFence {
  readonly checked: string[] = [];
  refuse: RegExp | undefined;
  fenced = false;

  check(action: string): void {
    this.checked.push(action);
    if (this.refuse?.test(action)) {
      this.fenced = true;
      throw new JobFencedError('job', `declared lost before it would ${action}`);
    }
  }
}

let home: { path: string; cleanup: () => void };
beforeEach(() => {
  home = tempDir('flink-job-checkpointing-');
});
afterEach(() => home.cleanup());

/** A job's checkpointing over one task that acknowledges every checkpoint with no state. */
function setup() {
  const jobId = newJobId();
  const fence = new ScriptedFence();
  const log: string[] = [];
  const notified: number[] = [];
  const config = new Configuration(home.path).with('execution.checkpointing.dir', join(home.path, 'checkpoints'));
  const checkpointing = new JobCheckpointing({ jobId, jobName: 'j', config, clock: new ManualClock(1_000), metadata: undefined, firstCheckpointId: 1, log: (l) => log.push(l), fence });
  const execution = {
    taskCount: 1,
    triggerCheckpoint: (checkpointId: number) => {
      queueMicrotask(() => checkpointing.responder.acknowledge({ checkpointId, taskIndex: 0, handles: [], syncMs: 0, asyncMs: 0, alignmentMs: 0, maxPauseMs: 0 }));
    },
    notifyCheckpointComplete: (checkpointId: number) => notified.push(checkpointId),
    abortCheckpoint: () => {},
    fail: (err: unknown) => assert.fail(`the job failed: ${String(err)}`),
  } as unknown as JobExecution;
  checkpointing.start(execution);
  const published = (id: number) => existsSync(join(home.path, 'checkpoints', jobId, `chk-${id}`, '_metadata'));
  return { fence, log, notified, checkpointing, published };
}

describe('a job’s checkpointing checks its fence before each commit point', () => {
  test('owning the job: the checkpoint is published, then the tasks are told (each right after its check)', async () => {
    const { fence, notified, checkpointing, published } = setup();
    const c = await checkpointing.checkpoint(false);
    assert.equal(c.checkpointId, 1);
    assert.ok(published(1));
    assert.deepEqual(notified, [1]);
    assert.deepEqual(fence.checked, ['publish a checkpoint', 'commit checkpoint 1']);
    await checkpointing.stop(undefined);
  });

  test('declared lost before the publish: no _metadata, and no sink is told to commit', async () => {
    const { fence, notified, checkpointing, published } = setup();
    fence.refuse = /publish/;
    await assert.rejects(checkpointing.checkpoint(false));
    assert.equal(published(1), false, 'a fenced process must not publish a checkpoint its successor could restore');
    assert.deepEqual(notified, []);
    await checkpointing.stop(undefined);
  });

  test('declared lost between the publish and the commit: the checkpoint stays, but no sink is told to commit', async () => {
    const { fence, log, notified, checkpointing, published } = setup();
    fence.refuse = /^commit checkpoint/;
    await checkpointing.checkpoint(false);
    assert.ok(published(1), 'published before the fence was lost: its successor restores from it and commits it');
    assert.deepEqual(notified, [], 'a process declared lost must not commit its sinks');
    assert.match(log.join('\n'), /Not allowed to commit checkpoint 1: Job job is no longer owned by this process/);
    await checkpointing.stop(undefined);
  });

  test('the publishing rename is done before its call returns, right after the check: no queue where a frozen process could hold it', () => {
    const fence = new ScriptedFence();
    const steps = fencedWriteSteps(nodeWriteSteps, fence);
    const from = join(home.path, '.metadata.tmp');
    const to = join(home.path, '_metadata');
    writeFileSync(from, 'x');
    // Not awaited: a rename on libuv's thread pool would not have happened yet; a process frozen
    // while it waited there published on waking, after it was declared lost.
    const done = steps.rename(from, to);
    assert.ok(existsSync(to) && !existsSync(from), 'renamed synchronously');
    assert.deepEqual(fence.checked, ['publish a checkpoint']);
    fence.refuse = /publish/;
    writeFileSync(from, 'y');
    return Promise.all([done, assert.rejects(steps.rename(from, to), JobFencedError)]).then(() => assert.ok(existsSync(from), 'a refused publish renames nothing'));
  });
});

describe('retention’s deletions through the fenced steps', () => {
  test('a file removal is done before its call returns, right after the check: no queue where a frozen process could hold it', () => {
    const fence = new ScriptedFence();
    const steps = fencedWriteSteps(nodeWriteSteps, fence);
    const metadata = join(home.path, '_metadata');
    writeFileSync(metadata, 'x');
    // Not awaited: an unlink on libuv's thread pool would not have happened yet; a process frozen
    // while it waited there deleted a retained checkpoint's _metadata after it was declared lost.
    const done = steps.remove(metadata);
    assert.ok(!existsSync(metadata), 'removed synchronously');
    assert.deepEqual(fence.checked, ['delete checkpoint files']);
    const again = steps.remove(metadata); // a missing file is fine
    fence.refuse = /delete/;
    writeFileSync(metadata, 'y');
    return Promise.all([done, again, assert.rejects(steps.remove(metadata), JobFencedError)]).then(() => assert.ok(existsSync(metadata), 'a refused removal removes nothing'));
  });
});
