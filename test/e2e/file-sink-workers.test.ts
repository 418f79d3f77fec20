/**
 * The FileSink on worker threads and across rescaling, through the real `flink` CLI, with real
 * SIGKILLs (after Flink's FileSinkITBase and StreamingExecutionFileSinkITCase: buckets by modulo,
 * parts rolling by size and at checkpoints, a failure mid-run, then every record exactly once in
 * the finished files). A keyed count at -p 2 on two workers is killed at chosen moments — at a
 * barrier while its parts roll, before a part rolls by size, from outside while parts are open,
 * between a checkpoint's completion and its commit, after its final checkpoint — and each time
 * restored from its latest checkpoint at another parallelism (1 on one thread, 2 and 3 on two
 * workers). Flink's FileSink redistributes its writer state and committables on rescale; here
 * every subtask sees every pending file (union state) and commits it idempotently, and each
 * open part is cut back and committed by one subtask. What must hold, as in Flink: nothing lost,
 * nothing twice, no hidden (in-progress or pending) file once the job has finished, each part
 * file written by one subtask, and part names unique. Every job process started here is ended
 * in `after`.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES, type ListedJob, type RunResult, cleanUpAfterAll, committedLines, dbRow, freshHome, hiddenFiles, isHiddenPath, keyedCountProblems, killHard,
  linesOf, listFiles, listedJob, parseAttachedRun, parseKeyedCountLines, runDetached, runFlink, savepointPathOf, tempDir, waitFor,
  waitForStatus,
} from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'file-sink-crash.ts');
/** Inputs: enough that a run at 2000 a second is still far from its end when it is killed, on a loaded machine too. */
const N = 20_000;
const D = (kv: string) => ['-D', kv];
/** Parallelism and where subtasks run: `workers` = two worker threads, `thread` = the main thread. */
const at = (p: number, where: 'workers' | 'thread') => ['-p', String(p), ...D(`taskmanager.numberOfTaskSlots=${where === 'workers' ? 2 : 1}`)];
const every = (interval: string) => D(`execution.checkpointing.interval=${interval}`);

type Kill = 'none' | 'barrier' | 'roll' | 'notify' | 'final' | 'throw';
interface Step {
  readonly p: number;
  readonly where: 'workers' | 'thread';
  readonly kill: Kill;
  readonly policy: 'checkpoint' | 'size';
  readonly rate?: string;
  readonly interval?: string;
  /** A job id or snapshot path to restore from. */
  readonly from?: string;
}

/** A restart strategy for the job that fails over once (`throw`). */
const RESTARTS = [...D('restart-strategy.type=fixed-delay'), ...D('restart-strategy.fixed-delay.attempts=2'), ...D('restart-strategy.fixed-delay.delay=100ms')];

/**
 * `flink run` (attached) of the fixture into `out`: until it ends or SIGKILLs itself where `kill`
 * says (`throw`: it fails over once, then ends).
 */
async function run(home: string, out: string, s: Step): Promise<{ jobId: string; r: RunResult }> {
  const marker = join(dirname(out), `killed-${Math.random().toString(16).slice(2)}`);
  const r = await runFlink(
    ['run', ...(s.from ? ['-s', s.from] : []), ...at(s.p, s.where), ...every(s.interval ?? '100ms'), ...(s.kill === 'throw' ? RESTARTS : []), JOB, out, marker, s.kill, String(N), s.rate ?? '2000', s.policy, '2048'],
    { home, timeoutMs: 40_000 },
  );
  const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
  assert.ok(jobId, `no job id:\n${r.stdout}\n${r.stderr}`);
  if (s.kill === 'none' || s.kill === 'throw') {
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    parseAttachedRun(r.stdout);
    if (s.kill === 'throw') assert.equal(readFileSync(marker, 'utf8'), 'throw\n');
  } else {
    assert.equal(r.signal, 'SIGKILL', `the job killed itself (${s.kill}):\n${r.stdout}\n${r.stderr}`);
    assert.equal(readFileSync(marker, 'utf8'), `${s.kill}\n`);
  }
  assert.deepEqual(lostRecords(r.stderr), [], 'no restore found a part gone');
  return { jobId, r };
}

