import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {
  type JobMetricsSnapshot,
  type JobPlan,
  METRIC_HISTORY_MS,
  MIGRATIONS,
  MetadataStore,
  SCHEMA_VERSION,
  sampleOf,
} from '../../src/metadata/index.js';
import { migrate } from '../../src/metadata/migrations.js';
import { ManualClock } from '../../src/util/clock.js';
import { JobNotFoundError } from '../../src/util/errors.js';
import { type JobId, newJobId } from '../../src/util/ids.js';
import { freshDbPaths, userVersionOf } from './db-files.js';

const freshPath = freshDbPaths('flink-metrics-table-');

function withJob(): { store: MetadataStore; jobId: JobId } {
  const store = MetadataStore.open(freshPath(), { clock: new ManualClock(1_000) });
  const jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts' });
  return { store, jobId };
}

const plan = (jobId: string): JobPlan => ({
  jid: jobId,
  name: 'j',
  type: 'STREAMING',
  nodes: [
    { id: 'a'.repeat(32), parallelism: 1, maxParallelism: 128, operator: 'Source: s', operator_strategy: '', description: 'Source: s', optimizer_properties: {}, operators: [{ id: 'a'.repeat(32), uid: 's', name: 'Source: s', sink: false }] },
  ],
});

function snapshot(time: number, inRate: number): JobMetricsSnapshot {
  return {
    time,
    job: { uptime: 5, numRestarts: 0, totalNumberOfCheckpoints: 0, numberOfInProgressCheckpoints: 0, numberOfCompletedCheckpoints: 0, numberOfFailedCheckpoints: 0 },
    tasks: [
      {
        vertexId: 'a'.repeat(32),
        subtask: 0,
        attempt: 0,
        source: true,
        numRecordsIn: 10,
        numRecordsOut: 10,
        numRecordsInPerSecond: inRate,
        numRecordsOutPerSecond: inRate,
        isBackPressured: false,
        backPressuredTimeMsPerSecond: 0,
        operators: [],
      },
    ],
  };
}

describe('schema version 4', () => {
  it('upgrades a version-1 database in place, keeping its rows (jobs from before have no plan)', () => {
    const file = freshPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const raw = new BetterSqlite3(file);
    migrate(raw, file, MIGRATIONS.filter((m) => m.version === 1));
    raw.prepare(`INSERT INTO jobs (job_id, name, job_file, status, start_time) VALUES (?, 'old', '/old.ts', 'FINISHED', 5)`).run('b'.repeat(32));
    raw.close();
    const store = MetadataStore.open(file);
    const old = 'b'.repeat(32) as JobId;
    assert.equal(store.getJob(old)?.name, 'old');
    assert.equal(store.getPlan(old), undefined);
    assert.equal(store.latestMetrics(old), undefined);
    store.close();
    assert.equal(userVersionOf(file), SCHEMA_VERSION);
  });
});

