/**
 * Helpers of the end-to-end tests: they run the real `bin/flink` (the compiled CLI in dist/)
 * as a child process, each run with its own FLINK_TS_HOME and working directory.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { after } from 'node:test';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (where package.json of flink-ts is). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The `flink` command. */
export const FLINK_BIN = join(REPO, 'bin', 'flink');
/** Fixture job files of these tests (inside the package, so 'flink-ts' resolves by self-reference). */
export const FIXTURES = join(REPO, 'test', 'e2e', 'fixtures');
/** The example jobs shipped in the repository. */
export const JOBS = join(REPO, 'jobs');

const created: string[] = [];

/** A fresh, empty temporary directory; removed by {@link removeTempDirs}. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flink-e2e-'));
  created.push(dir);
  return dir;
}

/** Removes every directory {@link tempDir} made (call it from an `after` hook). */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface RunOptions {
  /** Working directory; a fresh temp dir when absent. */
  readonly cwd?: string;
  /** FLINK_TS_HOME; a fresh temp dir when absent. */
  readonly home?: string;
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** The process is killed (and the run rejects) after this long; default 10 s. */
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly home: string;
  readonly cwd: string;
}

function childEnv(home: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, FLINK_TS_HOME: home, NO_COLOR: '1', FORCE_COLOR: '0', ...extra };
  // The test runner's own context must not leak into the child.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** A running child process, its output so far, and its end. */
export interface Spawned {
  readonly child: ChildProcess;
  readonly home: string;
  readonly cwd: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `re` (rejects after `timeoutMs` or at exit). */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves when the process exits; rejects (after killing it) when it outlives its timeout. */
  readonly exited: Promise<RunResult>;
}

