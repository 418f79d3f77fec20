import type { JobRecord, MetadataStore } from '../../metadata/index.js';
import { METRIC_HISTORY_MS, isTerminal } from '../../metadata/index.js';
import type { JobId } from '../../util/ids.js';
import { type ScrapedJob, prometheusText } from '../prometheus.js';
import { checkpointConfig, checkpointStatistics, checkpointingStatistics, restoresOf } from './checkpoint-views.js';
import { jobExceptions } from './exception-views.js';
import { HttpError, type Reply, cancelJob, hexIdParam, jobOrNotFound, savepointStatus, stopJob, triggerSavepoint } from './job-commands.js';
import { clusterOverview, executionResult, jobDetails, jobMetrics, jobOverview } from './job-views.js';
import { jobConfig, jobManagerJobConfig, vertexBackPressure, vertexDetails, vertexMetrics, vertexOf, vertexWatermarks } from './vertex-views.js';

/** What the handlers work with. */
export interface RestContext {
  readonly store: MetadataStore;
  /**
   * The jobs as they are after a liveness check (a job whose process is gone is FAILED) and,
   * for a job that has ended, with flink.db level with its checkpoint directory (as `flink list`
   * sees them).
   */
  readonly reconcile: (jobs: readonly JobRecord[]) => Promise<JobRecord[]>;
  readonly now: () => number;
  readonly version: string;
  /** The host name in metric labels. */
  readonly hostname: string;
}

/** A request as the handlers see it. */
export interface RestRequest {
  readonly query: URLSearchParams;
  /** The parsed JSON body ({} when empty). */
  readonly body: () => Promise<Record<string, unknown>>;
}

/** A text answer (Prometheus' exposition) instead of JSON. */
export interface TextReply {
  readonly status: number;
  readonly text: string;
  readonly type: string;
}

type Handler = (ctx: RestContext, params: readonly string[], req: RestRequest) => Reply | TextReply | Promise<Reply | TextReply>;

interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: RegExp;
  readonly handler: Handler;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

/** How many checkpoints the dashboard's charts show. */
const CHART_CHECKPOINTS = 100;

async function job(ctx: RestContext, id: string): Promise<JobRecord> {
  return (await ctx.reconcile([jobOrNotFound(ctx.store, id)]))[0]!;
}

const jobId = (j: JobRecord) => j.jobId as JobId;

/** A request for one vertex of a job: 400 for a malformed vertex id, 404 for one the job's plan lacks (as Flink). */
async function vertexRequest(ctx: RestContext, id: string, vertex: string) {
  const j = await job(ctx, id);
  const plan = ctx.store.getPlan(jobId(j));
  const vertexId = vertexOf(j, plan, hexIdParam(vertex, 'vertex')).id;
  return { job: j, plan, metrics: ctx.store.latestMetrics(jobId(j)), vertexId };
}

/** The metric ids of a `get` parameter: Flink reads them as a set (each once, in the order first asked). */
function metricIds(query: URLSearchParams): string[] | undefined {
  const get = query.get('get');
  return get === null ? undefined : [...new Set(get.split(',').map((s) => s.trim()))];
}

/** A checkpoint id from a path: Flink parses it as a long (400 if it is not one). */
function checkpointIdParam(value: string): number {
  if (!/^-?\d{1,19}$/.test(value)) throw new HttpError(400, `'${value.slice(0, 64)}' is not a checkpoint id: checkpoint ids are whole numbers.`);
  return Number(value);
}

