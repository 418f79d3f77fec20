import { createHash } from 'node:crypto';
import type { JobEventRecord, JobMetricsSnapshot, JobPlan, JobRecord, JobScopeMetrics, JobStatus, TaskMetrics } from '../../metadata/index.js';
import { isTerminal } from '../../metadata/index.js';

/**
 * Flink's REST shapes for jobs, built from what flink.db holds. Pure functions of records, so
 * tests check shapes without a server. Field names are Flink's (`jid`, `start-time`, ...).
 */

/** Flink's ExecutionState names, in Flink's order; `tasks` maps count subtasks per state. */
const EXECUTION_STATES = ['CREATED', 'SCHEDULED', 'DEPLOYING', 'RUNNING', 'FINISHED', 'CANCELING', 'CANCELED', 'FAILED', 'RECONCILING', 'INITIALIZING'] as const;
type ExecutionState = (typeof EXECUTION_STATES)[number];

/** Flink's JobStatus names (`timestamps` has one entry per status). */
const FLINK_JOB_STATUSES = ['INITIALIZING', 'CREATED', 'RUNNING', 'FAILING', 'FAILED', 'CANCELLING', 'CANCELED', 'FINISHED', 'RESTARTING', 'SUSPENDED', 'RECONCILING'] as const;

/**
 * The state every subtask of a job in `status` is in: flink-ts tracks the job, not each
 * subtask, so all subtasks share it (a task whose bounded input ended early shows RUNNING).
 */
export function subtaskState(status: JobStatus): ExecutionState {
  switch (status) {
    case 'CREATED':
      return 'CREATED';
    case 'RUNNING':
      return 'RUNNING';
    case 'RESTARTING':
      return 'SCHEDULED';
    case 'FAILING':
    case 'CANCELLING':
      return 'CANCELING';
    case 'CANCELED':
      return 'CANCELED';
    case 'FINISHED':
      return 'FINISHED';
    case 'FAILED':
      return 'FAILED';
  }
}

function stateCounts(state: ExecutionState, n: number, upper: boolean): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of EXECUTION_STATES) counts[upper ? s : s.toLowerCase()] = s === state ? n : 0;
  return counts;
}

export function endTime(job: JobRecord): number {
  return isTerminal(job.status) && job.endTime !== null ? job.endTime : -1;
}

export function duration(job: JobRecord, now: number): number {
  const end = endTime(job);
  return (end >= 0 ? end : now) - job.startTime;
}

const taskCount = (plan: JobPlan | undefined) => plan?.nodes.reduce((n, v) => n + v.parallelism, 0) ?? 0;

/** One entry of `GET /jobs/overview` (Flink's JobDetails). */
export function jobOverview(job: JobRecord, plan: JobPlan | undefined, now: number) {
  const total = taskCount(plan);
  return {
    jid: job.jobId,
    name: job.name,
    state: job.status,
    'start-time': job.startTime,
    'end-time': endTime(job),
    duration: duration(job, now),
    'last-modification': Math.max(job.endTime ?? 0, job.heartbeat ?? 0, job.startTime),
    tasks: { total, ...stateCounts(subtaskState(job.status), total, false) },
  };
}

/** `GET /overview` (Flink's ClusterOverviewWithVersion): one "task manager" per running job process. */
export function clusterOverview(jobs: readonly JobRecord[], version: string) {
  const count = (s: JobStatus) => jobs.filter((j) => j.status === s).length;
  const running = jobs.filter((j) => !isTerminal(j.status)).length;
  return {
    taskmanagers: jobs.filter((j) => j.status === 'RUNNING' || j.status === 'RESTARTING').length,
    'slots-total': 0,
    'slots-available': 0,
    'jobs-running': running,
    'jobs-finished': count('FINISHED'),
    'jobs-cancelled': count('CANCELED'),
    'jobs-failed': count('FAILED'),
    'flink-version': version,
    'flink-commit': '',
  };
}

/** The latest time the job entered each Flink status, 0 for those it never did (Flink's `timestamps`). */
function statusTimestamps(events: readonly JobEventRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of FLINK_JOB_STATUSES) out[s] = 0;
  for (const e of events) if (e.kind === 'status' && e.statusTo !== null) out[e.statusTo] = e.time;
  return out;
}

export function tasksOfVertex(metrics: JobMetricsSnapshot | undefined, vertexId: string): TaskMetrics[] {
  return metrics?.tasks.filter((t) => t.vertexId === vertexId) ?? [];
}

/**
 * The id of the job's one slot sharing group (Flink's `default`, which every vertex is in unless
 * a job names others): 32 hex digits, as Flink's SlotSharingGroupId, stable for the job.
 */
function slotSharingGroupId(job: JobRecord): string {
  return createHash('md5').update(`slot-sharing-group:default:${job.jobId}`).digest('hex');
}

