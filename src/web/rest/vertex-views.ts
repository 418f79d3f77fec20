import { GLOBAL_JOB_PARAMETERS_KEY, type JobMetricsSnapshot, type JobPlan, type JobRecord, type TaskMetrics, globalJobParametersOf } from '../../metadata/index.js';
import { HttpError } from './job-commands.js';
import { duration, endTime, ioMetrics, subtaskState, tasksOfVertex } from './job-views.js';

/**
 * Flink's REST shapes for one job vertex — its subtasks, back pressure, watermarks and
 * metrics — and for the job's configuration, built from what flink.db holds (pure functions of
 * records, as job-views.ts).
 */

/** The vertex `vertexId` of the job's plan; a 404 if the plan has none. */
export function vertexOf(job: JobRecord, plan: JobPlan | undefined, vertexId: string) {
  const node = plan?.nodes.find((n) => n.id === vertexId);
  if (node === undefined) throw new HttpError(404, `Job ${job.jobId} has no vertex ${vertexId}.`);
  return node;
}

/**
 * `GET /jobs/:jobid/vertices/:vertexid` (Flink's JobVertexDetailsInfo): one entry per subtask,
 * in the job's state (subtasks are not tracked one by one), its records from the latest metrics.
 */
export function vertexDetails(job: JobRecord, plan: JobPlan | undefined, metrics: JobMetricsSnapshot | undefined, vertexId: string, now: number) {
  const node = vertexOf(job, plan, vertexId);
  const tasks = tasksOfVertex(metrics, vertexId);
  const status = subtaskState(job.status);
  const subtasks = Array.from({ length: node.parallelism }, (_, subtask) => {
    const t = tasks.find((x) => x.subtask === subtask);
    return {
      subtask,
      status,
      attempt: t?.attempt ?? 0,
      endpoint: 'localhost',
      'start-time': job.startTime,
      'end-time': endTime(job),
      duration: duration(job, now),
      metrics: ioMetrics(t === undefined ? [] : [t], node.inputs === undefined, t !== undefined),
      'taskmanager-id': job.pid === null ? '' : `flink-ts-${job.pid}`,
    };
  });
  return { id: node.id, name: node.operator, maxParallelism: node.maxParallelism, parallelism: node.parallelism, now, subtasks };
}

/** A histogram's statistics under Flink's ids (`<name>_min`, …), in its MetricStore's order. */
const HISTOGRAM_STATISTICS = ['min', 'max', 'mean', 'median', 'stddev', 'p75', 'p90', 'p95', 'p98', 'p99', 'p999'] as const;

/** The task-scope metrics a vertex offers per subtask, as Flink names them (`<subtask>.<name>`). */
const TASK_METRICS = ['numRecordsIn', 'numRecordsOut', 'numRecordsInPerSecond', 'numRecordsOutPerSecond', 'isBackPressured', 'backPressuredTimeMsPerSecond', 'currentInputWatermark'] as const;

function taskMetric(t: TaskMetrics, name: (typeof TASK_METRICS)[number]): string {
  if (name === 'currentInputWatermark') return t.currentInputWatermark === undefined ? '-9223372036854775808' : String(t.currentInputWatermark);
  return String(t[name]);
}

/**
 * `GET /jobs/:jobid/vertices/:vertexid/metrics[?get=a,b]`: without `get`, the ids its subtasks
 * report (`0.numRecordsIn`, …); with it, their values as strings (Flink's
 * MetricCollectionResponseBody). Ids it does not know are left out, as Flink leaves them out.
 */
export function vertexMetrics(job: JobRecord, plan: JobPlan | undefined, metrics: JobMetricsSnapshot | undefined, vertexId: string, get: readonly string[] | undefined) {
  vertexOf(job, plan, vertexId);
  const values = new Map<string, string>();
  for (const t of tasksOfVertex(metrics, vertexId)) {
    for (const name of TASK_METRICS) values.set(`${t.subtask}.${name}`, taskMetric(t, name));
    // User metrics are operator-scoped, as Flink lists them: `<subtask>.<operator name>.<group…>.<name>`.
    for (const op of t.operators) {
      for (const [id, v] of Object.entries(op.user ?? {})) {
        const at = `${t.subtask}.${op.name}.${id}`;
        if (typeof v !== 'object') values.set(at, String(v));
        // A histogram as Flink's MetricStore lists one: a value per statistic.
        else for (const stat of HISTOGRAM_STATISTICS) values.set(`${at}_${stat}`, String(v[stat]));
      }
    }
  }
  if (get === undefined) return [...values.keys()].map((id) => ({ id }));
  return get.filter((id) => values.has(id)).map((id) => ({ id, value: values.get(id)! }));
}

