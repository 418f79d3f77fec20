/**
 * flink web's REST answers compared with Apache Flink's (found by review): a cancel of a
 * cancelled job is acknowledged (202), a job declared lost shows no checkpoint in progress —
 * over a flink.db written through MetadataStore and a real in-process server on a free port.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { MetadataStore } from '../../src/metadata/index.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { startWebServer } from '../../src/web/server.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rev-rest-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const TOKEN = 'ab'.repeat(32);

async function fixture() {
  const store = MetadataStore.open(path.join(tmp, `home-${n++}`, 'flink.db'));
  const web = await startWebServer({ store, token: TOKEN, host: '127.0.0.1', port: 0, reconcile: async (jobs) => [...jobs], version: 'rev' });
  const base = web.url.replace(/\/$/, '');
  const call = async (method: string, p: string) => {
    const res = await fetch(`${base}${p}`, { method, headers: { Authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const newJob = (name: string): JobId => {
    const jobId = newJobId();
    store.createJob({ jobId, name, jobFile: '/j.ts', status: 'CREATED', config: { 'execution.checkpointing.interval': 1000 } });
    store.transitionJob(jobId, 'RUNNING');
    return jobId;
  };
  return { store, web, call, newJob, close: async () => { await web.close(); store.close(); } };
}

// Flink's Dispatcher.cancelJob: a job already CANCELED is acknowledged (the handler answers 202);
// only a job that ended otherwise gets FlinkJobTerminatedWithoutCancellationException (409).
test('PATCH /jobs/:jobid?mode=cancel on a job that is already CANCELED answers 202, as Flink does', async () => {
  const f = await fixture();
  try {
    const canceled = f.newJob('canceled');
    f.store.transitionJob(canceled, 'CANCELLING');
    f.store.transitionJob(canceled, 'CANCELED');
    const finished = f.newJob('finished');
    f.store.transitionJob(finished, 'FINISHED');
    // Holds: a FINISHED job is a conflict in Flink too.
    assert.equal((await f.call('PATCH', `/jobs/${finished}?mode=cancel`)).status, 409);
    const again = await f.call('PATCH', `/jobs/${canceled}?mode=cancel`);
    assert.equal(again.status, 202, `cancelling a CANCELED job again: ${JSON.stringify(again.json)}`);
  } finally {
    await f.close();
  }
});

// Flink aborts every pending checkpoint when a job reaches a terminal state, so a FAILED job's
// CheckpointingStatistics never has in-progress checkpoints.
test('a job whose process was lost mid-checkpoint (FAILED) shows no checkpoint IN_PROGRESS', async () => {
  const f = await fixture();
  try {
    const jobId = f.newJob('lost');
    f.store.insertCheckpoint({ jobId, checkpointId: 1, kind: 'CHECKPOINT', triggerTime: Date.now() - 1000 });
    f.store.completeCheckpoint(jobId, 1, 'CHECKPOINT', { stateSize: 10, checkpointedSize: 10, path: '/cp/1' });
    f.store.insertCheckpoint({ jobId, checkpointId: 2, kind: 'CHECKPOINT', triggerTime: Date.now() - 500 });
    assert.equal(f.store.markLost(jobId, 'the job process is gone'), true);
    const job = await f.call('GET', `/jobs/${jobId}`);
    assert.equal(job.json.state, 'FAILED');
    const stats = await f.call('GET', `/jobs/${jobId}/checkpoints`);
    assert.equal(stats.json.counts.in_progress, 0, `counts of a FAILED job: ${JSON.stringify(stats.json.counts)}`);
    assert.notEqual(stats.json.history[0].status, 'IN_PROGRESS', 'checkpoint 2 of a FAILED job is still in progress');
  } finally {
    await f.close();
  }
});