/** How many checkpoints of `jobId` itself completed (its ids go on from the restored one's). */
function completedCheckpoints(home: string, jobId: string): number {
  return dbRow<{ n: number }>(home, "SELECT COUNT(*) AS n FROM checkpoints WHERE job_id = ? AND status NOT IN ('IN_PROGRESS', 'FAILED')", jobId)?.n ?? 0;
}

/** Lines in which the sink says a restore found a recorded part missing. */
function lostRecords(stderr: string): string[] {
  return linesOf(stderr).filter((l) => /^FileSink: .*(is gone|holds \d+ of the)/.test(l));
}

/** The hidden files of the run of `jobId` (their names carry the first 12 characters of its id). */
function hiddenOf(out: string, jobId: string): string[] {
  return hiddenFiles(out).filter((f) => basename(f).startsWith(`.part-${jobId.slice(0, 12)}`));
}

/**
 * What is wrong with the visible files under `out` at any moment: an input committed twice, a line
 * in another bucket than its key's, a part holding lines of another subtask than the one its name
 * names (two subtasks writing one file), a name seen twice or not of the sink's form. [] if none.
 */
function partProblems(out: string): string[] {
  const problems: string[] = [];
  const seen = new Set<number>();
  const names = new Set<string>();
  for (const f of listFiles(out).filter((f) => !isHiddenPath(f))) {
    const name = basename(f);
    const m = /^part-[0-9a-z]{12}[0-9a-f]{16}-(\d+)-\d+$/.exec(name);
    if (!m) problems.push(`not a part name: ${f}`);
    if (names.has(name)) problems.push(`part name used twice: ${name}`);
    names.add(name);
    for (const l of parseKeyedCountLines(linesOf(readFileSync(join(out, f), 'utf8')))) {
      if (seen.has(l.i)) problems.push(`input ${l.i} committed twice`);
      seen.add(l.i);
      if (dirname(f) !== `k=${l.key % 3}`) problems.push(`input ${l.i} (key ${l.key}) in bucket ${dirname(f)}`);
      if (m && l.rest[0] !== m[1]) problems.push(`${f} of subtask ${m[1]} holds input ${l.i} written by subtask ${l.rest[0]}`);
    }
  }
  return problems.slice(0, 10);
}

/** The job ran to its end: every input exactly once with its counts, nothing hidden left, every part sound. */
function assertFinishedExactlyOnce(out: string): void {
  assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
  assert.deepEqual(partProblems(out), []);
  assert.deepEqual(hiddenFiles(out), [], 'no in-progress or pending file is left');
}

