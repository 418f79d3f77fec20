/**
 * A job's tracker that finds, at its last status change, that another process declared the job
 * lost (its epoch superseded) writes nothing more of its own: the job's record, events included,
 * belongs to whoever fenced it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobTracker } from '../../src/cluster/job-tracker.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
import { tempDir } from '../helpers/run-job.js';

test('a job that fails after it was declared lost records no failure of its own', () => {
  const home = tempDir('flink-job-tracker-fenced-');
  const store = MetadataStore.open(join(home.path, 'flink.db'));
  try {
    const jobId = newJobId();
    const tracker = new JobTracker(
      store,
      { jobId, name: 'j', jobFile: 'j.ts', args: [], parallelism: 1, config: {}, restoredFrom: null },
      systemClock,
      { heartbeatIntervalMs: 250, heartbeatTimeoutMs: 2_000 },
    );
    const fence = tracker.start();
    assert.ok(store.markLost(jobId));
    const before = store.listEvents(jobId).length;
    tracker.finish({ status: 'FAILED', cause: 'a failure seen on waking' });
    assert.ok(fence.fenced, 'the status move found the job taken');
    assert.deepEqual(store.listEvents(jobId).slice(before), [], 'no event written after the declaration');
    const job = store.getJob(jobId)!;
    assert.deepEqual([job.status, job.failureCause], ['FAILED', 'job process lost']);
  } finally {
    store.close();
    home.cleanup();
  }
});