/** `GET /jobs/:jobid` (Flink's JobDetailsInfo). Records come from the job's latest metrics. */
export function jobDetails(
  job: JobRecord,
  plan: JobPlan | undefined,
  metrics: JobMetricsSnapshot | undefined,
  events: readonly JobEventRecord[],
  now: number,
) {
  const state = subtaskState(job.status);
  const vertices = (plan?.nodes ?? []).map((node) => {
    const tasks = tasksOfVertex(metrics, node.id);
    return {
      id: node.id,
      // Flink 2.x's client requires it (a vertex's slot sharing group).
      slotSharingGroupId: slotSharingGroupId(job),
      name: node.operator,
      maxParallelism: node.maxParallelism,
      parallelism: node.parallelism,
      status: state,
      'start-time': job.startTime,
      'end-time': endTime(job),
      duration: duration(job, now),
      tasks: stateCounts(state, node.parallelism, true),
      metrics: ioMetrics(tasks, node.inputs === undefined, tasks.length === node.parallelism),
    };
  });
  const total = taskCount(plan);
  return {
    jid: job.jobId,
    name: job.name,
    isStoppable: false,
    state: job.status,
    'job-type': 'STREAMING',
    'start-time': job.startTime,
    'end-time': endTime(job),
    duration: duration(job, now),
    maxParallelism: -1,
    now,
    timestamps: statusTimestamps(events),
    vertices,
    'status-counts': stateCounts(state, total, true),
    plan: plan === undefined ? { jid: job.jobId, name: job.name, type: 'STREAMING', nodes: [] } : stripOperators(plan),
    // Operators of a batch job's stream graph not yet turned into vertices: none in a streaming job.
    'pending-operators': 0,
  };
}

/** Flink's ApplicationStatus of an ended job (what `application-status` reports). */
function applicationStatus(status: JobStatus): 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN' {
  switch (status) {
    case 'FINISHED':
      return 'SUCCEEDED';
    case 'FAILED':
      return 'FAILED';
    case 'CANCELED':
      return 'CANCELED';
    default:
      return 'UNKNOWN';
  }
}

/**
 * `GET /jobs/:jobid/execution-result` (Flink's JobExecutionResultResponseBody): IN_PROGRESS until
 * the job has ended, then its JobResult: `application-status`, `net-runtime` (ms from its start to
 * its end), no accumulators (flink-ts has none) and, for a failed job, `failure-cause` as in the
 * savepoint status (its message and stack, no serialized Java throwable).
 */
export function executionResult(job: JobRecord, now: number) {
  if (!isTerminal(job.status)) return { status: { id: 'IN_PROGRESS' }, 'job-execution-result': null };
  const failed = job.status === 'FAILED';
  const message = job.failureCause ?? 'unknown cause';
  return {
    status: { id: 'COMPLETED' },
    'job-execution-result': {
      id: job.jobId,
      'application-status': applicationStatus(job.status),
      'accumulator-results': {},
      'net-runtime': duration(job, now),
      ...(failed ? { 'failure-cause': { class: 'flink-ts.job.failed', 'stack-trace': job.failureStack ?? message, 'serialized-throwable': null } } : {}),
    },
  };
}

/**
 * Flink's IOMetricsInfo over `tasks` (a vertex's subtasks, or one): records from the latest
 * metrics; bytes are not measured, records moving between subtasks as objects, never serialized.
 */
export function ioMetrics(tasks: readonly TaskMetrics[], source: boolean, complete: boolean) {
  const sum = (f: (t: TaskMetrics) => number) => tasks.reduce((n, t) => n + f(t), 0);
  return {
    'read-bytes': 0,
    'read-bytes-complete': false,
    'write-bytes': 0,
    'write-bytes-complete': false,
    // As in Flink, a source's records are written, not read.
    'read-records': source ? 0 : sum((t) => t.numRecordsIn),
    'read-records-complete': complete,
    'write-records': sum((t) => t.numRecordsOut),
    'write-records-complete': complete,
  };
}

/** Flink's plan, without flink-ts's per-node operator lists (those are in `GET /jobs/:jobid/plan`). */
function stripOperators(plan: JobPlan) {
  return { ...plan, nodes: plan.nodes.map(({ operators: _operators, ...node }) => node) };
}

/** The job-scope metric names `GET /jobs/:jobid/metrics` offers, as Flink names them. */
const JOB_METRICS = [
  'uptime',
  'numRestarts',
  'totalNumberOfCheckpoints',
  'numberOfInProgressCheckpoints',
  'numberOfCompletedCheckpoints',
  'numberOfFailedCheckpoints',
  'lastCheckpointDuration',
  'lastCheckpointSize',
  'lastCheckpointFullSize',
  'lastCheckpointExternalPath',
  'lastCompletedCheckpointId',
] as const;

/**
 * `GET /jobs/:jobid/metrics[?get=a,b]`: without `get`, the available ids; with it, their values
 * as strings (Flink's MetricCollectionResponseBody). A checkpoint metric before the first
 * checkpoint is -1, as in Flink.
 */
export function jobMetrics(metrics: JobMetricsSnapshot | undefined, get: readonly string[] | undefined) {
  // Like Flink's MetricStore before the job's first report: nothing, not even ids.
  const job = metrics?.job;
  if (job === undefined) return [];
  if (get === undefined) return JOB_METRICS.map((id) => ({ id }));
  return get
    .filter((id): id is (typeof JOB_METRICS)[number] => (JOB_METRICS as readonly string[]).includes(id))
    .map((id) => ({ id, value: jobMetricValue(job, id) }));
}

/**
 * One job metric as a string. Before the first completed checkpoint (or for one without a
 * path) Flink's gauges answer -1, and its external-path gauge "n/a": scripts polling
 * `lastCheckpointExternalPath` compare against that.
 */
function jobMetricValue(job: JobScopeMetrics, id: (typeof JOB_METRICS)[number]): string {
  if (id === 'lastCheckpointExternalPath') return job.lastCheckpointExternalPath ?? 'n/a';
  if (id === 'lastCompletedCheckpointId') return String(job.lastCheckpointId ?? -1);
  return String(job[id] ?? -1);
}
