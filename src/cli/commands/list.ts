import { reconcileCheckpoints } from '../../cluster/checkpoint-reconciler.js';
import { processState } from '../../cluster/job-process.js';
import { jobProcess, reconcileLiveness, wasDeclaredLost } from '../../cluster/liveness.js';
import { homeLayout, resolveHome } from '../../config/home.js';
import { ACTIVE_STATUSES, type JobRecord, type JobStatus, type MetadataStore, isSavepointKind } from '../../metadata/index.js';
import { say, sayJson } from '../output.js';
import { withStore } from './open-store.js';

/** Options of `flink list`. */
export interface ListOptions {
  readonly running?: boolean;
  readonly scheduled?: boolean;
  readonly all?: boolean;
  readonly json?: boolean;
}

const RUNNING: readonly JobStatus[] = ['RUNNING', 'RESTARTING', 'CANCELLING', 'FAILING'];
const SCHEDULED: readonly JobStatus[] = ['CREATED'];
const TERMINATED: readonly JobStatus[] = ['FINISHED', 'CANCELED', 'FAILED'];
const RULE = '--------------------------------------------------------------';

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** Flink's CLI date format, local time: dd.MM.yyyy HH:mm:ss. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getDate())}.${pad2(d.getMonth() + 1)}.${d.getFullYear()} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

type Restarts = ReadonlyMap<string, { restarts: number; lastCause: string | null }>;

function section(store: MetadataStore, title: string, jobs: readonly JobRecord[], empty: string, restarts: Restarts): void {
  if (jobs.length === 0) {
    say(empty);
    return;
  }
  const dashes = Math.max(0, RULE.length - title.length - 2);
  say(`${'-'.repeat(Math.floor(dashes / 2))} ${title} ${'-'.repeat(Math.ceil(dashes / 2))}`);
  for (const j of jobs) {
    say(`${formatTime(j.startTime)} : ${j.jobId} : ${j.name} (${j.status})`);
    if (j.status === 'FAILED' && j.failureCause) say(`    cause: ${j.failureCause}`);
    const proc = wasDeclaredLost(j) ? jobProcess(j) : undefined;
    // Frozen or hung: it stops itself if it wakes, but it holds its resources until then.
    if (proc && processState(proc) !== 'gone') say(`    process ${proc.pid} is still alive (frozen or hung): 'flink cancel ${j.jobId}' stops it`);
    const r = restarts.get(j.jobId);
    if (r) say(`    restarts: ${r.restarts} (last after: ${r.lastCause ?? 'unknown cause'})`);
    if (j.status === 'FAILED') latestSnapshotLines(store, j);
  }
  say(RULE);
}

/**
 * What `flink run -s <jobId>` restores a failed job from: its latest checkpoint, or a savepoint
 * taken after it (checkpoints and savepoints draw ids from one counter).
 */
function latestSnapshotLines(store: MetadataStore, j: JobRecord): void {
  if (j.lastCheckpointPath) say(`    latest checkpoint: ${j.lastCheckpointPath}`);
  const newest = store.latestCompletedCheckpoint(j.jobId);
  if (newest?.path && isSavepointKind(newest.kind) && newest.checkpointId > (j.lastCheckpointId ?? -1)) {
    say(`    latest savepoint: ${newest.path} (newer: 'flink run -s ${j.jobId}' restores it)`);
  }
}

function toJson(j: JobRecord, restarts: Restarts): Record<string, unknown> {
  return {
    jobId: j.jobId,
    name: j.name,
    status: j.status,
    pid: j.pid,
    startTime: j.startTime,
    endTime: j.endTime,
    failureCause: j.failureCause,
    restarts: restarts.get(j.jobId)?.restarts ?? 0,
    lastCheckpoint:
      j.lastCheckpointId === null ? null : { id: j.lastCheckpointId, path: j.lastCheckpointPath, time: j.lastCheckpointTime },
  };
}

/**
 * `flink list`: jobs from flink.db in Flink's layout, after marking jobs whose process is gone
 * and bringing the checkpoint history of ended ones level with their checkpoint directories.
 */
export async function listCommand(opts: ListOptions): Promise<number> {
  return withStore(async (store) => {
    reconcileLiveness(store, store.listJobs({ statuses: ACTIVE_STATUSES }));
    const showRunning = opts.all || opts.running || !opts.scheduled;
    const showScheduled = opts.all || opts.scheduled || !opts.running;
    const wanted = [...(showRunning ? RUNNING : []), ...(showScheduled ? SCHEDULED : []), ...(opts.all ? TERMINATED : [])];
    const listed = store.listJobs({ statuses: wanted }).sort((a, b) => a.startTime - b.startTime);
    // What a listing names as a job's latest checkpoint is what `flink run -s <jobId>` restores.
    const defaultBase = homeLayout(resolveHome()).checkpointsDir;
    const jobs: JobRecord[] = [];
    for (const j of listed) jobs.push(await reconcileCheckpoints(store, j, defaultBase));
    const restarts = store.restartSummary();
    if (opts.json) {
      sayJson(jobs.map((j) => toJson(j, restarts)));
      return 0;
    }
    const of = (statuses: readonly JobStatus[]) => jobs.filter((j) => statuses.includes(j.status));
    if (showRunning) section(store, 'Running/Restarting Jobs', of(RUNNING), 'No running jobs.', restarts);
    if (showScheduled) section(store, 'Scheduled Jobs', of(SCHEDULED), 'No scheduled jobs.', restarts);
    if (opts.all) section(store, 'Terminated Jobs', of(TERMINATED), 'No terminated jobs.', restarts);
    return 0;
  });
}
