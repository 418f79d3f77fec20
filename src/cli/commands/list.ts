import { processState } from '../../cluster/job-process.js';
import { jobProcess, reconcileLiveness, wasDeclaredLost } from '../../cluster/liveness.js';
import { ACTIVE_STATUSES, type JobRecord, type JobStatus } from '../../metadata/index.js';
import { say } from '../output.js';
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

function section(title: string, jobs: readonly JobRecord[], empty: string, restarts: Restarts): void {
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
    // What `flink run -s <jobId>` would restore from.
    if (j.status === 'FAILED' && j.lastCheckpointPath) say(`    latest checkpoint: ${j.lastCheckpointPath}`);
  }
  say(RULE);
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

/** `flink list`: jobs from flink.db in Flink's layout, after marking jobs whose process is gone. */
export async function listCommand(opts: ListOptions): Promise<number> {
  return withStore((store) => {
    reconcileLiveness(store, store.listJobs({ statuses: ACTIVE_STATUSES }));
    const showRunning = opts.all || opts.running || !opts.scheduled;
    const showScheduled = opts.all || opts.scheduled || !opts.running;
    const wanted = [...(showRunning ? RUNNING : []), ...(showScheduled ? SCHEDULED : []), ...(opts.all ? TERMINATED : [])];
    const jobs = store.listJobs({ statuses: wanted }).sort((a, b) => a.startTime - b.startTime);
    const restarts = store.restartSummary();
    if (opts.json) {
      say(JSON.stringify(jobs.map((j) => toJson(j, restarts)), null, 2));
      return 0;
    }
    const of = (statuses: readonly JobStatus[]) => jobs.filter((j) => statuses.includes(j.status));
    if (showRunning) section('Running/Restarting Jobs', of(RUNNING), 'No running jobs.', restarts);
    if (showScheduled) section('Scheduled Jobs', of(SCHEDULED), 'No scheduled jobs.', restarts);
    if (opts.all) section('Terminated Jobs', of(TERMINATED), 'No terminated jobs.', restarts);
    return 0;
  });
}
