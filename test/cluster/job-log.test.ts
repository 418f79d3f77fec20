/**
 * A job's log (a detached job's log/<jobId>.log) says what was asked of it and what came of it —
 * checkpoints, savepoints and stops with their paths — and which snapshot a run started from, as
 * Flink's JobManager log does: after an incident, that is where an operator looks.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSnapshot } from '../../src/checkpoint/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { numbersFailingOnRequest, startTrackedJob } from '../helpers/tracked-job.js';

test('checkpoints, savepoints, a stop and a restore are in the job log', async () => {
  const home = tempDir('flink-job-log-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  const pipeline = () => capturePipeline((env) => void numbersFailingOnRequest(env).addSink(() => undefined), 'logged');
  try {
    const first = startTrackedJob(home, store, pipeline());
    const id = first.master.jobId;
    const checkpoint = await first.done('checkpoint', { full: false });
    const savepoint = await first.done('savepoint', {});
    const failed = await first.command('savepoint', { dir: '/proc/flink-ts-no-such-dir' });
    assert.equal(failed.status, 'FAILED');
    const stopped = await first.done('stop', {});
    await first.outcome;
    assert.match(first.logs[0]!, new RegExp(`^Starting job logged \\(${id}\\) in process \\d+\\.$`));
    const job = `job logged \\(${id}\\)`;
    const expected = [
      new RegExp(`^Checkpoint of ${job} triggered\\.$`),
      new RegExp(`^Checkpoint of ${job} completed: checkpoint ${checkpoint.checkpointId}, ${checkpoint.path}\\.$`),
      new RegExp(`^Savepoint of ${job} completed: checkpoint ${savepoint.checkpointId}, ${savepoint.path}\\.$`),
      new RegExp(`^Savepoint of ${job} failed: .+`),
      new RegExp(`^Stop with a savepoint of ${job} triggered\\.$`),
      new RegExp(`^Stop with a savepoint of ${job} completed: checkpoint ${stopped.checkpointId}, ${stopped.path}\\.$`),
    ];
    for (const line of expected) assert.ok(first.logs.some((l) => line.test(l)), `no log line ${line} in:\n${first.logs.join('\n')}`);

    const second = startTrackedJob(home, store, pipeline(), { snapshot: loadSnapshot(stopped.path), allowNonRestoredState: false, claimMode: 'no_claim' });
    const { path } = await second.done('checkpoint', { full: false });
    assert.ok(path);
    second.master.cancel();
    await second.outcome;
    assert.match(second.logs[0]!, new RegExp(`^Starting job logged \\(${second.master.jobId}\\) in process \\d+, restored from ${stopped.path}\\.$`));
  } finally {
    store.close();
    home.cleanup();
  }
});
