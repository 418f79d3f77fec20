/**
 * One owner per job: a job process frozen (SIGSTOP) past its heartbeat timeout is declared lost,
 * and from then on it commits nothing — whether it is restored by job id while frozen (the
 * restore stops it first), woken before anyone restores it (it finds itself fenced and stops),
 * or cancelled (`flink cancel` stops its process). Each time the committed output of both
 * exactly-once sinks (FileSink, SqliteSink) is exact once the job is restored and finishes.
 *
 * Short liveness timeouts (`heartbeat.timeout` 2 s) keep it to seconds. Needs a built dist/.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import {
  cleanUpAfterAll,
  committedLines,
  dbRow,
  freshHome,
  isAlive,
  isHiddenPath,
  linesOf,
  listFiles,
  listedJob,
  parseAttachedRun,
  runDetached,
  runFlink,
  sleep,
  TSX_LOADER,
  tempDir,
  waitFor,
  waitForCheckpoint,
  waitForStaleHeartbeat,
} from './helpers.js';

cleanUpAfterAll();

const N = 9_000;
// 6 s of input: under a loaded CI machine, seeing checkpoint 2 through `flink list` took long
// enough that a 3 s job had ended before the freeze (a SIGSTOP to a process that is exiting
// freezes nothing, and the restore then finds the job FINISHED, not lost).
const RATE = '1500';
const OPTIONS = [
  '-p',
  '2',
  '-D',
  'execution.checkpointing.interval=150ms',
  '-D',
  'heartbeat.timeout=2s',
  '-D',
  'heartbeat.interval=250ms',
];
/** `heartbeat.timeout` of OPTIONS: a job frozen longer than this is lost. */
const HEARTBEAT_TIMEOUT_MS = 2_000;
/**
 * The rate of a restore to the end: nothing freezes it, and the rate limit is no state; at RATE
 * it read what the frozen run left for ~5 s per test.
 */
const RESTORE_RATE = '7500';

interface Started {
  readonly home: string;
  readonly out: string;
  readonly db: string;
  readonly jobId: string;
  readonly pid: number;
}

/** Starts the chaos job detached and freezes its process after a couple of checkpoints, past its heartbeat timeout. */
async function startAndFreeze(): Promise<Started> {
  const home = freshHome();
  const work = tempDir();
  const out = join(work, 'out');
  const db = join(work, 'events.db');
  const { jobId, pid } = await runDetached(home, CHAOS_JOB, [out, db, String(N), RATE], OPTIONS);
  await waitForCheckpoint(home, jobId, 2, 15_000);
  // The test is about a frozen job: one that ended before the freeze would test nothing.
  // (A signal is delivered a moment after it is sent: the state is looked at until it shows.)
  const state = (): string | undefined => {
    try {
      return /^\d+ \(.*\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  };
  // A freeze in the middle of one of the job's writes to flink.db (a heartbeat, a checkpoint's
  // record; 1 of 124 freezes in a field trial) keeps its write lock, and every command then takes
  // the other path, stopping the process to declare it lost (tested below), so `flink list` no
  // longer finds it alive: such a freeze is undone and made again a moment later.
  for (let attempt = 0; ; attempt++) {
    process.kill(pid, 'SIGSTOP');
    await waitFor(`the job's process ${pid} to be frozen (it must not have ended before the SIGSTOP)`, () => state() === 'T', 5_000, 10);
    if (!holdsWriteLock(home) || attempt === 20) break;
    process.kill(pid, 'SIGCONT');
    await sleep(5);
  }
  // Read in flink.db, not through `flink list`: a `flink list` starting later than the heartbeat
  // timeout after the freeze (a loaded machine) declares the job lost first.
  assert.equal(dbRow<{ status: string }>(home, 'SELECT status FROM jobs WHERE job_id = ?', jobId)?.status, 'RUNNING', 'the job still ran when it was frozen');
  await waitForStaleHeartbeat(home, jobId, HEARTBEAT_TIMEOUT_MS);
  return { home, out, db, jobId, pid };
}

/** True if another process holds flink.db's write lock (a probe that takes it for an instant otherwise). */
function holdsWriteLock(home: string): boolean {
  const conn = new Database(join(home, 'flink.db'), { fileMustExist: true, timeout: 0 });
  try {
    conn.exec('BEGIN IMMEDIATE');
    conn.exec('ROLLBACK');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY')) return true;
    throw err;
  } finally {
    conn.close();
  }
}

/** Restores the job by id, attached, to its end; returns the restored job's id. */
async function restoreToEnd(s: Started): Promise<{ jobId: string; stderr: string }> {
  const r = await runFlink(['run', ...OPTIONS, '-s', s.jobId, CHAOS_JOB, s.out, s.db, String(N), RESTORE_RATE], { home: s.home, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `the restore failed:\n${r.stdout}\n${r.stderr}`);
  return { jobId: parseAttachedRun(r.stdout).jobId, stderr: r.stderr };
}

function assertExact(s: Started): void {
  const file = checkLines(committedLines(s.out), N);
  const sqlite = checkLines(sqliteLines(s.db).lines, N);
  assert.deepEqual(
    { file: [file.rows, file.lost, file.duplicated], sqlite: [sqlite.rows, sqlite.lost, sqlite.duplicated] },
    { file: [N, 0, 0], sqlite: [N, 0, 0] },
  );
  assert.deepEqual([...file.problems, ...sqlite.problems], []);
}

/** The committed name of a pending part: `.part-….pending` → `part-…` (in its bucket directory). */
function committedNameOf(pending: string): string {
  const slash = pending.lastIndexOf('/');
  return pending.slice(0, slash + 1) + pending.slice(slash + 2).replace(/\.pending$/, '');
}

/** The ids of the job's checkpoints published (a `_metadata` in `chk-<n>`), ascending. */
function publishedCheckpoints(home: string, jobId: string): number[] {
  const dir = join(home, 'checkpoints', jobId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => /^chk-(\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, m[0], '_metadata')))
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** The checkpoint ids the SqliteSink recorded as committed. */
function sinkCommits(db: string): number[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true, timeout: 10_000 });
  try {
    return (conn.prepare('SELECT checkpoint_id AS id FROM _flink_sink_commits').all() as { id: number }[]).map((r) => r.id);
  } finally {
    conn.close();
  }
}

function wake(pid: number): void {
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // Gone already.
  }
}

