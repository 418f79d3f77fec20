import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobMetricsSnapshot, JobPlan, JobRecord } from '../../src/metadata/index.js';
import { prometheusText } from '../../src/web/prometheus.js';

const jobId = '0123456789abcdef0123456789abcdef';
const vertex = 'a'.repeat(32);
const job = { jobId, name: 'my job', pid: 42, status: 'RUNNING' } as unknown as JobRecord;
const plan: JobPlan = {
  jid: jobId,
  name: 'my job',
  type: 'STREAMING',
  nodes: [{ id: vertex, parallelism: 1, maxParallelism: 128, operator: 'Source: nums -> Map', operator_strategy: '', description: '', optimizer_properties: {}, operators: [] }],
};
const metrics: JobMetricsSnapshot = {
  time: 1,
  job: { uptime: 1500, numRestarts: 2, totalNumberOfCheckpoints: 3, numberOfInProgressCheckpoints: 0, numberOfCompletedCheckpoints: 3, numberOfFailedCheckpoints: 0 },
  tasks: [
    {
      vertexId: vertex,
      subtask: 0,
      attempt: 2,
      source: true,
      numRecordsIn: 10,
      numRecordsOut: 7,
      numRecordsInPerSecond: 2.5,
      numRecordsOutPerSecond: 1,
      isBackPressured: true,
      backPressuredTimeMsPerSecond: 250,
      operators: [
        { operatorId: 'b'.repeat(32), name: 'Map', numRecordsIn: 10, numRecordsOut: 7, numRecordsInPerSecond: 2.5, numRecordsOutPerSecond: 1, currentInputWatermark: 1234, sink: false, user: { seen: 42, 'cache.hitRate': 0.5, 'cache.state': 'warm', ready: true, latency: { count: 9, min: 1, max: 9, mean: 5, median: 5, stddev: 2.7, p75: 7.5, p90: 9, p95: 9, p98: 9, p99: 9, p999: 9 } } },
      ],
    },
  ],
};

const text = prometheusText([{ job, plan, metrics }], 'box-1');
const lines = text.trimEnd().split('\n');

function sample(name: string): { labels: Record<string, string>; value: string } {
  const line = lines.find((l) => l.startsWith(`${name}{`));
  assert.ok(line, `no sample of ${name}`);
  const m = /^[^{]+\{(.*)\} (\S+)$/.exec(line)!;
  const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
  return { labels, value: m[2]! };
}

test("Flink's names: flink_<scope>_<metric>, a HELP and a gauge TYPE per family", () => {
  assert.ok(lines.includes('# HELP flink_jobmanager_job_numRestarts numRestarts (scope: jobmanager_job)'));
  assert.ok(lines.includes('# TYPE flink_jobmanager_job_numRestarts gauge'));
  assert.equal(sample('flink_jobmanager_job_numRestarts').value, '2');
  assert.equal(sample('flink_jobmanager_job_uptime').value, '1500');
  assert.equal(sample('flink_taskmanager_job_task_numRecordsOut').value, '7');
  assert.equal(sample('flink_taskmanager_job_task_isBackPressured').value, '1');
  assert.equal(sample('flink_taskmanager_job_task_backPressuredTimeMsPerSecond').value, '250');
  assert.equal(sample('flink_taskmanager_job_task_operator_numRecordsInPerSecond').value, '2.5');
  assert.equal(sample('flink_taskmanager_job_task_operator_currentInputWatermark').value, '1234');
});

test('before the first checkpoint the last-checkpoint gauges read -1, and a missing watermark Long.MIN_VALUE, as in Flink', () => {
  assert.equal(sample('flink_jobmanager_job_lastCheckpointDuration').value, '-1');
  assert.equal(sample('flink_jobmanager_job_lastCheckpointSize').value, '-1');
  assert.equal(sample('flink_taskmanager_job_task_currentInputWatermark').value, '-9223372036854775808');
});

test("labels are Flink's variables, values filtered to [a-zA-Z0-9:_] as its reporter does", () => {
  assert.deepEqual(sample('flink_jobmanager_job_uptime').labels, { host: 'box_1', job_id: jobId, job_name: 'my_job' });
  const op = sample('flink_taskmanager_job_task_operator_numRecordsIn').labels;
  assert.equal(op['task_name'], 'Source:_nums____Map');
  assert.equal(op['task_id'], vertex);
  assert.equal(op['subtask_index'], '0');
  assert.equal(op['task_attempt_num'], '2');
  assert.equal(op['operator_name'], 'Map');
  assert.equal(op['operator_id'], 'b'.repeat(32));
});

test('every sample line of a family follows its HELP and TYPE (Prometheus rejects interleaved families)', () => {
  const seen = new Set<string>();
  let current = '';
  for (const l of lines) {
    if (l.startsWith('# HELP ')) {
      current = l.split(' ')[2]!;
      assert.ok(!seen.has(current), `${current} appears twice`);
      seen.add(current);
    } else if (!l.startsWith('#')) assert.ok(l.startsWith(`${current}{`) || l.startsWith(`${current}_count{`), `${l} outside its family`);
  }
});

test("user metrics of an operator, named by their groups, with the operator's labels; a string gauge reads 0 (as Flink's reporter has it)", () => {
  const seen = sample('flink_taskmanager_job_task_operator_seen');
  assert.equal(seen.value, '42');
  assert.equal(seen.labels.operator_name, 'Map');
  assert.equal(seen.labels.subtask_index, '0');
  assert.equal(sample('flink_taskmanager_job_task_operator_cache_hitRate').value, '0.5');
  assert.equal(sample('flink_taskmanager_job_task_operator_ready').value, '1');
  assert.equal(sample('flink_taskmanager_job_task_operator_cache_state').value, '0');
});

test("a user histogram is a summary, as Flink's reporter writes one: its count, then quantiles 0.5 … 0.999", () => {
  assert.ok(lines.includes('# TYPE flink_taskmanager_job_task_operator_latency summary'));
  assert.equal(sample('flink_taskmanager_job_task_operator_latency_count').value, '9');
  const quantiles = lines.filter((l) => l.startsWith('flink_taskmanager_job_task_operator_latency{')).map((l) => [/quantile="([^"]+)"/.exec(l)![1], l.split(' ').at(-1)]);
  assert.deepEqual(quantiles, [['0.5', '5'], ['0.75', '7.5'], ['0.95', '9'], ['0.98', '9'], ['0.99', '9'], ['0.999', '9']]);
});