describe('plans and metrics', () => {
  it('keeps the plan a job records', () => {
    const { store, jobId } = withJob();
    store.recordPlan(jobId, plan(jobId));
    assert.deepEqual(store.getPlan(jobId), plan(jobId));
    store.close();
  });

  it('refuses a plan or metrics for a job it does not know', () => {
    const { store } = withJob();
    const other = newJobId();
    assert.throws(() => store.recordPlan(other, plan(other)), JobNotFoundError);
    assert.throws(() => store.reportMetrics(other, snapshot(1, 1), sampleOf(snapshot(1, 1))), JobNotFoundError);
    store.close();
  });

  it('keeps the latest snapshot and a history pruned to the window', () => {
    const { store, jobId } = withJob();
    const t0 = 1_000_000;
    const times = [t0, t0 + 1000, t0 + METRIC_HISTORY_MS, t0 + METRIC_HISTORY_MS + 1500];
    times.forEach((t, i) => store.reportMetrics(jobId, snapshot(t, i * 100), sampleOf(snapshot(t, i * 100))));
    assert.equal(store.latestMetrics(jobId)?.time, times[3]);
    assert.equal(store.latestMetrics(jobId)?.tasks[0]?.numRecordsInPerSecond, 300);
    // The first two are older than the window before the last sample: pruned.
    assert.deepEqual(store.metricHistory(jobId).map((s) => s.time), [times[2], times[3]]);
    assert.deepEqual(store.metricHistory(jobId, times[3]).map((s) => s.recordsInPerSecond), [300]);
    store.close();
  });

  it("trims an ended job's history to its newest samples", () => {
    const { store, jobId } = withJob();
    for (let t = 1; t <= 10; t++) store.reportMetrics(jobId, snapshot(t * 1000, t), sampleOf(snapshot(t * 1000, t)));
    store.trimMetricHistory(jobId, 3);
    assert.deepEqual(store.metricHistory(jobId).map((s) => s.time), [8000, 9000, 10_000]);
    store.trimMetricHistory(jobId, 3);
    assert.equal(store.metricHistory(jobId).length, 3, 'trimming again keeps them');
    assert.equal(store.latestMetrics(jobId)?.time, 10_000, 'the latest values stay');
    store.close();
  });

  it('counts checkpoints by status (a discarded completed one still counts as completed)', () => {
    const { store, jobId } = withJob();
    for (const id of [1, 2, 3, 4]) store.insertCheckpoint({ jobId, checkpointId: id, kind: 'CHECKPOINT', triggerTime: id });
    store.completeCheckpoint(jobId, 1, 'CHECKPOINT', { path: '/c/1' });
    store.completeCheckpoint(jobId, 2, 'CHECKPOINT', { path: '/c/2' });
    store.disposeCheckpointByPath('/c/1');
    store.updateCheckpoint(jobId, 3, 'CHECKPOINT', { status: 'FAILED', failureReason: 'x' });
    assert.deepEqual(store.checkpointCounts(jobId), { total: 4, inProgress: 1, completed: 2, failed: 1 });
    assert.deepEqual(store.checkpointCounts(newJobId()), { total: 0, inProgress: 0, completed: 0, failed: 0 });
    store.close();
  });
});

describe('sampleOf', () => {
  it('sums rates per vertex, counts sources in and sinks out, takes the lowest watermark and the worst back pressure', () => {
    const base = snapshot(7, 0);
    const task = base.tasks[0]!;
    const s = sampleOf({
      ...base,
      tasks: [
        { ...task, numRecordsOutPerSecond: 40, numRecordsInPerSecond: 40 },
        { ...task, subtask: 1, numRecordsOutPerSecond: 60, numRecordsInPerSecond: 60 },
        {
          ...task,
          vertexId: 'c'.repeat(32),
          source: false,
          numRecordsInPerSecond: 100,
          numRecordsOutPerSecond: 0,
          backPressuredTimeMsPerSecond: 300,
          currentInputWatermark: 50,
          operators: [{ operatorId: 'd', name: 'sink', numRecordsIn: 1, numRecordsOut: 0, numRecordsInPerSecond: 99, numRecordsOutPerSecond: 0, sink: true }],
        },
        { ...task, vertexId: 'c'.repeat(32), subtask: 1, source: false, backPressuredTimeMsPerSecond: 700, currentInputWatermark: 20, operators: [] },
      ],
    });
    assert.equal(s.recordsInPerSecond, 100);
    assert.equal(s.recordsOutPerSecond, 99);
    assert.deepEqual(s.vertices['a'.repeat(32)], { numRecordsInPerSecond: 100, numRecordsOutPerSecond: 100, backPressuredTimeMsPerSecond: 0 });
    assert.equal(s.vertices['c'.repeat(32)]?.backPressuredTimeMsPerSecond, 700);
    assert.equal(s.vertices['c'.repeat(32)]?.currentInputWatermark, 20);
  });
});
