/**
 * Chaos test of crash recovery through the real `flink` CLI: a keyed job with timers writing
 * through both exactly-once sinks (FileSink and SqliteSink) is started detached, SIGKILLed at a
 * seeded random moment, restored with `flink run -d -s <jobId>` from the latest job that has a
 * completed checkpoint, and so on `kills` times; the last run (at five times the rate: nothing
 * kills it) finishes. With `freezes`, that many more runs end frozen instead (SIGSTOP past the
 * heartbeat timeout): restored while frozen (the restore must stop the old process) and woken
 * afterwards, or declared lost by `flink list` and woken before anyone restores it (it must stop
 * by itself, committing nothing); and runs may pause (SIGSTOP, then SIGCONT before the timeout)
 * at random moments. Then the committed output of both sinks is compared with what the input
 * must give: every i in 0..N-1 once, and counts 1..N/50 per key. With `--job windowed` the job
 * puts out-of-order event-time input into tumbling windows and sessions instead, and every
 * window's result must be there once, right. Both jobs pass their output through a user function
 * with operator ListState that is a CheckpointListener (fixtures/ledger.ts); what it saw of
 * restores and notifications is checked against Flink's contract (ledger-check.ts).
 *
 *   node --import tsx test/chaos/run-chaos.ts --seed 42 --kills 10 --mode EXACTLY_ONCE|AT_LEAST_ONCE
 *     [--job keyed|windowed] [--freezes F] [--backend hashmap|lmdb] [--incremental] [--postgres] [--count N] [--rate R] [-p P] [--slots S] [--async] [--keep] [--quiet]
 *
 * `--postgres` adds a third exactly-once sink, JdbcSink.exactlyOnceSink into a throwaway
 * PostgreSQL server (test/chaos/postgres-sink.ts), checked the same way.
 *
 * Prints `chaos: mode=… kills=K records=N lost=L duplicated=D …` and exits non-zero if
 * EXACTLY_ONCE lost or duplicated anything, or AT_LEAST_ONCE lost anything.
 * Building dist/ (`npm run build`) first is up to the caller: bin/flink runs the compiled code.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { seededRandom } from '../helpers/seeded-random.js';
import { hashOfLine, inputOfLine } from './fixtures/ledger.js';
import { type LedgerSummary, completedCheckpoints, ledgerProblems, readLedger } from './ledger-check.js';
import { tallyOf } from './fixtures/tally.js';
import { chaosPostgres } from './postgres-sink.js';
import {
  type RunResult,
  committedLines,
  freshHome,
  hiddenFiles,
  isAlive,
  keyedCountProblems,
  killLeftovers,
  listedJob,
  listJson,
  parseAttachedRun,
  linesOf,
  removeTempDirs,
  runFlink,
  SUBMITTED_LINE,
  tempDir,
  trackHome,
  trackPid,
  waitFor,
  waitForStaleHeartbeat,
  dbRow,
  sleep,
} from '../e2e/helpers.js';
import { expectedWindowLines, windowLineProblems } from '../e2e/fixtures/windowed-events.js';

/** The job: `chaos-job.ts <out> <db> [count] [rate]`. */
export const CHAOS_JOB = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'chaos-job.ts');
/** The windowed job: `windowed-chaos-job.ts <out> <db> [count] [rate]`. */
export const WINDOWED_CHAOS_JOB = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'windowed-chaos-job.ts');
/** Keys of the job (i % KEYS). */
export const KEYS = 50;

export type ChaosMode = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';

/**
 * Which job runs: `keyed` counts per key with processing-time timers (a `k,n,i` line per input);
 * `windowed` puts out-of-order event-time input into tumbling windows and sessions (a line per
 * window, see test/e2e/fixtures/windowed-events.ts).
 */
export type ChaosJob = 'keyed' | 'windowed';