/**
 * The lock holder's test mostly waits (on flink.db's busy timeout) and shares nothing with the
 * others (its own FLINK_TS_HOME), so it runs beside them. The frozen-job tests stay one after
 * another: each has a window of the heartbeat timeout (2 s) between a freeze and the command that
 * must still find the job alive, which the start-up of processes of tests beside it would eat into.
 */
describe('fencing', { concurrency: 2 }, () => {
  describe('fencing: a frozen job declared lost commits nothing more', { concurrency: false }, () => {
    test('restored by job id while frozen: the restore stops the old process first; waking it changes nothing', { timeout: 90_000 }, async () => {
      const s = await startAndFreeze();
      const restore = restoreToEnd(s);
      // Wake the old process while the restored job runs: it must no longer exist, or commit nothing.
      await waitFor('the old process to be stopped by the restore', () => !isAlive(s.pid), 20_000, 20);
      wake(s.pid);
      const { jobId, stderr } = await restore;
      assert.match(stderr, new RegExp(`Job ${s.jobId} was declared lost \\(no heartbeat within 2 s\\) but its process ${s.pid} is still alive; stopping it with SIGKILL \\(it is frozen\\)`));
      const old = await listedJob(s.home, s.jobId);
      assert.equal(old.status, 'FAILED');
      assert.equal(old.failureCause, 'job process lost');
      assert.equal((await listedJob(s.home, jobId)).status, 'FINISHED');
      assertExact(s);
    });

    test('woken after being declared lost: it finds itself fenced and stops without committing', { timeout: 90_000 }, async () => {
      const s = await startAndFreeze();
      // `flink list` declares it lost (FAILED, a new epoch) and says its process still lives.
      const list = await runFlink(['list', '-a'], { home: s.home });
      assert.match(list.stdout, new RegExp(`${s.jobId} : chaos-job \\(FAILED\\)\\n    cause: job process lost\\n    process ${s.pid} is still alive \\(frozen or hung\\): 'flink cancel ${s.jobId}' stops it`));
      const filesBefore = new Set(listFiles(s.out).filter((f) => !isHiddenPath(f)));
      // What was pre-committed when it froze: parts pending and checkpoints published. A process
      // frozen between its ownership check and the commit right after it (microseconds on the
      // main thread, a round trip on a worker) finishes that commit on waking — of a checkpoint
      // that completed before it froze, which a restore commits anyway, once (README, Reliability)
      // — and nothing else: no part not pending then, no checkpoint published after.
      const pendingBefore = new Set(listFiles(s.out).filter((f) => f.endsWith('.pending')).map(committedNameOf));
      const published = publishedCheckpoints(s.home, s.jobId);
      const newestPublished = Math.max(0, ...published);
      wake(s.pid);
      await waitFor('the woken process to stop by itself', () => !isAlive(s.pid), 20_000, 20);
      const newFiles = listFiles(s.out).filter((f) => !isHiddenPath(f) && !filesBefore.has(f));
      assert.deepEqual(newFiles.filter((f) => !pendingBefore.has(f)), [], 'no part committed after it was declared lost but one pre-committed before it froze');
      const publishedAfter = publishedCheckpoints(s.home, s.jobId);
      assert.deepEqual(publishedAfter.filter((id) => !published.includes(id)), [], 'no checkpoint published after it was declared lost');
      // A retention delete of an older checkpoint under way when it froze finishes on waking (as
      // such a commit does); the newest one it published, which a restore takes, stays.
      assert.ok(publishedAfter.includes(newestPublished), `checkpoint ${newestPublished} is still published: ${publishedAfter.join(', ')}`);
      const committedIds = sinkCommits(s.db);
      assert.ok(committedIds.every((id) => id <= newestPublished), `no row committed for a checkpoint published after it froze (committed ${committedIds.join(', ')}; newest published ${newestPublished})`);
      const log = readFileSync(join(s.home, 'log', `${s.jobId}.log`), 'utf8');
      assert.match(log, new RegExp(`Job ${s.jobId} is no longer owned by this process: another process declared it FAILED \\(job process lost\\)`));
      const old = await listedJob(s.home, s.jobId);
      assert.equal(old.status, 'FAILED', 'it wrote no status of its own');
      assert.equal(old.failureCause, 'job process lost');
      await restoreToEnd(s);
      assertExact(s);
    });

    test('flink cancel of a job declared lost whose process is frozen: stops the process', { timeout: 90_000 }, async () => {
      const s = await startAndFreeze();
      const r = await runFlink(['cancel', s.jobId], { home: s.home, timeoutMs: 20_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(linesOf(r.stdout), [
        `Stopped process ${s.pid} of job ${s.jobId}; the job stays FAILED (job process lost). 'flink run -s ${s.jobId} <job.ts>' restores it.`,
      ]);
      assert.ok(!isAlive(s.pid));
      const again = await runFlink(['cancel', s.jobId], { home: s.home });
      assert.equal(again.code, 1);
      assert.match(again.stderr, /is FAILED \(job process lost\); only a running job can be cancelled/);
      await restoreToEnd(s);
      assertExact(s);
    });

    test('flink cancel of a job frozen just before: it waits until the job is declared lost, then stops its process', { timeout: 60_000 }, async () => {
      const home = freshHome();
      const work = tempDir();
      const { jobId, pid } = await runDetached(home, CHAOS_JOB, [join(work, 'out'), join(work, 'events.db'), String(N), '500'], OPTIONS);
      await waitForCheckpoint(home, jobId, 1, 15_000);
      process.kill(pid, 'SIGSTOP');
      const r = await runFlink(['cancel', jobId], { home, timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(linesOf(r.stdout), [
        `Cancelling job ${jobId}.`,
        `Stopped process ${pid} of job ${jobId}; the job stays FAILED (job process lost). 'flink run -s ${jobId} <job.ts>' restores it.`,
      ]);
      assert.ok(!isAlive(pid));
    });

    test('a job that runs, healthy, is not restored a second time', { timeout: 60_000 }, async () => {
      const home = freshHome();
      const work = tempDir();
      const out = join(work, 'out');
      const db = join(work, 'events.db');
      const { jobId, pid } = await runDetached(home, CHAOS_JOB, [out, db, String(N), '500'], OPTIONS);
      await waitForCheckpoint(home, jobId, 1, 15_000);
      const r = await runFlink(['run', '-d', ...OPTIONS, '-s', jobId, CHAOS_JOB, out, db, String(N), RATE], { home, timeoutMs: 20_000 });
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr.trim(),
        `Error: Job ${jobId} is still RUNNING in process ${pid}: restoring it now would run it twice. ` +
          `Stop it first ('flink stop ${jobId}' takes a savepoint, 'flink cancel ${jobId}' does not), then restore.`,
      );
      assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
      assert.ok(isAlive(pid));
    });
  });

  describe('fencing: a job process frozen while it holds flink.db\'s write lock', { concurrency: false }, () => {
    test('flink cancel stops it to declare the job lost, instead of waiting on the lock forever', { timeout: 60_000 }, async () => {
      const home = freshHome();
      // The home exists once a command has run in it.
      assert.equal((await runFlink(['list'], { home })).code, 0);
      const holder = spawn(process.execPath, ['--import', TSX_LOADER, join(import.meta.dirname, 'fixtures', 'frozen-lock-holder.ts'), join(home, 'flink.db')], { stdio: ['ignore', 'pipe', 'inherit'] });
      try {
        const jobId = await new Promise<string>((resolve, reject) => {
          let out = '';
          holder.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /locked (\w+)\n/.exec(out);
            if (m) resolve(m[1]!);
          });
          holder.on('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
        });
        await waitFor('the lock holder to stop itself', () => readFileSync(`/proc/${holder.pid}/stat`, 'utf8').split(') ')[1]!.startsWith('T'), 10_000);
        const r = await runFlink(['cancel', jobId], { home, timeoutMs: 30_000 });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(linesOf(r.stdout), [
          `Stopped process ${holder.pid} of job ${jobId}; the job stays FAILED (job process lost). 'flink run -s ${jobId} <job.ts>' restores it.`,
        ]);
        assert.match(r.stderr, new RegExp(`process ${holder.pid} was frozen while writing to flink.db`));
        await waitFor('the lock holder to be gone', () => !isAlive(holder.pid!), 5_000);
        const job = await listedJob(home, jobId);
        assert.equal(job.status, 'FAILED');
      } finally {
        holder.kill('SIGKILL');
      }
    });
  });
});