describe('FileSink on workers, killed and restored at other parallelisms', { concurrency: false }, () => {
  test('p=2 on workers → kills at a barrier mid-roll, before a roll by size, from outside, between completion and commit, after the final checkpoint → restores at 3, 1 (one thread), 2, 3, 2: every input once', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');

    // A: at the third barrier or later, the first part of the barrier is pending, the second still open.
    const a = await run(home, out, { p: 2, where: 'workers', kill: 'barrier', policy: 'checkpoint' });
    assert.ok(hiddenOf(out, a.jobId).some((f) => f.endsWith('.pending')) && hiddenOf(out, a.jobId).some((f) => f.endsWith('.inprogress')), hiddenFiles(out).join(' '));
    assert.deepEqual(partProblems(out), []);

    // B: restored at 3 on two workers (one runs subtasks 0 and 2); parts stay open across checkpoints
    // and it dies as one is about to roll by size.
    const b = await run(home, out, { p: 3, where: 'workers', kill: 'roll', policy: 'size', from: a.jobId });
    assert.deepEqual(hiddenOf(out, a.jobId), [], "the restore committed A's pending parts and deleted those after its checkpoint");
    assert.ok(hiddenOf(out, b.jobId).some((f) => f.endsWith('.inprogress')));
    assert.deepEqual(partProblems(out), []);

    // C: restored at 1 on the main thread; killed from outside while its parts are open.
    const c = await runDetached(home, JOB, [out, join(dirname(out), 'unused'), 'none', String(N), '2000', 'size', '2048'], [...at(1, 'thread'), ...every('100ms'), '-s', b.jobId]);
    await waitFor('two checkpoints of C', () => completedCheckpoints(home, c.jobId) >= 2, 20_000);
    await waitFor('an open part of C', () => hiddenOf(out, c.jobId).some((f) => f.endsWith('.inprogress')), 10_000, 20);
    await killHard(c.pid);
    assert.deepEqual(hiddenOf(out, b.jobId), [], "B's open parts were cut back and committed by one subtask each, or deleted");
    assert.deepEqual(partProblems(out), []);

    // D: restored at 2 on workers; dies when its second checkpoint completes, before its sink commits it.
    const d = await run(home, out, { p: 2, where: 'workers', kill: 'notify', policy: 'checkpoint', from: c.jobId });
    assert.ok(hiddenOf(out, d.jobId).some((f) => f.endsWith('.pending')), 'a completed checkpoint left uncommitted');
    assert.deepEqual(partProblems(out), []);

    // E: restored at 3 on workers, runs to its end; the final checkpoint completes and it dies before committing it.
    const e = await run(home, out, { p: 3, where: 'workers', kill: 'final', policy: 'size', rate: 'max', interval: '1h', from: d.jobId });
    assert.ok(hiddenOf(out, e.jobId).length > 0, 'the final checkpoint left parts to commit');
    assert.ok(committedLines(out).length < N);
    assert.deepEqual(partProblems(out), []);

    // F: restored from the final checkpoint at 2 on workers: it commits what E pre-committed, and ends.
    await run(home, out, { p: 2, where: 'workers', kill: 'none', policy: 'size', from: e.jobId });
    assertFinishedExactlyOnce(out);
  });

  test('killed between a checkpoint’s completion and its commit at p=2 on workers: restored at 1 (one thread), 2 and 3 (workers, failing over once more) from that one checkpoint, each ends with every input once', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const killed = await run(home, out, { p: 2, where: 'workers', kill: 'notify', policy: 'checkpoint' });
    assert.ok(hiddenOf(out, killed.jobId).some((f) => f.endsWith('.pending')));
    // `flink list` finds the job lost; from then on its checkpoints are only read.
    assert.equal((await listedJob(home, killed.jobId)).status, 'FAILED');

    // The sink's state records its files' directory (as Flink's committables carry full paths), so
    // each restore runs in that directory, put back first as the kill left it.
    const asKilled = join(root, 'out-as-killed');
    cpSync(out, asKilled, { recursive: true });
    // One after the other: a job is continued by one restore at a time (a second one is refused while
    // it starts). The one at 3 fails over before its first checkpoint, so it restores that checkpoint twice.
    for (const how of ['1 thread', '2 workers', '3 workers'] as const) {
      rmSync(out, { recursive: true, force: true });
      cpSync(asKilled, out, { recursive: true });
      const [p, where] = how.split(' ') as [string, 'thread' | 'workers'];
      const restore = how === '3 workers' ? ({ kill: 'throw', interval: '1h' } as const) : ({ kill: 'none' } as const);
      const { jobId } = await run(home, out, { p: Number(p), where, policy: 'checkpoint', rate: 'max', from: killed.jobId, ...restore });
      if (restore.kill === 'throw') assert.equal((await listedJob(home, jobId) as ListedJob & { restarts: number }).restarts, 1);
      assertFinishedExactlyOnce(out);
    }
  });

  test('flink stop at p=2 on workers while parts are open across checkpoints, then flink run -s at p=3 on workers: every input once', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await runDetached(home, JOB, [out, join(root, 'unused'), 'none', String(N), '1500', 'size', '4096'], [...at(2, 'workers'), ...every('100ms')]);
    await waitFor('three checkpoints', () => completedCheckpoints(home, jobId) >= 3, 20_000);
    await waitFor('an open part', () => hiddenOf(out, jobId).some((f) => f.endsWith('.inprogress')), 10_000, 20);
    const sp = savepointPathOf(await runFlink(['stop', jobId, '-p', join(root, 'sps')], { home, timeoutMs: 20_000 }));
    await waitForStatus(home, jobId, ['FINISHED']);

    // Suspended, not drained: open parts stay hidden for the restore; what is visible is committed once.
    const left = hiddenOf(out, jobId);
    assert.ok(left.length > 0 && left.every((f) => f.endsWith('.inprogress')), left.join(' '));
    assert.ok(committedLines(out).length < N);
    assert.deepEqual(partProblems(out), []);

    await run(home, out, { p: 3, where: 'workers', kill: 'none', policy: 'size', rate: 'max', from: sp });
    assertFinishedExactlyOnce(out);
  });
});
