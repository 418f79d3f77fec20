import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobPlanOf, operatorIdOf } from '../../src/cluster/job-plan.js';
import { buildSnapshot } from '../../src/cluster/metrics-snapshot.js';
import { compilePipeline } from '../../src/cluster/compile-pipeline.js';
import type { JobScopeMetrics } from '../../src/metadata/index.js';
import type { TaskMetricsReading } from '../../src/runtime/index.js';
import { capturePipeline } from '../helpers/run-job.js';

const plan = jobPlanOf(
  'f'.repeat(32),
  compilePipeline(
    capturePipeline((env) => {
      env.fromSequence(1, 10).uid('numbers').map((i) => i).uid('plus').keyBy((i) => i % 2).reduce((a, b) => a + b).uid('sum').setParallelism(2).print().uid('out').setParallelism(2);
    }, 'planned'),
    { parallelism: 1 },
  ),
);

test('the plan: one node per chain, Flink-style ids from uids, ship strategies, parallelism and operators', () => {
  assert.equal(plan.name, 'planned');
  assert.equal(plan.nodes.length, 2);
  const [source, sum] = plan.nodes as [(typeof plan.nodes)[0], (typeof plan.nodes)[0]];
  assert.equal(source.id, operatorIdOf('numbers'));
  assert.match(source.id, /^[0-9a-f]{32}$/);
  assert.equal(source.inputs, undefined);
  assert.deepEqual(source.operators.map((o) => o.uid), ['numbers', 'plus']);
  assert.equal(sum.parallelism, 2);
  assert.deepEqual(sum.inputs, [{ num: 0, id: source.id, ship_strategy: 'HASH', exchange: 'pipelined_bounded' }]);
  assert.deepEqual(sum.operators.map((o) => [o.uid, o.sink]), [['sum', false], ['out', true]]);
  assert.equal(sum.operator, sum.operators.map((o) => o.name).join(' -> '));
});

const job: JobScopeMetrics = {
  uptime: 1,
  numRestarts: 0,
  totalNumberOfCheckpoints: 0,
  numberOfInProgressCheckpoints: 0,
  numberOfCompletedCheckpoints: 0,
  numberOfFailedCheckpoints: 0,
};

function reading(attempt: number, inCount: number, outCount: number, bpMs: number): TaskMetricsReading {
  return {
    vertex: 1,
    subtask: 0,
    attempt,
    source: false,
    numRecordsIn: inCount,
    numRecordsOut: outCount,
    backPressuredMs: bpMs,
    isBackPressured: bpMs > 0,
    currentInputWatermark: undefined,
    operators: [{ uid: 'sum', name: 'Reduce', sink: false, numRecordsIn: inCount, numRecordsOut: outCount }],
  };
}

/** The snapshot of `plan` and `job` from the task's reading at `now`, over its base reading (`[time, reading]`) if any. */
function snapshotOf(now: number, current: TaskMetricsReading, base: [number, TaskMetricsReading] | undefined, attemptStart: number) {
  return buildSnapshot({ current: { time: now, readings: [current] }, base: base && { time: base[0], readings: [base[1]] }, attemptStart, plan, job });
}

test('rates are the counts gained since the base reading, per second', () => {
  const s = snapshotOf(12_000, reading(0, 3000, 1000, 2500), [10_000, reading(0, 1000, 0, 500)], 0);
  const t = s.tasks[0]!;
  assert.equal(t.vertexId, plan.nodes[1]!.id);
  assert.equal(t.numRecordsIn, 3000);
  assert.equal(t.numRecordsInPerSecond, 1000);
  assert.equal(t.numRecordsOutPerSecond, 500);
  assert.equal(t.backPressuredTimeMsPerSecond, 1000, 'back-pressured the whole interval');
  assert.equal(t.operators[0]!.operatorId, operatorIdOf('sum'));
  assert.equal(t.operators[0]!.numRecordsInPerSecond, 1000);
  assert.equal(t.currentInputWatermark, undefined);
});

test('after a restart a task counts from zero at the attempt start, never a negative rate', () => {
  const s = snapshotOf(12_000, reading(1, 400, 0, 0), [10_000, reading(0, 90_000, 0, 0)], 11_000);
  assert.equal(s.tasks[0]!.numRecordsInPerSecond, 400);
});

test('without a base the rate runs from the attempt start', () => {
  const s = snapshotOf(4_000, reading(0, 600, 0, 0), undefined, 1_000);
  assert.equal(s.tasks[0]!.numRecordsInPerSecond, 200);
});