/** Flink's REST API, as far as flink-ts has it, plus `GET /jobs/:jobid/metrics/history` for the dashboard. */
const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: /^\/config$/,
    handler: (ctx) =>
      ok({
        'refresh-interval': 1000,
        'timezone-name': Intl.DateTimeFormat().resolvedOptions().timeZone,
        'timezone-offset': -new Date().getTimezoneOffset() * 60_000,
        'flink-version': ctx.version,
        'flink-revision': '',
        features: { 'web-submit': false, 'web-cancel': true, 'web-rescale': false, 'web-history': false },
      }),
  },
  { method: 'GET', path: /^\/overview$/, handler: async (ctx) => ok(clusterOverview((await ctx.reconcile(ctx.store.listJobs())), ctx.version)) },
  {
    method: 'GET',
    path: /^\/jobs$/,
    handler: async (ctx) => ok({ jobs: (await ctx.reconcile(ctx.store.listJobs())).map((j) => ({ id: j.jobId, status: j.status })) }),
  },
  {
    method: 'GET',
    path: /^\/jobs\/overview$/,
    handler: async (ctx) => {
      const now = ctx.now();
      return ok({ jobs: (await ctx.reconcile(ctx.store.listJobs())).map((j) => jobOverview(j, ctx.store.getPlan(jobId(j)), now)) });
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)$/,
    handler: async (ctx, [id]) => {
      const j = await job(ctx, id!);
      const s = ctx.store;
      return ok(jobDetails(j, s.getPlan(jobId(j)), s.latestMetrics(jobId(j)), s.listEvents(jobId(j)), ctx.now()));
    },
  },
  { method: 'GET', path: /^\/jobs\/([^/]+)\/status$/, handler: async (ctx, [id]) => ok({ status: (await job(ctx, id!)).status }) },
  { method: 'GET', path: /^\/jobs\/([^/]+)\/execution-result$/, handler: async (ctx, [id]) => ok(executionResult((await job(ctx, id!)), ctx.now())) },
  {
    method: 'PATCH',
    path: /^\/jobs\/([^/]+)$/,
    handler: async (ctx, [id], req) => cancelJob(ctx.store, (await job(ctx, id!)), req.query.get('mode') ?? undefined),
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/plan$/,
    handler: async (ctx, [id]) => {
      const j = await job(ctx, id!);
      return ok({ plan: ctx.store.getPlan(jobId(j)) ?? { jid: j.jobId, name: j.name, type: 'STREAMING', nodes: [] } });
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/checkpoints$/,
    handler: async (ctx, [id]) => {
      const j = await job(ctx, id!);
      const s = ctx.store;
      const restores = restoresOf(j, s.listEvents(jobId(j)), (path) => s.findCheckpointByPath(path));
      return ok(checkpointingStatistics(j, s.getPlan(jobId(j)), s.listCheckpoints(jobId(j)), s.checkpointCounts(jobId(j)), restores));
    },
  },
  { method: 'GET', path: /^\/jobs\/([^/]+)\/checkpoints\/config$/, handler: async (ctx, [id]) => ok(checkpointConfig((await job(ctx, id!)))) },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/checkpoints\/details\/([^/]+)$/,
    handler: async (ctx, [id, cp]) => {
      const j = await job(ctx, id!);
      const checkpointId = checkpointIdParam(cp!);
      const row = ctx.store.listCheckpoints(jobId(j)).find((c) => c.checkpointId === checkpointId);
      if (row === undefined) throw new HttpError(404, `Checkpoint ${cp} of job ${j.jobId} not found.`);
      const plan = ctx.store.getPlan(jobId(j));
      return ok(checkpointStatistics(row, plan?.nodes.reduce((n, v) => n + v.parallelism, 0) ?? 0));
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/exceptions$/,
    handler: async (ctx, [id], req) => {
      const j = await job(ctx, id!);
      const max = req.query.get('maxExceptions');
      const n = max === null ? undefined : Number(max);
      if (n !== undefined && (!Number.isInteger(n) || n < 0)) throw new HttpError(400, 'maxExceptions must be a whole number.');
      return ok(jobExceptions(ctx.store.listEvents(jobId(j)), n));
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/metrics$/,
    handler: async (ctx, [id], req) => {
      const j = await job(ctx, id!);
      return ok(jobMetrics(ctx.store.latestMetrics(jobId(j)), metricIds(req.query)));
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/metrics\/history$/,
    handler: async (ctx, [id]) => {
      const j = await job(ctx, id!);
      const s = ctx.store;
      const checkpoints = s
        .listCheckpoints(jobId(j), { limit: CHART_CHECKPOINTS })
        .reverse()
        .map((c) => ({
          id: c.checkpointId,
          status: c.status,
          discarded: c.discarded,
          is_savepoint: c.kind.startsWith('SAVEPOINT'),
          trigger_timestamp: c.triggerTime,
          end_to_end_duration: c.durationMs,
          checkpointed_size: c.checkpointedSize,
          state_size: c.stateSize,
        }));
      return ok({ samples: s.metricHistory(jobId(j), ctx.now() - METRIC_HISTORY_MS), checkpoints });
    },
  },
  { method: 'GET', path: /^\/jobs\/([^/]+)\/config$/, handler: async (ctx, [id]) => ok(jobConfig((await job(ctx, id!)))) },
  { method: 'GET', path: /^\/jobs\/([^/]+)\/jobmanager\/config$/, handler: async (ctx, [id]) => ok(jobManagerJobConfig((await job(ctx, id!)))) },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/vertices\/([^/]+)$/,
    handler: async (ctx, [id, v]) => {
      const r = await vertexRequest(ctx, id!, v!);
      return ok(vertexDetails(r.job, r.plan, r.metrics, r.vertexId, ctx.now()));
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/vertices\/([^/]+)\/metrics$/,
    handler: async (ctx, [id, v], req) => {
      const r = await vertexRequest(ctx, id!, v!);
      return ok(vertexMetrics(r.job, r.plan, r.metrics, r.vertexId, metricIds(req.query)));
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/vertices\/([^/]+)\/backpressure$/,
    handler: async (ctx, [id, v]) => {
      const r = await vertexRequest(ctx, id!, v!);
      return ok(vertexBackPressure(r.metrics, r.vertexId));
    },
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/vertices\/([^/]+)\/watermarks$/,
    handler: async (ctx, [id, v]) => {
      const r = await vertexRequest(ctx, id!, v!);
      return ok(vertexWatermarks(r.metrics, r.vertexId));
    },
  },
  {
    method: 'POST',
    path: /^\/jobs\/([^/]+)\/savepoints$/,
    handler: async (ctx, [id], req) => triggerSavepoint(ctx.store, (await job(ctx, id!)), await req.body()),
  },
  {
    method: 'GET',
    path: /^\/jobs\/([^/]+)\/savepoints\/([^/]+)$/,
    handler: async (ctx, [id, trigger]) => savepointStatus(ctx.store, (await job(ctx, id!)), trigger!),
  },
  {
    method: 'POST',
    path: /^\/jobs\/([^/]+)\/stop$/,
    handler: async (ctx, [id], req) => stopJob(ctx.store, (await job(ctx, id!)), await req.body()),
  },
  {
    method: 'GET',
    path: /^\/metrics$/,
    handler: async (ctx) => {
      // As Flink's reporter drops a job's metrics when it ends, only jobs still running are shown.
      const live = (await ctx.reconcile(ctx.store.listJobs())).filter((j) => !isTerminal(j.status));
      const scraped: ScrapedJob[] = [];
      for (const j of live) {
        const metrics = ctx.store.latestMetrics(jobId(j));
        if (metrics !== undefined) scraped.push({ job: j, plan: ctx.store.getPlan(jobId(j)), metrics });
      }
      return { status: 200, text: prometheusText(scraped, ctx.hostname), type: 'text/plain; version=0.0.4; charset=utf-8' };
    },
  },
];

/** The route for a method and path: its handler and captured parameters, or the methods the path allows. */
export function findRoute(method: string, path: string): { handler: Handler; params: string[] } | { allowed: string[] } {
  const allowed: string[] = [];
  const m = method === 'HEAD' ? 'GET' : method;
  for (const route of ROUTES) {
    const match = route.path.exec(path);
    if (!match) continue;
    if (route.method === m) return { handler: route.handler, params: match.slice(1).map((p) => decodeURIComponent(p)) };
    allowed.push(route.method);
  }
  return { allowed };
}