export interface ChaosOptions {
  readonly seed: number;
  readonly kills: number;
  readonly mode: ChaosMode;
  /** The job (default keyed). */
  readonly job?: ChaosJob;
  /** Inputs; by default enough that `kills` crashes at the longest waits cannot reach the end. */
  readonly count?: number;
  /** Records per second of the source (default 4000). */
  readonly rate?: number;
  /** Parallelism of the job (default 2: keyed shuffle, barrier alignment, two writers per sink). */
  readonly parallelism?: number;
  /** Progress lines (default: none). */
  readonly log?: (line: string) => void;
  /** Keep the home and output directories (for a look after a failure). */
  readonly keep?: boolean;
  /** `state.backend.type` (default hashmap). */
  readonly backend?: 'hashmap' | 'lmdb';
  /** Incremental checkpoints (`execution.checkpointing.incremental`). */
  readonly incremental?: boolean;
  /** Runs that end frozen past the heartbeat timeout, besides the `kills` (default 0; pauses only with some). */
  readonly freezes?: number;
  /** Also write through JdbcSink.exactlyOnceSink into a throwaway PostgreSQL server. */
  readonly postgres?: boolean;
  /** `taskmanager.numberOfTaskSlots`: 2 runs the subtasks on worker threads (default: the configured default). */
  readonly slots?: number;
  /** The keyed job looks each number up through an async function first (AsyncDataStream.unorderedWait), so kills find calls in flight. */
  readonly async?: boolean;
}

/** How a run of the chaos loop ended. */
export type RunEnd =
  /** SIGKILL. */
  | 'killed'
  /** SIGSTOP past the heartbeat timeout, then restored while frozen; woken (SIGCONT) once the restore started. */
  | 'frozen-restored'
  /** SIGSTOP past the heartbeat timeout, declared lost by `flink list`, then woken: it must stop by itself. */
  | 'frozen-woken'
  /** It ended by itself (the input ran out). */
  | 'ended';

/** Liveness settings of the chaos runs with freezes: a freeze past 2 s is a lost job. */
const HEARTBEAT_TIMEOUT_MS = 2_000;
const HEARTBEAT_INTERVAL_MS = 250;
/**
 * How much faster than `rate` the final run reads: nothing kills it, and it only has to reach the
 * end (the source's rate limit is no state, so a restore may change it); at `rate` it read the
 * half or more of the input the kills left for 5-8 s per chaos run. It still spans checkpoints.
 */
const FINAL_RATE_FACTOR = 5;

/** Losses and duplicates in one sink's committed output. */
export interface SinkCheck {
  readonly rows: number;
  readonly lost: number;
  readonly duplicated: number;
  /** keyedCountProblems: what an exactly-once run must not have ([] if all is well). */
  readonly problems: string[];
}

/** One started job of the chaos loop. */
export interface ChaosRun {
  readonly jobId: string;
  /** The job id its state came from (`-s`), or null for a fresh start. */
  readonly restoredFrom: string | null;
  readonly waitMs: number;
  /** Its latest completed checkpoint when killed (null: none). */
  readonly lastCheckpointId: number | null;
  readonly killed: boolean;
  readonly end: RunEnd;
  /** A pause (SIGSTOP, SIGCONT within the heartbeat timeout) before the end, in ms; 0 if none. */
  readonly pausedMs: number;
}

export interface ChaosResult {
  readonly mode: ChaosMode;
  readonly job: ChaosJob;
  /** Rows each sink must hold: one per input (keyed), one per window (windowed). */
  readonly expectedRows: number;
  readonly seed: number;
  readonly kills: number;
  /** Runs that ended frozen (restored while frozen, or woken after being declared lost). */
  readonly freezes: number;
  readonly records: number;
  readonly intervalMs: number;
  readonly parallelism: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly file: SinkCheck;
  readonly sqlite: SinkCheck;
  /** The JdbcSink's output, with `postgres`. */
  readonly postgres?: SinkCheck;
  /** What the Ledger function saw of restores and notifications, and its problems (in `problems` too). */
  readonly ledger: LedgerSummary;
  readonly runs: readonly ChaosRun[];
  /**
   * Hidden FileSink files, staged SqliteSink rows and prepared PostgreSQL transactions left when
   * all is done (informational), and those of the finished run's lineage (must be none).
   */
  readonly leftovers: { hiddenFiles: number; stagedRows: number; preparedTransactions?: number; preparedOfFinalLineage?: number };
  readonly elapsedMs: number;
  /** False if the mode's guarantee is broken. */
  readonly ok: boolean;
  /** `chaos: mode=… kills=… records=… lost=… duplicated=…` and details. */
  readonly summary: string;
  /** The problems that make `ok` false, and other notes. */
  readonly problems: string[];
}

