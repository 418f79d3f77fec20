import type { JobMetricsSnapshot, JobPlan, JobRecord, OperatorMetrics, TaskMetrics, UserHistogram } from '../metadata/index.js';

/**
 * `GET /metrics` in Prometheus' text format, named as Flink's PrometheusReporter names metrics:
 * `flink_<logical scope>_<metric>` (`flink_jobmanager_job_numRestarts`,
 * `flink_taskmanager_job_task_operator_numRecordsIn`), every metric a gauge (counters and meters
 * included, as Flink reports them), the scope's variables as labels with Flink's label names, and
 * label values filtered to `[a-zA-Z0-9:_]` as Flink's reporter does by default.
 */

/** One running job's metrics with what names them. */
export interface ScrapedJob {
  readonly job: JobRecord;
  readonly plan: JobPlan | undefined;
  readonly metrics: JobMetricsSnapshot;
}

/** Long.MIN_VALUE, written exactly: Flink's watermark before the first one. */
const NO_WATERMARK_TEXT = '-9223372036854775808';

const INVALID = /[^a-zA-Z0-9:_]/g;

/** Flink's default label-value filter, then Prometheus' escaping (nothing is left to escape, but be safe). */
function labelValue(v: string): string {
  return v.replace(INVALID, '_').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(v: number | boolean | undefined): string {
  if (v === undefined) return NO_WATERMARK_TEXT;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

type Labels = ReadonlyArray<readonly [string, string]>;

/** The quantiles of a histogram's summary, as Flink's reporter (HistogramSummaryProxy) writes them. */
const QUANTILES: ReadonlyArray<readonly [string, keyof UserHistogram]> = [
  ['0.5', 'median'],
  ['0.75', 'p75'],
  ['0.95', 'p95'],
  ['0.98', 'p98'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
];

const labelText = (labels: Labels) => labels.map(([k, v]) => `${k}="${labelValue(v)}"`).join(',');

class Families {
  private readonly families = new Map<string, { scope: string; metric: string; type: 'gauge' | 'summary'; lines: string[] }>();

  private family(scope: string, metric: string, type: 'gauge' | 'summary'): { name: string; lines: string[] } {
    const name = `flink_${scope}_${metric.replace(INVALID, '_')}`;
    let f = this.families.get(name);
    if (f === undefined) {
      f = { scope, metric, type, lines: [] };
      this.families.set(name, f);
    }
    return { name, lines: f.lines };
  }

  add(scope: string, metric: string, labels: Labels, value: number | boolean | undefined): void {
    const { name, lines } = this.family(scope, metric, 'gauge');
    lines.push(`${name}{${labelText(labels)}} ${formatValue(value)}`);
  }

  /** A histogram as a summary: its count, then its value at each quantile (Flink writes no sum: its window cannot give one). */
  addSummary(scope: string, metric: string, labels: Labels, h: UserHistogram): void {
    const { name, lines } = this.family(scope, metric, 'summary');
    lines.push(`${name}_count{${labelText(labels)}} ${formatValue(h.count)}`);
    // The quantile label is not filtered (Flink adds it after the scope's variables were).
    for (const [q, field] of QUANTILES) lines.push(`${name}{${labelText(labels)},quantile="${q}"} ${formatValue(h[field])}`);
  }

  text(): string {
    let out = '';
    for (const [name, f] of this.families) {
      out += `# HELP ${name} ${f.metric} (scope: ${f.scope})\n# TYPE ${name} ${f.type}\n${f.lines.join('\n')}\n`;
    }
    return out;
  }
}

/** The record counts, rates and watermark that tasks and operators both have. */
function addIO(families: Families, scope: string, labels: Labels, m: TaskMetrics | OperatorMetrics): void {
  families.add(scope, 'numRecordsIn', labels, m.numRecordsIn);
  families.add(scope, 'numRecordsOut', labels, m.numRecordsOut);
  families.add(scope, 'numRecordsInPerSecond', labels, m.numRecordsInPerSecond);
  families.add(scope, 'numRecordsOutPerSecond', labels, m.numRecordsOutPerSecond);
  families.add(scope, 'currentInputWatermark', labels, m.currentInputWatermark);
}

/** The exposition of every job in `jobs`. */
export function prometheusText(jobs: readonly ScrapedJob[], host: string): string {
  const families = new Families();
  for (const { job, plan, metrics } of jobs) {
    const jobLabels: Labels = [
      ['host', host],
      ['job_id', job.jobId],
      ['job_name', job.name],
    ];
    const j = metrics.job;
    const jm = (metric: string, value: number | undefined) => families.add('jobmanager_job', metric, jobLabels, value ?? -1);
    jm('uptime', j.uptime);
    jm('numRestarts', j.numRestarts);
    jm('totalNumberOfCheckpoints', j.totalNumberOfCheckpoints);
    jm('numberOfInProgressCheckpoints', j.numberOfInProgressCheckpoints);
    jm('numberOfCompletedCheckpoints', j.numberOfCompletedCheckpoints);
    jm('numberOfFailedCheckpoints', j.numberOfFailedCheckpoints);
    // Flink's gauges of the last checkpoint read -1 before the first one completes.
    jm('lastCheckpointDuration', j.lastCheckpointDuration);
    jm('lastCheckpointSize', j.lastCheckpointSize);
    jm('lastCheckpointFullSize', j.lastCheckpointFullSize);
    const names = new Map(plan?.nodes.map((n) => [n.id, n.operator]));
    for (const t of metrics.tasks) {
      const taskLabels: Labels = [
        ...jobLabels,
        ['tm_id', `${host}:${job.pid ?? 0}`],
        ['task_id', t.vertexId],
        ['task_attempt_id', `${t.vertexId}_${t.subtask}_${t.attempt}`],
        ['task_name', names.get(t.vertexId) ?? t.vertexId],
        ['task_attempt_num', String(t.attempt)],
        ['subtask_index', String(t.subtask)],
      ];
      addIO(families, 'taskmanager_job_task', taskLabels, t);
      families.add('taskmanager_job_task', 'isBackPressured', taskLabels, t.isBackPressured);
      families.add('taskmanager_job_task', 'backPressuredTimeMsPerSecond', taskLabels, t.backPressuredTimeMsPerSecond);
      for (const op of t.operators) {
        const opLabels: Labels = [...taskLabels, ['operator_id', op.operatorId], ['operator_name', op.name]];
        addIO(families, 'taskmanager_job_task_operator', opLabels, op);
        // User metrics: groups and name joined by '_'; a string gauge reads 0, as Flink's reporter has it.
        for (const [id, v] of Object.entries(op.user ?? {})) {
          const metric = id.replace(/\./g, '_');
          if (typeof v === 'object') families.addSummary('taskmanager_job_task_operator', metric, opLabels, v);
          else families.add('taskmanager_job_task_operator', metric, opLabels, typeof v === 'string' ? 0 : v);
        }
      }
    }
  }
  return families.text();
}