/** Spawns `node <command> ...args` (command: an absolute script path) with a timeout. */
export function spawnNode(nodeArgs: readonly string[], opts: RunOptions = {}): Spawned {
  const home = opts.home ?? tempDir();
  const cwd = opts.cwd ?? tempDir();
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = spawn(process.execPath, [...nodeArgs], { cwd, env: childEnv(home, opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    for (const l of [...listeners]) l();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const describe = () => `node ${nodeArgs.join(' ')}\n--- stdout (tail) ---\n${out.slice(-2000)}\n--- stderr ---\n${err.slice(-4000)}`;
  let exitedFlag = false;
  const exited = new Promise<RunResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      exitedFlag = true;
      for (const l of [...listeners]) l();
      resolvePromise({ code, signal, stdout: out, stderr: err, home, cwd });
    });
  });
  // Callers may only look at `exited` after waitForLine; don't let an early rejection go unhandled.
  exited.catch(() => undefined);
  return {
    child,
    home,
    cwd,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(re, wait = 8_000) {
      return new Promise<string>((resolvePromise, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => re.test(l));
          if (line !== undefined) {
            done();
            resolvePromise(line);
          } else if (exitedFlag) {
            done();
            reject(new Error(`process exited before printing ${re}: ${describe()}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no line matching ${re} within ${wait} ms: ${describe()}`));
        }, wait);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/**
 * `FLINK_TS_TEST_TASK_SLOTS=N` runs every `flink run` of these tests with
 * `-D taskmanager.numberOfTaskSlots=N` (`1`: every subtask on the main thread; `2`: on worker
 * threads even where the default, `auto`, would not use them), so the same e2e files prove the
 * same outputs with workers on and off. A test's own `-D` of the key comes later and wins.
 */
const FORCED_TASK_SLOTS = process.env.FLINK_TS_TEST_TASK_SLOTS;

/** `args` with the forced task slots added to a `run` command. */
function withForcedSlots(args: readonly string[]): readonly string[] {
  if (FORCED_TASK_SLOTS === undefined || FORCED_TASK_SLOTS === '' || args[0] !== 'run') return args;
  return ['run', '-D', `taskmanager.numberOfTaskSlots=${FORCED_TASK_SLOTS}`, ...args.slice(1)];
}

/**
 * The extra time a forced run on workers gets: each worker loads the job file itself, which on
 * a loaded 2-core machine takes seconds (see README, Workers).
 */
const WORKER_STARTUP_ALLOWANCE_MS = 15_000;

/** Spawns `flink ...args` (for tests that signal it while it runs). */
export function spawnFlink(args: readonly string[], opts: RunOptions = {}): Spawned {
  const forced = withForcedSlots(args);
  const slower = forced !== args ? { timeoutMs: (opts.timeoutMs ?? 10_000) + WORKER_STARTUP_ALLOWANCE_MS } : {};
  return spawnNode([FLINK_BIN, ...forced], { ...opts, ...slower });
}

/** Runs `flink ...args` to its end. */
export function runFlink(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return spawnFlink(args, opts).exited;
}

/** tsx's loader, by absolute URL so `--import` works from any working directory. */
export const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Runs a job file as a plain program: `node --import tsx <file> ...args`. */
export function runPlain(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return spawnNode(['--import', TSX_LOADER, file, ...args], opts).exited;
}

/** stdout/stderr split into lines, without the empty last one. */
export function linesOf(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** A printed line without the `n> ` prefix naming the subtask that printed it. */
export function withoutSubtask(line: string): string {
  return line.replace(/^\d+> /, '');
}

/** Checks the attached-run shape of stdout; returns the job id and the lines in between. */
export function parseAttachedRun(stdout: string): { jobId: string; body: string[]; runtimeMs: number } {
  const lines = linesOf(stdout);
  const first = /^Job has been submitted with JobID ([0-9a-f]{32})$/.exec(lines[0] ?? '');
  if (!first) throw new Error(`stdout does not start with the submitted line:\n${stdout.slice(0, 1000)}`);
  const jobId = first[1]!;
  const finished = lines.at(-2);
  const runtime = /^Job Runtime: (\d+) ms$/.exec(lines.at(-1) ?? '');
  if (finished !== `Job with JobID ${jobId} has finished.` || !runtime) {
    throw new Error(`stdout does not end with the finish lines of ${jobId}:\n${stdout.slice(-1000)}`);
  }
  return { jobId, body: lines.slice(1, -2), runtimeMs: Number(runtime[1]) };
}

/** Every file under `dir` (recursive), as paths relative to it. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? join(rel, e.name) : e.name;
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk('');
  return out.sort();
}

/** Lines of stderr that look like stack frames of flink-ts's own code (its bundles, or its sources where a source map names them). */
export function engineFrames(stderr: string): string[] {
  return linesOf(stderr).filter((l) => /^\s*at\s/.test(l) && /[/\\](dist|src)[/\\]/.test(l));
}

// ---------------------------------------------------------------------------------------------
// Job lifecycle helpers: detached jobs, flink.db, and cleanup of every job process a test started.

/** The first stdout line of `flink run` (attached or detached). */
export const SUBMITTED_LINE = /^Job has been submitted with JobID ([0-9a-f]{32})$/;

/** One entry of `flink list --json`. */
export interface ListedJob {
  readonly jobId: string;
  readonly name: string;
  readonly status: string;
  readonly pid: number | null;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly failureCause?: string | null;
  readonly lastCheckpoint: { id: number; path: string | null; time: number | null } | null;
}

const trackedPids = new Set<number>();
const trackedHomes = new Set<string>();

/** Remembers a job process (or a home whose job processes) {@link killLeftovers} must end. */
export function trackPid(pid: number | null | undefined): void {
  if (typeof pid === 'number' && pid > 0) trackedPids.add(pid);
}

/** Remembers a home: every job pid recorded in its flink.db is killed by {@link killLeftovers}. */
export function trackHome(home: string): string {
  trackedHomes.add(home);
  return home;
}

/** True if a process with this pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A zombie (exited, not yet reaped by its parent) counts as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return true;
  }
}

/** True if `pid` is (still) a flink-ts process, so killing it cannot hit a reused pid. */
function isFlinkProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(FLINK_BIN);
  } catch {
    return false;
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `intervalMs` until it returns a truthy value; rejects after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 5_000,
  intervalMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Job pids recorded in a home's flink.db (empty if it has none or cannot be read). */
function recordedPids(home: string): number[] {
  const file = join(home, 'flink.db');
  if (!existsSync(file)) return [];
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2_000 });
    try {
      return (db.prepare('SELECT pid FROM jobs WHERE pid IS NOT NULL').all() as { pid: number }[]).map((r) => r.pid);
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/**
 * SIGKILLs every tracked job process still alive (explicit pids, and pids recorded in tracked
 * homes that are still flink processes), and waits briefly for them to go. Call from `after`.
 */
export async function killLeftovers(): Promise<number[]> {
  const pids = new Set(trackedPids);
  for (const home of trackedHomes) for (const pid of recordedPids(home)) pids.add(pid);
  const killed: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid || !isAlive(pid) || !isFlinkProcess(pid)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  const deadline = Date.now() + 3_000;
  while (killed.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  trackedPids.clear();
  trackedHomes.clear();
  return killed;
}

/** Registers the `after` hook of a test file that starts jobs: {@link killLeftovers}, then {@link removeTempDirs}. */
export function cleanUpAfterAll(): void {
  after(async () => {
    await killLeftovers();
    removeTempDirs();
  });
}

/** A fresh FLINK_TS_HOME (tracked for cleanup); `create` makes the directory itself too. */
export function freshHome(): string {
  return trackHome(join(tempDir(), 'home'));
}

/** `flink list [...flags] --json`, parsed; fails loudly on a non-zero exit or bad JSON. */
export async function listJson(home: string, flags: readonly string[] = ['-a']): Promise<ListedJob[]> {
  const r = await runFlink(['list', ...flags, '--json'], { home, timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`flink list --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ListedJob[];
}

/**
 * `flink run -d <file> [args]`: returns the job id and its pid (both tracked for cleanup). The pid
 * is read from flink.db: `flink run -d` returns once the job's process has recorded itself, and a
 * `flink list` to learn it cost ~0.5 s of wall and ~0.3 s of CPU per detached job.
 */
export async function runDetached(
  home: string,
  file: string,
  args: readonly string[] = [],
  flinkOptions: readonly string[] = [],
): Promise<{ jobId: string; pid: number; result: RunResult }> {
  trackHome(home);
  const result = await runFlink(['run', '-d', ...flinkOptions, file, ...args], { home, timeoutMs: 20_000 });
  const m = SUBMITTED_LINE.exec(linesOf(result.stdout)[0] ?? '');
  if (result.code !== 0 || !m) {
    throw new Error(`flink run -d failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  const jobId = m[1]!;
  const pid = dbRow<{ pid: number | null }>(home, 'SELECT pid FROM jobs WHERE job_id = ?', jobId)?.pid;
  if (typeof pid !== 'number') throw new Error(`job ${jobId} has no pid in flink.db`);
  trackPid(pid);
  return { jobId, pid, result };
}

/** Opens a home's flink.db read-only (close it when done). */
export function openDbReadonly(home: string): Database.Database {
  return new Database(join(home, 'flink.db'), { readonly: true, fileMustExist: true, timeout: 5_000 });
}

/** The first row `sql` selects from a home's flink.db (undefined if none). */
export function dbRow<T>(home: string, sql: string, ...params: unknown[]): T | undefined {
  const db = openDbReadonly(home);
  try {
    return db.prepare(sql).get(...params) as T | undefined;
  } finally {
    db.close();
  }
}

/**
 * The jobs a home's flink.db holds (id and status, oldest first), none if there is none: read
 * directly, not through `flink list` (a process of ~0.3 s of CPU; tests that look before and
 * after each of many refusals asked it dozens of times). A row still active whose process died
 * would be one `flink list` shows FAILED: this is the stricter look.
 */
export function jobRows(home: string): { job_id: string; status: string }[] {
  if (!existsSync(join(home, 'flink.db'))) return [];
  const db = openDbReadonly(home);
  try {
    return db.prepare('SELECT job_id, status FROM jobs ORDER BY start_time').all() as { job_id: string; status: string }[];
  } finally {
    db.close();
  }
}

/** The status transitions recorded for a job in job_events, as `FROM>TO` strings. */
export function statusHistory(home: string, jobId: string): string[] {
  const db = openDbReadonly(home);
  try {
    const rows = db
      .prepare("SELECT status_from, status_to FROM job_events WHERE job_id = ? AND kind = 'status' ORDER BY id")
      .all(jobId) as { status_from: string | null; status_to: string | null }[];
    return rows.map((r) => `${r.status_from ?? ''}>${r.status_to ?? ''}`);
  } finally {
    db.close();
  }
}

/** Lines of `text` that look like stack frames (`    at ...`). */
export function stackLines(text: string): string[] {
  return linesOf(text).filter((l) => /^\s*at\s/.test(l));
}

/** stderr lines without warnings (`Warning: ...`). */
export function nonWarningLines(stderr: string): string[] {
  return linesOf(stderr).filter((l) => !/^Warning:/.test(l));
}

// ---------------------------------------------------------------------------------------------
// Checkpoint helpers: checkpoint history, snapshot directories, FileSink output, crashes.

/** One entry of `flink checkpoints <id> --json`. */
export interface CheckpointJson {
  readonly jobId: string;
  readonly checkpointId: number;
  readonly kind: string;
  readonly status: string;
  readonly discarded: boolean;
  readonly triggerTime: number;
  readonly endTime: number | null;
  readonly durationMs: number | null;
  readonly stateSize: number | null;
  readonly checkpointedSize: number | null;
  readonly path: string | null;
  readonly failureReason: string | null;
  readonly restoreProblem: string | null;
}

/** `flink checkpoints <jobId> --json`, parsed; fails loudly on a non-zero exit or bad JSON. */
export async function checkpointsJson(home: string, jobId: string): Promise<CheckpointJson[]> {
  const r = await runFlink(['checkpoints', jobId, '--json'], { home, timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`flink checkpoints ${jobId} --json exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as CheckpointJson[];
}

/** The `flink list -a --json` entry of one job. */
export async function listedJob(home: string, jobId: string): Promise<ListedJob> {
  const job = (await listJson(home)).find((j) => j.jobId === jobId);
  if (!job) throw new Error(`job ${jobId} is not listed`);
  return job;
}

/**
 * Waits until a job's lastCheckpoint id is at least `minId`; returns its list entry. Fails at
 * once (message starting with 'job ended') if the job is no longer RUNNING before that.
 */
export async function waitForCheckpoint(home: string, jobId: string, minId: number, timeoutMs = 10_000): Promise<ListedJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Polled in flink.db directly (cheap, so the moment is not missed on a busy machine); the
    // answer is then the job's `flink list` entry.
    const row = dbJobRow(home, jobId);
    if (row && (row.last_checkpoint_id ?? 0) < minId && !['FINISHED', 'CANCELED', 'FAILED'].includes(row.status) && Date.now() <= deadline) {
      await new Promise((r) => setTimeout(r, 10));
      continue;
    }
    const job = await listedJob(home, jobId);
    if ((job.lastCheckpoint?.id ?? 0) >= minId) return job;
    if (job.status === 'FINISHED' || job.status === 'CANCELED' || job.status === 'FAILED') {
      throw new Error(`job ended (${job.status}) before checkpoint ${minId}: ${JSON.stringify(job)}`);
    }
    if (Date.now() > deadline) throw new Error(`no checkpoint ${minId} of ${jobId} within ${timeoutMs} ms: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A job's status and last checkpoint id straight from flink.db (undefined if unreadable). */
function dbJobRow(home: string, jobId: string): { status: string; last_checkpoint_id: number | null } | undefined {
  try {
    const db = openDbReadonly(home);
    try {
      return db.prepare('SELECT status, last_checkpoint_id FROM jobs WHERE job_id = ?').get(jobId) as
        | { status: string; last_checkpoint_id: number | null }
        | undefined;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** The id of a job's last completed checkpoint as flink.db has it now (cheap: no CLI spawned), or 0. */
export function lastCheckpointId(home: string, jobId: string): number {
  return dbJobRow(home, jobId)?.last_checkpoint_id ?? 0;
}

/**
 * Waits until the heartbeat flink.db has of a job is older than `heartbeatTimeoutMs` (the job's
 * `heartbeat.timeout`): from then on the next command that looks declares it lost. For a frozen
 * process this is the moment a fixed sleep of the timeout and a margin only approximated.
 */
export async function waitForStaleHeartbeat(home: string, jobId: string, heartbeatTimeoutMs: number, timeoutMs = 15_000): Promise<void> {
  const margin = 50;
  await waitFor(
    `the heartbeat of ${jobId} to be older than ${heartbeatTimeoutMs} ms`,
    () => {
      const heartbeat = dbRow<{ heartbeat: number | null }>(home, 'SELECT heartbeat FROM jobs WHERE job_id = ?', jobId)?.heartbeat;
      return typeof heartbeat === 'number' && Date.now() - heartbeat > heartbeatTimeoutMs + margin;
    },
    timeoutMs,
    20,
  );
}

/** `kill -9` a job process and waits until it is gone. */
export async function killHard(pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor(`process ${pid} to die`, () => !isAlive(pid), 5_000, 20);
}

/** Ids of the `chk-<n>` directories in a job's checkpoint directory, ascending ([] if none). */
export function checkpointDirIds(jobCheckpointsDir: string): number[] {
  if (!existsSync(jobCheckpointsDir)) return [];
  return readdirSync(jobCheckpointsDir)
    .map((n) => /^chk-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** True if a path segment of `rel` is hidden (FileSink's in-progress and pending files). */
export function isHiddenPath(rel: string): boolean {
  return rel.split(/[/\\]/).some((part) => part.startsWith('.'));
}

/** The committed output of a FileSink directory: every line of every visible file. */
export function committedLines(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return listFiles(dir)
    .filter((f) => !isHiddenPath(f))
    .flatMap((f) => linesOf(readFileSync(join(dir, f), 'utf8')));
}

/** The hidden files (in-progress, pending) under a FileSink directory. */
export function hiddenFiles(dir: string): string[] {
  return existsSync(dir) ? listFiles(dir).filter(isHiddenPath) : [];
}

// ---------------------------------------------------------------------------------------------
// Savepoint helpers: savepoint paths in CLI output, job status waits, keyed-count output checks.

/** The `Savepoint completed. Path: <path>` line of `flink savepoint` / `flink stop`. */
export const SAVEPOINT_COMPLETED = /^Savepoint completed\. Path: (.+)$/;

/** The savepoint path a successful `flink savepoint` / `flink stop` printed; throws with its output otherwise. */
export function savepointPathOf(r: RunResult): string {
  const line = linesOf(r.stdout).find((l) => SAVEPOINT_COMPLETED.test(l));
  if (r.code !== 0 || line === undefined) {
    throw new Error(`no savepoint (exit ${r.code}):\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
  return SAVEPOINT_COMPLETED.exec(line)![1]!;
}

/**
 * Waits until `flink list -a --json` shows the job in one of `statuses`; returns its entry.
 * flink.db is polled directly (a `flink list` is a process of ~0.2 s of CPU, and the suite
 * waits on statuses hundreds of times); the CLI is asked when the row shows a wanted status, and
 * at least once a second besides, since `flink list` is what notices a job whose process died
 * and records it (liveness reconciliation), which no row changes by itself.
 */
export async function waitForStatus(home: string, jobId: string, statuses: readonly string[], timeoutMs = 10_000): Promise<ListedJob> {
  const deadline = Date.now() + timeoutMs;
  let asked = 0;
  let last: ListedJob | undefined;
  for (;;) {
    const row = dbJobRow(home, jobId);
    const now = Date.now();
    if ((row !== undefined && statuses.includes(row.status)) || now - asked >= 1_000 || now > deadline) {
      asked = now;
      try {
        last = await listedJob(home, jobId);
        if (statuses.includes(last.status)) return last;
      } catch (err) {
        if (now > deadline) throw err;
      }
      if (now > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for job ${jobId} to be ${statuses.join('/')}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * `flink cancel <jobId>`, which must succeed; then waits until flink.db has the job CANCELED (a
 * cancelled job is no dead process for `flink list` to notice: its row says it all).
 */
export async function cancelJob(home: string, jobId: string): Promise<void> {
  const r = await runFlink(['cancel', jobId], { home, timeoutMs: 15_000 });
  assert.equal(r.code, 0, `cancel failed: ${r.stderr}`);
  await waitFor(
    `job ${jobId} to be CANCELED`,
    () => {
      const status = dbJobRow(home, jobId)?.status;
      if (status !== 'CANCELED') throw new Error(`flink.db has it ${status ?? 'unreadable'}`);
      return true;
    },
    10_000,
    20,
  );
}

/** Waits until a FileSink directory has an in-progress part file, i.e. records are being written. */
export async function waitForInProgressPart(dir: string, timeoutMs = 8_000): Promise<void> {
  await waitFor(`an in-progress part file in ${dir}`, () => hiddenFiles(dir).some((f) => f.endsWith('.inprogress')), timeoutMs, 20);
}

/**
 * The flink.db rows of a home's jobs that are not terminated (CREATED, RUNNING, RESTARTING,
 * CANCELLING, FAILING): {@link jobRows}, so a row left active by a process that died counts too.
 */
export function activeJobRows(home: string): { job_id: string; status: string }[] {
  return jobRows(home).filter((j) => !['FINISHED', 'CANCELED', 'FAILED'].includes(j.status));
}

/** A `key,count,i[,...]` output line of a keyed count job. */
export interface KeyedCountLine {
  readonly key: number;
  readonly count: number;
  readonly i: number;
  /** Fields after the third (e.g. a marker a later job version appends). */
  readonly rest: readonly string[];
}

/** Parses `key,count,i[,...]` lines; throws on a malformed one. */
export function parseKeyedCountLines(lines: readonly string[]): KeyedCountLine[] {
  return lines.map((line) => {
    const [k, c, i, ...rest] = line.split(',');
    const parsed = { key: Number(k), count: Number(c), i: Number(i), rest };
    if (![parsed.key, parsed.count, parsed.i].every(Number.isInteger)) throw new Error(`malformed output line: ${JSON.stringify(line)}`);
    return parsed;
  });
}

function firstFew(xs: readonly number[]): string {
  return xs.length <= 10 ? xs.join(', ') : `${xs.slice(0, 10).join(', ')}, … (${xs.length} in all)`;
}

/**
 * What is wrong with the committed output of a keyed count job over inputs 0..n-1 keyed by
 * i % keys, as an exactly-once run must produce it: every i exactly once, on its key, and the
 * counts of each key exactly 1..n/keys (so the final count per key is n/keys). [] if all is well.
 */
export function keyedCountProblems(lines: readonly string[], n: number, keys = 10): string[] {
  const problems: string[] = [];
  const parsed = parseKeyedCountLines(lines);
  const seen = new Map<number, number>();
  for (const l of parsed) seen.set(l.i, (seen.get(l.i) ?? 0) + 1);
  const missing: number[] = [];
  const repeated: number[] = [];
  for (let i = 0; i < n; i++) {
    const times = seen.get(i) ?? 0;
    if (times === 0) missing.push(i);
    else if (times > 1) repeated.push(i);
  }
  const outOfRange = [...seen.keys()].filter((i) => i < 0 || i >= n);
  if (missing.length > 0) problems.push(`missing inputs: ${firstFew(missing)}`);
  if (repeated.length > 0) problems.push(`repeated inputs: ${firstFew(repeated)}`);
  if (outOfRange.length > 0) problems.push(`inputs out of range: ${firstFew(outOfRange)}`);
  const wrongKey = parsed.filter((l) => l.key !== l.i % keys).map((l) => l.i);
  if (wrongKey.length > 0) problems.push(`inputs on the wrong key: ${firstFew(wrongKey)}`);
  const perKey = n / keys;
  for (let k = 0; k < keys; k++) {
    const counts = parsed.filter((l) => l.key === k).map((l) => l.count).sort((a, b) => a - b);
    const ok = counts.length === perKey && counts.every((c, idx) => c === idx + 1);
    if (!ok) problems.push(`key ${k}: counts are not exactly 1..${perKey} (${counts.length} lines, max ${counts.at(-1) ?? 'none'})`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Failover helpers: a job's recorded events and effective configuration.

/** One row of job_events. */
export interface JobEventRow {
  readonly kind: 'restart' | 'failure' | 'status';
  readonly time: number;
  readonly statusFrom: string | null;
  readonly statusTo: string | null;
  readonly cause: string | null;
  readonly attempt: number | null;
}

/** Every job_events row of a job, in order. */
export function jobEvents(home: string, jobId: string): JobEventRow[] {
  const db = openDbReadonly(home);
  try {
    return db
      .prepare('SELECT kind, time, status_from AS statusFrom, status_to AS statusTo, cause, attempt FROM job_events WHERE job_id = ? ORDER BY id')
      .all(jobId) as JobEventRow[];
  } finally {
    db.close();
  }
}

/** The effective configuration recorded for a job (its `jobs.config` JSON). */
export function jobConfig(home: string, jobId: string): Record<string, unknown> {
  const db = openDbReadonly(home);
  try {
    const row = db.prepare('SELECT config FROM jobs WHERE job_id = ?').get(jobId) as { config: string } | undefined;
    if (!row) throw new Error(`job ${jobId} is not in flink.db`);
    return JSON.parse(row.config) as Record<string, unknown>;
  } finally {
    db.close();
  }
}
