/**
 * `JobTracker.restarted` records the restored snapshot and moves the job back to RUNNING as two
 * steps: a failed write of the restore (a store error, which the tracker reports and otherwise
 * ignores) must not leave flink.db saying RESTARTING while the job runs on.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { FileSink } from '../../src/index.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { MetadataError } from '../../src/util/errors.js';
import { capturePipeline, tempDir } from '../helpers/run-job.js';
import { injectFailure, numbersFailingOnRequest, startTrackedJob, until } from '../helpers/tracked-job.js';

test('a restore flink.db cannot record still moves the restarted job back to RUNNING', async () => {
  const home = tempDir('flink-restore-record-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  const out = join(home.path, 'out');
  injectFailure.next = false;
  // The record of the restore fails once (as a write fails on SQLITE_BUSY past the busy timeout).
  let failures = 0;
  store.recordRestored = () => {
    failures++;
    throw new MetadataError('flink.db: database is locked (SQLITE_BUSY).');
  };
  const job = startTrackedJob(
    home,
    store,
    capturePipeline((env) => {
      numbersFailingOnRequest(env).sinkTo(FileSink.forRowFormat<number>(out).build()).uid('files');
    }, 'restored-record'),
  );
  const id = job.master.jobId;
  const stderr = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    String(chunk).includes('cannot update the job') ? true : stderr(chunk, ...rest)) as typeof process.stderr.write;
  try {
    await job.done('checkpoint', { full: false });
    injectFailure.next = true;
    await until(() => job.restarts() === 1 && failures === 1, 'the restart from the checkpoint');
    // The job runs again (records flow), so its record must say RUNNING.
    await sleep(500);
    assert.equal(store.getJob(id)?.status, 'RUNNING', 'the job runs again after its restore, but flink.db still says RESTARTING');
  } finally {
    process.stderr.write = stderr;
    job.master.cancel();
    await job.outcome;
    store.close();
    home.cleanup();
  }
});
