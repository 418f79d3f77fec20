/**
 * flink web's REST answers compared with Apache Flink's (found by review): a cancel of a
 * cancelled job is acknowledged (202), a job declared lost shows no checkpoint in progress, the
 * status and execution-result endpoints a client polls, ids parsed as Flink parses them (any
 * case; 400 when malformed, 404 when unknown), metric `get` as a set, and fields Flink's 2.x
 * client requires or leaves out — over a flink.db written through MetadataStore and a real
 * in-process server on a free port.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type JobMetricsSnapshot, type JobPlan, MetadataStore, sampleOf } from '../../src/metadata/index.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { jobMetrics } from '../../src/web/rest/job-views.js';
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

const SOURCE = 'a'.repeat(32);
const SINK = 'b'.repeat(32);

function twoVertexPlan(jobId: string): JobPlan {
  const node = (id: string, name: string) => ({ id, parallelism: 1, maxParallelism: 128, operator: name, operator_strategy: '', description: name, optimizer_properties: {}, operators: [{ id, uid: name, name, sink: id === SINK }] });
  return { jid: jobId, name: 'j', type: 'STREAMING', nodes: [node(SOURCE, 'Source: s'), { ...node(SINK, 'Sink: k'), inputs: [{ num: 0, id: SOURCE, ship_strategy: 'FORWARD', exchange: 'pipelined_bounded' }] }] };
}

function report(time: number): JobMetricsSnapshot {
  const task = (vertexId: string) => ({ vertexId, subtask: 0, attempt: 0, source: vertexId === SOURCE, numRecordsIn: 7, numRecordsOut: 7, numRecordsInPerSecond: 1, numRecordsOutPerSecond: 1, isBackPressured: false, backPressuredTimeMsPerSecond: 0, operators: [] });
  return {
    time,
    job: { uptime: 1234, numRestarts: 0, totalNumberOfCheckpoints: 0, numberOfInProgressCheckpoints: 0, numberOfCompletedCheckpoints: 0, numberOfFailedCheckpoints: 0 },
    tasks: [task(SOURCE), task(SINK)],
  };
}

// One server over jobs in each state, shared by the cases below (each only reads, but for a
// recorded failure event written before the server starts).
describe('endpoints a Flink client polls, and ids as Flink parses them', () => {
  let f: Awaited<ReturnType<typeof fixture>>;
  let running: JobId;
  let silent: JobId;
  let finished: JobId;
  let canceled: JobId;
  let failed: JobId;
  before(async () => {
    f = await fixture();
    running = f.newJob('running');
    f.store.recordPlan(running, twoVertexPlan(running));
    f.store.reportMetrics(running, report(Date.now()), sampleOf(report(Date.now())));
    f.store.recordEvent({ jobId: running, kind: 'restart', cause: 'boom', attempt: 1 });
    silent = f.newJob('no metrics yet');
    finished = f.newJob('finished');
    f.store.transitionJob(finished, 'FINISHED');
    canceled = f.newJob('canceled');
    f.store.transitionJob(canceled, 'CANCELLING');
    f.store.transitionJob(canceled, 'CANCELED');
    failed = f.newJob('failed');
    assert.equal(f.store.markLost(failed, 'the job process is gone'), true);
  });
  after(() => f.close());

  // Flink's JobStatusHandler (GET /jobs/:jobid/status): the client's getJobStatus.
  test('GET /jobs/:jobid/status is {"status": <JobStatus>}; a job id in upper case is the same job', async () => {
    assert.deepEqual((await f.call('GET', `/jobs/${running}/status`)).json, { status: 'RUNNING' });
    assert.deepEqual((await f.call('GET', `/jobs/${canceled}/status`)).json, { status: 'CANCELED' });
    const upper = await f.call('GET', `/jobs/${running.toUpperCase()}`);
    assert.equal(upper.status, 200, JSON.stringify(upper.json));
    assert.equal(upper.json.jid, running);
    assert.equal((await f.call('GET', '/jobs/nothex/status')).status, 400);
    assert.equal((await f.call('GET', `/jobs/${'0'.repeat(32)}/status`)).status, 404);
  });

  // Flink's JobExecutionResultHandler: IN_PROGRESS until the job is globally terminal, then its JobResult.
  test('GET /jobs/:jobid/execution-result: IN_PROGRESS while running, then the JobResult of the ended job', async () => {
    assert.deepEqual((await f.call('GET', `/jobs/${running}/execution-result`)).json, { status: { id: 'IN_PROGRESS' }, 'job-execution-result': null });
    const done = (await f.call('GET', `/jobs/${finished}/execution-result`)).json;
    const job = f.store.getJob(finished)!;
    assert.deepEqual(done, {
      status: { id: 'COMPLETED' },
      'job-execution-result': { id: finished, 'application-status': 'SUCCEEDED', 'accumulator-results': {}, 'net-runtime': job.endTime! - job.startTime },
    });
    assert.equal((await f.call('GET', `/jobs/${canceled}/execution-result`)).json['job-execution-result']['application-status'], 'CANCELED');
    const lost = (await f.call('GET', `/jobs/${failed}/execution-result`)).json['job-execution-result'];
    assert.equal(lost['application-status'], 'FAILED');
    assert.match(lost['failure-cause']['stack-trace'], /the job process is gone/);
  });

  // Flink parses path ids (JobVertexID, checkpoint id, TriggerId) before the handler runs: a
  // malformed one is a 400, a well-formed unknown one a 404 (for every vertex endpoint).
  test('a malformed vertex, checkpoint or trigger id is a 400, an unknown vertex a 404, an upper-case vertex id the vertex', async () => {
    for (const p of [`/jobs/${running}/vertices/xyz`, `/jobs/${running}/vertices/xyz/watermarks`, `/jobs/${running}/checkpoints/details/abc`, `/jobs/${running}/savepoints/abc`]) {
      const r = await f.call('GET', p);
      assert.equal(r.status, 400, `${p}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.errors.length, 1);
    }
    for (const tail of ['', '/metrics', '/backpressure', '/watermarks']) {
      const r = await f.call('GET', `/jobs/${running}/vertices/${'c'.repeat(32)}${tail}`);
      assert.equal(r.status, 404, `vertices/<unknown>${tail}: ${JSON.stringify(r.json)}`);
    }
    const wm = await f.call('GET', `/jobs/${running}/vertices/${SINK.toUpperCase()}/watermarks`);
    assert.deepEqual(wm.json, [{ id: '0.currentInputWatermark', value: '-9223372036854775808' }]);
  });

  // Flink's AbstractMetricsHandler: no metric store for the job yet is [], and `get` is a set.
  test('job metrics: none before the first report, even without get; an id asked twice is answered once', async () => {
    assert.deepEqual((await f.call('GET', `/jobs/${silent}/metrics`)).json, []);
    assert.deepEqual((await f.call('GET', `/jobs/${running}/metrics?get=uptime,uptime`)).json, [{ id: 'uptime', value: '1234' }]);
    assert.deepEqual((await f.call('GET', `/jobs/${running}/vertices/${SOURCE}/metrics?get=0.numRecordsOut,0.numRecordsOut`)).json, [{ id: '0.numRecordsOut', value: '7' }]);
  });

  // Flink's CheckpointStatsTracker gauges: scripts read the latest checkpoint's path and id from
  // the job's metrics, "n/a" and -1 before the first completed one.
  test('job metrics: lastCheckpointExternalPath and lastCompletedCheckpointId, as Flink answers them', async () => {
    const get = ['lastCheckpointExternalPath', 'lastCompletedCheckpointId'];
    assert.deepEqual((await f.call('GET', `/jobs/${running}/metrics?get=${get.join(',')}`)).json, [
      { id: 'lastCheckpointExternalPath', value: 'n/a' },
      { id: 'lastCompletedCheckpointId', value: '-1' },
    ]);
    const job = { ...report(1).job, lastCheckpointId: 7, lastCheckpointExternalPath: '/cp/chk-7' };
    assert.deepEqual(jobMetrics({ time: 1, job, tasks: [] }, get), [
      { id: 'lastCheckpointExternalPath', value: '/cp/chk-7' },
      { id: 'lastCompletedCheckpointId', value: '7' },
    ]);
  });

  // Flink 2.x's JobDetailsInfo requires each vertex's slotSharingGroupId and writes pending-operators;
  // its ExceptionInfo leaves out (NON_NULL) the task fields it does not know.
  test("job details carry Flink 2.x's slotSharingGroupId and pending-operators; exception entries leave out unknown task fields", async () => {
    const details = (await f.call('GET', `/jobs/${running}`)).json;
    const groups = details.vertices.map((v: { slotSharingGroupId: string }) => v.slotSharingGroupId);
    assert.equal(groups.length, 2);
    assert.match(groups[0], /^[0-9a-f]{32}$/);
    assert.equal(groups[1], groups[0], 'every vertex is in the one default group');
    assert.equal(details['pending-operators'], 0);
    const [entry] = (await f.call('GET', `/jobs/${running}/exceptions`)).json.exceptionHistory.entries;
    assert.equal(entry.exceptionName, 'boom');
    for (const k of ['taskName', 'endpoint', 'taskManagerId', 'location']) assert.equal(k in entry, false, `${k} in ${JSON.stringify(entry)}`);
  });
});