/** `k,n,i` lines → losses and duplicates of the inputs 0..n-1 (out-of-range inputs count as duplicates). */
export function checkLines(lines: readonly string[], n: number, keys = KEYS): SinkCheck {
  const times = new Uint32Array(n);
  let duplicated = 0;
  for (const line of lines) {
    const i = Number(line.split(',')[2]);
    if (!Number.isInteger(i) || i < 0 || i >= n) duplicated++;
    else if (times[i]!++ > 0) duplicated++;
  }
  let lost = 0;
  for (let i = 0; i < n; i++) if (times[i] === 0) lost++;
  return { rows: lines.length, lost, duplicated, problems: keyedCountProblems(lines, n, keys) };
}

/** Window lines → windows lost, duplicated (or wrong: an unexpected line counts as a duplicate). */
export function checkWindowLines(lines: readonly string[], n: number): SinkCheck {
  const { lost, duplicated, unexpected, problems } = windowLineProblems(lines, n);
  return { rows: lines.length, lost, duplicated: duplicated + unexpected, problems };
}

/** The committed rows of the chaos job's SqliteSink (`k,n,i` lines, or window lines) and how many rows are still staged. */
export function sqliteLines(db: string, job: ChaosJob = 'keyed'): { lines: string[]; staged: number } {
  if (!existsSync(db)) return { lines: [], staged: 0 };
  const conn = new Database(db, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    const has = (t: string) => conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(t) !== undefined;
    let lines: string[] = [];
    if (job === 'windowed' && has('windows')) lines = (conn.prepare('SELECT line FROM windows').all() as { line: string }[]).map((r) => r.line);
    else if (job === 'keyed' && has('events')) {
      lines = (conn.prepare('SELECT k, n, i FROM events').all() as { k: number; n: number; i: number }[]).map((r) => `${r.k},${r.n},${r.i}`);
    }
    const staged = has('_flink_sink_staging') ? (conn.prepare('SELECT count(*) AS c FROM _flink_sink_staging').get() as { c: number }).c : 0;
    return { lines, staged };
  } finally {
    conn.close();
  }
}

/** Sends `signal`; true if the process was there to get it, false if it had already exited. */
function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/**
 * How long a run on worker threads may take to start its tasks (each worker loads the job file;
 * generous: the machine may be loaded). Its waits before a kill start when they have started.
 */
const WORKER_STARTUP_TIMEOUT_MS = 30_000;

/**
 * Waits until every subtask of the Ledger of job `jobId` has run initializeState (its `opened-`
 * note, fixtures/ledger.ts), or its process is gone: a run on worker threads has its tasks up.
 * A fixed allowance (3 s) waited the slowest start out on every run, and sized the input for it.
 */
async function waitForTasksStarted(ledgerDir: string, jobId: string, parallelism: number, pid: number): Promise<void> {
  const opened = () => readdirSync(ledgerDir).filter((n) => n.startsWith(`opened-${jobId}-`) && n.endsWith('.json')).length;
  await waitFor(`job ${jobId}'s ${parallelism} Ledger subtasks to start`, () => opened() >= parallelism || !isAlive(pid), WORKER_STARTUP_TIMEOUT_MS, 20);
}

/**
 * `flink run -d [options] chaos-job.ts [args]`, then the job's pid straight from flink.db (no
 * further CLI call, so a kill can come before the first checkpoint). Both are tracked for cleanup.
 */