/** Flink's back-pressure levels: up to 10 % of the time is ok, up to 50 % low, above that high. */
export function backPressureLevel(ratio: number): 'ok' | 'low' | 'high' {
  return ratio <= 0.1 ? 'ok' : ratio <= 0.5 ? 'low' : 'high';
}

/** `GET /jobs/:jobid/vertices/:vertexid/backpressure` (Flink's JobVertexBackPressureInfo), from the latest metrics. */
export function vertexBackPressure(metrics: JobMetricsSnapshot | undefined, vertexId: string) {
  const tasks = tasksOfVertex(metrics, vertexId);
  const subtasks = tasks.map((t) => {
    const ratio = t.backPressuredTimeMsPerSecond / 1000;
    return {
      subtask: t.subtask,
      'attempt-number': t.attempt,
      'backpressure-level': backPressureLevel(ratio),
      ratio,
      idleRatio: 0,
      busyRatio: 1 - ratio,
    };
  });
  const worst = Math.max(0, ...subtasks.map((s) => s.ratio));
  return { status: 'ok', 'backpressure-level': backPressureLevel(worst), 'end-timestamp': metrics?.time ?? 0, subtasks };
}

/** `GET /jobs/:jobid/vertices/:vertexid/watermarks`: Flink's list of `<subtask>.currentInputWatermark` values (strings). */
export function vertexWatermarks(metrics: JobMetricsSnapshot | undefined, vertexId: string) {
  return tasksOfVertex(metrics, vertexId).map((t) => ({
    id: `${t.subtask}.currentInputWatermark`,
    value: t.currentInputWatermark === undefined ? '-9223372036854775808' : String(t.currentInputWatermark),
  }));
}


/** `restart-strategy.type` and its settings in Flink's words (RestartStrategies' descriptions). */
function restartStrategyDescription(c: JobRecord['config']): string {
  const n = (key: string) => c[key];
  switch (c['restart-strategy.type'] ?? 'none') {
    case 'fixed-delay':
      return `Restart with fixed delay (${n('restart-strategy.fixed-delay.delay')} ms). #${n('restart-strategy.fixed-delay.attempts')} restart attempts.`;
    case 'failure-rate':
      return `Failure rate restart with maximum of ${n('restart-strategy.failure-rate.max-failures-per-interval')} failures within interval ${n('restart-strategy.failure-rate.failure-rate-interval')} ms and fixed delay ${n('restart-strategy.failure-rate.delay')} ms.`;
    case 'exponential-delay':
      return `Restart with exponential delay: starting at ${n('restart-strategy.exponential-delay.initial-backoff')} ms, increasing by ${n('restart-strategy.exponential-delay.backoff-multiplier')}, with maximum ${n('restart-strategy.exponential-delay.max-backoff')} ms.`;
    default:
      return 'Restart deactivated.';
  }
}

/**
 * `GET /jobs/:jobid/config` (Flink's JobConfigInfo): `user-config` holds the job's global job
 * parameters (`setGlobalJobParameters`), as Flink's does, and `object-reuse-mode` its
 * `pipeline.object-reuse`; the rest of its configuration is
 * {@link jobManagerJobConfig}'s.
 */
export function jobConfig(job: JobRecord) {
  return {
    jid: job.jobId,
    name: job.name,
    'execution-config': {
      'execution-mode': 'PIPELINED',
      'restart-strategy': restartStrategyDescription(job.config),
      'job-parallelism': job.parallelism ?? 1,
      'object-reuse-mode': job.config['pipeline.object-reuse'] === true,
      'user-config': globalJobParametersOf(job.config),
    },
  };
}

/**
 * `GET /jobs/:jobid/jobmanager/config` (Flink's JobManagerJobConfigurationHandler): the job's
 * effective configuration as recorded when it started, as `{key, value}` entries sorted by key.
 * The global job parameters are left to `user-config` above, where Flink shows them.
 */
export function jobManagerJobConfig(job: JobRecord): Array<{ key: string; value: string }> {
  return Object.entries(job.config)
    .filter(([key]) => key !== GLOBAL_JOB_PARAMETERS_KEY)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, value: String(value) }));
}