async function startDetached(home: string, jobFile: string, jobArgs: readonly string[], flinkOptions: readonly string[]): Promise<{ jobId: string; pid: number }> {
  trackHome(home);
  const r = await runFlink(['run', '-d', ...flinkOptions, jobFile, ...jobArgs], { home, timeoutMs: 30_000 });
  const jobId = SUBMITTED_LINE.exec(linesOf(r.stdout)[0] ?? '')?.[1];
  if (r.code !== 0 || jobId === undefined) throw new Error(`flink run -d failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  const row = dbRow<{ pid: number | null }>(home, 'SELECT pid FROM jobs WHERE job_id = ?', jobId);
  if (!row?.pid) throw new Error(`job ${jobId} has no pid in flink.db`);
  trackPid(row.pid);
  return { jobId, pid: row.pid };
}

function hasCompletedCheckpoint(home: string, jobId: string): boolean {
  return dbRow(home, "SELECT 1 FROM checkpoints WHERE job_id = ? AND status = 'COMPLETED' LIMIT 1", jobId) !== undefined;
}

/** Runs the chaos loop and checks the output of both sinks. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const log = opts.log ?? (() => undefined);
  const random = seededRandom(opts.seed);
  const rate = opts.rate ?? 4000;
  const parallelism = opts.parallelism ?? 2;
  const jobKind = opts.job ?? 'keyed';
  const jobFile = jobKind === 'windowed' ? WINDOWED_CHAOS_JOB : CHAOS_JOB;
  const check = (lines: readonly string[], n: number) => (jobKind === 'windowed' ? checkWindowLines(lines, n) : checkLines(lines, n));
  const intervalMs = 100 + Math.floor(random() * 401);
  /** Longest wait before a kill: two intervals and 400 ms. */
  const maxWaitMs = 2 * intervalMs + 400;
  // On worker threads a run starts its tasks later (each worker loads the job file): the waits
  // before a kill count from when its tasks have started, so runs still live long enough to
  // checkpoint (and the input needs no more records for it).
  const onWorkers = (opts.slots ?? 1) > 1;
  // A whole number of inputs per key, so every key's final count is records / KEYS.
  const ended = opts.kills + (opts.freezes ?? 0);
  const records = opts.count ?? KEYS * Math.ceil(Math.max(20_000, (ended * rate * maxWaitMs) / 1000 + rate) / KEYS);
  if (!(Number.isSafeInteger(records) && records > 0 && records % KEYS === 0)) throw new Error(`count must be a positive multiple of ${KEYS}, got ${records}`);
  const home = freshHome();
  const work = tempDir();
  const out = join(work, 'out');
  const db = join(work, 'events.db');
  const ledgerDir = join(work, 'ledger');
  mkdirSync(ledgerDir, { recursive: true });
  if (opts.postgres && jobKind === 'windowed') throw new Error('--postgres adds its sink to the keyed job only');
  const pg = opts.postgres ? await chaosPostgres() : undefined;
  if (opts.async && jobKind === 'windowed') throw new Error('--async is an option of the keyed job only');
  const argsAt = (r: number) => [out, db, String(records), String(r), ...(pg ? [pg.url] : []), ...(opts.async ? ['--async'] : []), '--ledger', ledgerDir];
  const jobArgs = argsAt(rate);
  const flinkOptions = [
    '-p',
    String(parallelism),
    '-D',
    `execution.checkpointing.interval=${intervalMs}ms`,
    '-D',
    `execution.checkpointing.mode=${opts.mode}`,
    '-D',
    `state.backend.type=${opts.backend ?? 'hashmap'}`,
    '-D',
    `execution.checkpointing.incremental=${opts.incremental === true}`,
    ...((opts.freezes ?? 0) > 0 ? ['-D', `heartbeat.timeout=${HEARTBEAT_TIMEOUT_MS}ms`, '-D', `heartbeat.interval=${HEARTBEAT_INTERVAL_MS}ms`] : []),
    ...(opts.slots !== undefined ? ['-D', `taskmanager.numberOfTaskSlots=${opts.slots}`] : []),
  ];
  log(`chaos: ${jobKind === 'windowed' ? 'job=windowed ' : ''}seed=${opts.seed} mode=${opts.mode} freezes=${opts.freezes ?? 0} backend=${opts.backend ?? 'hashmap'}${opts.incremental ? ' incremental' : ''} interval=${intervalMs}ms p=${parallelism}${opts.slots !== undefined ? ` slots=${opts.slots}` : ''} records=${records} rate=${rate}/s home=${home} out=${work}`);

  const runs: ChaosRun[] = [];
  const problems: string[] = [];
  const freezes = opts.freezes ?? 0;
  // Which runs end frozen, and how: spread over the loop by the seed.
  const ends: RunEnd[] = Array.from({ length: opts.kills + freezes }, (_, i) => (i < opts.kills ? 'killed' : i % 2 === 0 ? 'frozen-restored' : 'frozen-woken'));
  for (let i = ends.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [ends[i], ends[j]] = [ends[j]!, ends[i]!];
  }
  /** The newest job with a completed checkpoint: what the next run restores from. */
  let restoreFrom: string | null = null;
  /** A process left frozen at the end of the previous run, woken once the next run started. */
  let frozenPid: number | null = null;
  let finishedEarly = false;
  try {
    for (const planned of ends) {
      const from = restoreFrom;
      const { jobId, pid } = await startDetached(home, jobFile, jobArgs, [...flinkOptions, ...(from ? ['-s', from] : [])]);
      if (frozenPid !== null) {
        // The restore stopped it if it was the job restored from; else, declared lost, it must stop by itself.
        signal(frozenPid, 'SIGCONT');
        await waitFor(`frozen process ${frozenPid} to be gone`, () => !isAlive(frozenPid!), 15_000, 20);
        frozenPid = null;
      }
      // Mostly long enough for a checkpoint or more; one end in four likely comes before the first.
      const early = random() < 0.25;
      const waitMs = Math.round(early ? random() * intervalMs * 0.8 : intervalMs + random() * (intervalMs + 400));
      // With freezes, some runs also pause for less than the heartbeat timeout, at a random moment.
      const pausedMs = freezes > 0 && random() < 0.3 ? Math.round(random() * (HEARTBEAT_TIMEOUT_MS - 300)) : 0;
      const pauseAt = Math.round(random() * waitMs);
      if (onWorkers) await waitForTasksStarted(ledgerDir, jobId, parallelism, pid);
      await sleep(pauseAt);
      if (pausedMs > 0 && signal(pid, 'SIGSTOP')) {
        await sleep(pausedMs);
        signal(pid, 'SIGCONT');
      }
      await sleep(waitMs - pauseAt);
      // On a loaded machine a job may not have started processing when its wait is over; a run
      // meant to end after a checkpoint waits (bounded) for its first one, so restores happen.
      if (!early) await waitFor(`job ${jobId}'s first checkpoint`, () => hasCompletedCheckpoint(home, jobId) || !isAlive(pid), 20_000, 20).catch(() => undefined);
      let end: RunEnd = planned;
      if (planned === 'killed') {
        if (!signal(pid, 'SIGKILL')) end = 'ended';
        else await waitFor(`process ${pid} to die`, () => !isAlive(pid), 5_000, 10);
      } else if (signal(pid, 'SIGSTOP')) {
        // Frozen past the heartbeat timeout: until flink.db's heartbeat of the job is that old.
        await waitForStaleHeartbeat(home, jobId, HEARTBEAT_TIMEOUT_MS);
      } else {
        end = 'ended';
      }
      // `flink list` declares a frozen job lost (its heartbeat is stale).
      const job = await listedJob(home, jobId);
      const finishedFirst = end !== 'ended' && job.status === 'FINISHED';
      if (finishedFirst) {
        // The input ran out and the job finished just before the signal: its process was still
        // exiting, or had exited and was not yet reaped (a zombie takes signals), when the kill
        // or freeze landed. A job records FINISHED only after its final commits, so it ended by
        // itself; its output is checked as such.
        if (end !== 'killed') {
          signal(pid, 'SIGCONT');
          await waitFor(`finished process ${pid} to exit`, () => !isAlive(pid), 15_000, 20);
        }
        end = 'ended';
      }
      if (end === 'frozen-woken') {
        signal(pid, 'SIGCONT');
        await waitFor(`woken process ${pid} to stop by itself`, () => !isAlive(pid), 15_000, 20);
      } else if (end === 'frozen-restored') {
        frozenPid = pid;
      }
      const lastCheckpointId = job.lastCheckpoint?.id ?? null;
      const killed = end !== 'ended';
      runs.push({ jobId, restoredFrom: from, waitMs, lastCheckpointId, killed, end, pausedMs });
      log(
        `chaos: run ${runs.length} ${jobId.slice(0, 8)} from ${from?.slice(0, 8) ?? 'scratch'}: ${killed ? `${end} after ${waitMs} ms` : `ended by itself (${job.status}${finishedFirst ? `, before the ${planned === 'killed' ? 'kill' : 'freeze'} landed` : ''})`}${pausedMs > 0 ? ` (paused ${pausedMs} ms)` : ''}, latest checkpoint ${lastCheckpointId ?? 'none'}`,
      );
      if (!killed) {
        if (job.status !== 'FINISHED') throw new Error(`chaos: job ${jobId} ended as ${job.status} before it was killed: ${job.failureCause ?? ''}`);
        finishedEarly = true;
        problems.push(`note: the input ran out after ${runs.length - 1} of ${ends.length} kills and freezes`);
        break;
      }
      if (killed && job.status !== 'FAILED') throw new Error(`chaos: job ${jobId} is ${job.status} after it was ${end}, not FAILED`);
      if (lastCheckpointId !== null) {
        restoreFrom = jobId;
      } else if (restoreFrom === null) {
        // No checkpoint ever: start from scratch, which is only right if nothing was committed.
        const committed = committedLines(out).length + sqliteLines(db, jobKind).lines.length + ((await pg?.read())?.lines.length ?? 0);
        if (committed > 0) throw new Error(`chaos: ${committed} rows committed without any completed checkpoint`);
      }
      // else: this run took no checkpoint; the next restores from the same job as it did.
    }

    if (!finishedEarly) {
      const from = restoreFrom;
      const final = runFlink(['run', ...flinkOptions, ...(from ? ['-s', from] : []), jobFile, ...argsAt(rate * FINAL_RATE_FACTOR)], {
        home,
        timeoutMs: 120_000,
      });
      if (frozenPid !== null) {
        const stillFrozen = frozenPid;
        // Woken about when the final run restores: it is stopped by it, or stops by itself.
        setTimeout(() => signal(stillFrozen, 'SIGCONT'), 500);
        frozenPid = null;
      }
      const r: RunResult = await final;
      if (r.code !== 0) throw new Error(`chaos: the final run failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
      const { jobId } = parseAttachedRun(r.stdout);
      runs.push({ jobId, restoredFrom: from, waitMs: 0, lastCheckpointId: null, killed: false, end: 'ended', pausedMs: 0 });
      log(`chaos: final run ${jobId.slice(0, 8)} from ${from?.slice(0, 8) ?? 'scratch'} finished`);
    }

    const fileLines = committedLines(out);
    const file = check(fileLines, records);
    const sq = sqliteLines(db, jobKind);
    const sqlite = check(sq.lines, records);
    const pgRead = await pg?.read();
    const postgres = pgRead && checkLines(pgRead.lines, records);
    // The finished run's lineage: the fresh start its restores go back to.
    let root = runs.at(-1);
    while (root?.restoredFrom) root = runs.find((r) => r.jobId === root!.restoredFrom);
    const ofFinal = pgRead?.prepared.filter((gid) => root !== undefined && gid.includes(`.${root.jobId}.`)).length;
    const leftovers = {
      hiddenFiles: hiddenFiles(out).length,
      stagedRows: sq.staged,
      ...(pgRead ? { preparedTransactions: pgRead.prepared.length, preparedOfFinalLineage: ofFinal } : {}),
    };
    if (ofFinal) problems.push(`postgres: ${ofFinal} transaction(s) of the finished run's lineage left prepared`);
    // `flink list` brings flink.db level with every ended job's checkpoint directory first.
    await listJson(home);
    const ledger = ledgerProblems(readLedger(ledgerDir), {
      runs,
      completed: completedCheckpoints(home),
      parallelism,
      mode: opts.mode,
      sink: tallyOf(fileLines, jobKind === 'windowed' ? hashOfLine : inputOfLine),
      records,
    });
    problems.push(...ledger.problems);
    const lost = file.lost + sqlite.lost + (postgres?.lost ?? 0);
    const duplicated = file.duplicated + sqlite.duplicated + (postgres?.duplicated ?? 0);
    if (lost > 0) problems.push(`lost: file ${file.lost}, sqlite ${sqlite.lost}${postgres ? `, postgres ${postgres.lost}` : ''}`);
    if (opts.mode === 'EXACTLY_ONCE') {
      if (duplicated > 0) problems.push(`duplicated: file ${file.duplicated}, sqlite ${sqlite.duplicated}${postgres ? `, postgres ${postgres.duplicated}` : ''}`);
      for (const p of file.problems) problems.push(`file: ${p}`);
      for (const p of sqlite.problems) problems.push(`sqlite: ${p}`);
      for (const p of postgres?.problems ?? []) problems.push(`postgres: ${p}`);
    }
    const ok =
      lost === 0 &&
      ledger.problems.length === 0 &&
      (opts.mode === 'AT_LEAST_ONCE' || (duplicated === 0 && file.problems.length === 0 && sqlite.problems.length === 0 && (postgres?.problems.length ?? 0) === 0 && !ofFinal));
    const killsDone = runs.filter((r) => r.end === 'killed').length;
    const freezesDone = runs.filter((r) => r.end === 'frozen-restored' || r.end === 'frozen-woken').length;
    const elapsedMs = Date.now() - started;
    const summary =
      `chaos: ${jobKind === 'windowed' ? 'job=windowed ' : ''}mode=${opts.mode} kills=${killsDone} freezes=${freezesDone} pauses=${runs.filter((r) => r.pausedMs > 0).length}` +
      ` records=${records} lost=${lost} duplicated=${duplicated}` +
      ` backend=${opts.backend ?? 'hashmap'}${opts.incremental ? '+incremental' : ''}` +
      ` (file lost=${file.lost} dup=${file.duplicated}; sqlite lost=${sqlite.lost} dup=${sqlite.duplicated}` +
      `${postgres ? `; postgres lost=${postgres.lost} dup=${postgres.duplicated} rows=${postgres.rows} prepared-left=${ofFinal} (+${pgRead!.prepared.length - ofFinal!} of runs killed before their first checkpoint)` : ''})` +
      ` seed=${opts.seed} interval=${intervalMs}ms p=${parallelism}${opts.slots !== undefined ? ` slots=${opts.slots}` : ''} runs=${runs.length}` +
      ` restores=${runs.filter((r) => r.restoredFrom).length}` +
      ` ledger: restores=${ledger.restores} notified=${ledger.done} aborted=${ledger.aborted} problems=${ledger.problems.length}` +
      ` elapsed=${(elapsedMs / 1000).toFixed(1)}s`;
    return {
      mode: opts.mode,
      job: jobKind,
      expectedRows: jobKind === 'windowed' ? expectedWindowLines(records).length : records,
      seed: opts.seed,
      kills: killsDone,
      freezes: freezesDone,
      records,
      intervalMs,
      parallelism,
      lost,
      duplicated,
      file,
      sqlite,
      ...(postgres ? { postgres } : {}),
      ledger,
      runs,
      leftovers,
      elapsedMs,
      ok,
      summary,
      problems,
    };
  } finally {
    await killLeftovers();
    if (!opts.keep) removeTempDirs();
  }
}

function backendOf(v: string | undefined): 'hashmap' | 'lmdb' | undefined {
  if (v === undefined || v === 'hashmap' || v === 'lmdb') return v;
  throw new Error(`--backend must be hashmap or lmdb, got ${v}`);
}

function parseArgs(argv: readonly string[]): ChaosOptions & { quiet: boolean } {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const num = (name: string, fallback?: number): number | undefined => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${name} needs a number, got ${v}`);
    return n;
  };
  const mode = (value('--mode') ?? 'EXACTLY_ONCE').toUpperCase();
  if (mode !== 'EXACTLY_ONCE' && mode !== 'AT_LEAST_ONCE') throw new Error(`--mode must be EXACTLY_ONCE or AT_LEAST_ONCE, got ${mode}`);
  const quiet = argv.includes('--quiet');
  const job = value('--job') ?? 'keyed';
  if (job !== 'keyed' && job !== 'windowed') throw new Error(`--job must be keyed or windowed, got ${job}`);
  return {
    job,
    seed: num('--seed', 42)!,
    kills: num('--kills', 10)!,
    freezes: num('--freezes', 0)!,
    mode,
    count: num('--count'),
    rate: num('--rate'),
    parallelism: num('-p') ?? num('--parallelism'),
    keep: argv.includes('--keep'),
    backend: backendOf(value('--backend')),
    incremental: argv.includes('--incremental'),
    postgres: argv.includes('--postgres'),
    slots: num('--slots'),
    async: argv.includes('--async'),
    quiet,
    log: quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opts = parseArgs(process.argv.slice(2));
  // Ctrl-C: end the job processes this run started, then exit.
  process.once('SIGINT', () => {
    void killLeftovers().finally(() => process.exit(130));
  });
  runChaos(opts).then(
    (r) => {
      console.log(r.summary);
      for (const p of r.problems.slice(0, 20)) console.log(`  ${p}`);
      if (r.problems.length > 20) console.log(`  … (${r.problems.length} problems in all)`);
      process.exitCode = r.ok ? 0 : 1;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 2;
    },
  );
}
