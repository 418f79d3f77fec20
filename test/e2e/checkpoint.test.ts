/**
 * End-to-end tests of checkpoints through the real `flink` CLI: periodic checkpoints of a
 * detached job, `kill -9` and `flink run -s` (exactly-once output through the two-phase
 * FileSink), the forms `-s` accepts, retention, `flink checkpoint` / `flink checkpoints`,
 * cancellation retention, checkpoints that cannot be written, and snapshots `-s` must refuse.
 * Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, test } from 'node:test';
import {
  checkpointDirIds, checkpointsJson, cleanUpAfterAll, committedLines, freshHome, hiddenFiles,
  isAlive, jobRows, killHard, linesOf, listedJob, nonWarningLines, parseAttachedRun, runDetached, runFlink,
  stackLines, tempDir, waitFor, waitForCheckpoint,
} from './helpers.js';
import { CKPT_KEYED_COUNT as JOB } from './fixture-jobs.js';

cleanUpAfterAll();

const interval = (v: string) => ['-D', `execution.checkpointing.interval=${v}`];
const option = (k: string, v: string) => ['-D', `execution.checkpointing.${k}=${v}`];

/** The line an uninterrupted run writes for input i (one source subtask, in order). */
const lineOf = (i: number) => `${i % 10},${Math.floor(i / 10) + 1},${i}`;

/** Output lines must be exactly the inputs 0..n-1, once each, with the counts of an uninterrupted run. */
function assertExactlyOnce(lines: readonly string[], n: number, what: string): void {
  const seen = new Map<number, number>();
  const wrong: string[] = [];
  for (const l of lines) {
    const m = /^(\d),(\d+),(\d+)$/.exec(l);
    assert.ok(m, `${what}: malformed line ${JSON.stringify(l)}`);
    const i = Number(m[3]);
    seen.set(i, (seen.get(i) ?? 0) + 1);
    if (l !== lineOf(i)) wrong.push(l);
  }
  const dup = [...seen].filter(([, c]) => c > 1).map(([i]) => i);
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  const extra = [...seen.keys()].filter((i) => i >= n);
  assert.deepEqual(
    { duplicated: dup.length, missing: missing.length, beyondInput: extra.length },
    { duplicated: 0, missing: 0, beyondInput: 0 },
    `${what}: duplicated e.g. ${dup.slice(0, 5)}; missing e.g. ${missing.slice(0, 5)}`,
  );
  assert.deepEqual(wrong.slice(0, 5), [], `${what}: ${wrong.length} lines with a count other than an uninterrupted run's`);
  // Final count per key (the highest count seen) — all keys equal n / 10.
  const final = new Map<string, number>();
  for (const l of lines) {
    const [k, c] = l.split(',');
    final.set(k!, Math.max(final.get(k!) ?? 0, Number(c)));
  }
  assert.deepEqual(
    [...final].sort(),
    Array.from({ length: 10 }, (_, k) => [String(k), n / 10]),
    `${what}: final count per key`,
  );
}

async function cancel(home: string, jobId: string): Promise<void> {
  const r = await runFlink(['cancel', jobId], { home, timeoutMs: 15_000 });
  assert.equal(r.code, 0, `cancel: ${r.stderr}`);
}

function checkpointsBase(home: string, jobId: string): string {
  return join(home, 'checkpoints', jobId);
}

/**
 * The groups share nothing (each test has its own FLINK_TS_HOME; the refusals share one home of
 * their own) but run one after another: two at once took this file alone from ~29 s to ~21 s,
 * but in the whole suite, which already runs two files at once on two cores, it took longer
 * (CI, 2026-12-07: 33 s before, 39 s with two groups at once).
 */
describe('checkpoints through the CLI', { concurrency: false }, () => {
  describe('kill -9 and flink run -s', { concurrency: false }, () => {
    test('a crashed job restored from its last checkpoint commits every input exactly once', async () => {
      const N = 4000;
      const home = freshHome();
      const out = join(tempDir(), 'out');
      // An uninterrupted run, for comparison (own home, no rate limit).
      const straightOut = join(tempDir(), 'straight');
      const straight = runFlink(['run', JOB, straightOut, String(N), 'max'], { home: freshHome(), timeoutMs: 20_000 });

      // ~4 s of input at 1000/s; checkpoints every 200 ms.
      const { jobId, pid } = await runDetached(home, JOB, [out, String(N), '1000'], interval('200ms'));
      await waitForCheckpoint(home, jobId, 3);
      await killHard(pid);

      // The newest checkpoint as recorded when the process died (num-retained 1: the only one).
      const crashed = await listedJob(home, jobId);
      assert.equal(crashed.status, 'FAILED', 'a killed job is not left RUNNING');
      const chk = crashed.lastCheckpoint!;
      assert.ok(chk.id >= 3, JSON.stringify(chk));
      assert.equal(chk.path, join(checkpointsBase(home, jobId), `chk-${chk.id}`));
      assert.equal(typeof chk.time, 'number');
      const complete = checkpointDirIds(checkpointsBase(home, jobId)).filter((id) => existsSync(join(checkpointsBase(home, jobId), `chk-${id}`, '_metadata')));
      // num-retained 1: the recorded one, plus at most the one before or after it if the kill
      // came between publishing a checkpoint, recording it, and deleting its predecessor.
      assert.ok(complete.includes(chk.id) && complete.length <= 2, `complete checkpoints ${complete}, recorded ${chk.id}`);
      assert.ok(readdirSync(chk.path).some((f) => /^op-.*\.state$/.test(f)), 'the checkpoint has state files');

      // What was committed before the crash is correct but incomplete.
      const before = committedLines(out);
      assert.ok(before.length < N, `the job was killed before its end (${before.length} lines committed)`);
      for (const l of before) assert.equal(l, lineOf(Number(l.split(',')[2])));

      // At five times the rate (the rate limit is no state): it still checkpoints, a final
      // checkpoint at the end of input at least, and checks below what it did.
      const r = await runFlink(['run', '-s', chk.path!, ...interval('200ms'), JOB, out, String(N), '5000'], { home, timeoutMs: 25_000 });
      assert.equal(r.code, 0, r.stderr);
      const { jobId: restoredId } = parseAttachedRun(r.stdout);
      assert.notEqual(restoredId, jobId, 'a restored job gets a new id');
      assert.equal((await listedJob(home, restoredId)).status, 'FINISHED');

      assert.deepEqual(hiddenFiles(out), [], 'no in-progress or pending files remain');
      const lines = committedLines(out);
      assertExactlyOnce(lines, N, 'crash + restore');

      const s = await straight;
      assert.equal(s.code, 0, s.stderr);
      const straightLines = committedLines(straightOut);
      assertExactlyOnce(straightLines, N, 'uninterrupted run');
      assert.deepEqual([...lines].sort(), [...straightLines].sort(), 'same output as the uninterrupted run');

      // Checkpoint ids continue after the restored one.
      const history = await checkpointsJson(home, restoredId);
      assert.ok(history.some((c) => c.status === 'COMPLETED'), `the restored job took checkpoints: ${JSON.stringify(history)}`);
      assert.equal(Math.min(...history.map((c) => c.checkpointId)), chk.id + 1, 'the first checkpoint id is the restored id + 1');
    });

    test('-s takes a job id prefix, a _metadata path, and a file: URI of a checkpoint copied elsewhere', async () => {
      const N = 5000;
      const home = freshHome();
      const out = join(tempDir(), 'out');
      const { jobId } = await runDetached(home, JOB, [out, String(N), '1000'], interval('100ms'));
      await waitForCheckpoint(home, jobId, 2);
      await cancel(home, jobId);
      const job = await listedJob(home, jobId);
      assert.equal(job.status, 'CANCELED');
      const chk = job.lastCheckpoint!;
      assert.ok(existsSync(join(chk.path!, '_metadata')), 'RETAIN_ON_CANCELLATION kept the checkpoint');
      assert.ok(committedLines(out).length < N);

      // A checkpoint directory is self-contained: a copy restores as well.
      const copied = join(tempDir(), 'elsewhere', `chk-${chk.id}`);
      cpSync(chk.path!, copied, { recursive: true });

      const forms: [string, string][] = [
        ['job id prefix', jobId.slice(0, 8)],
        ['_metadata path', join(chk.path!, '_metadata')],
        ['file: URI of a copy', pathToFileURL(copied).href],
      ];
      // One after the other: a job is continued by one job at a time (job-continuation.ts).
      // Each restore continues the cancelled job's output where it was written — a FileSink commits
      // the parts a checkpoint recorded in the directory that wrote them (the cancel may have come
      // before the last checkpoint's commit) — so `out` is put back as the cancel left it before
      // each run, and the run's result is moved aside.
      const asCancelled = join(tempDir(), 'as-cancelled');
      cpSync(out, asCancelled, { recursive: true });
      const runs = [];
      for (const [what, from] of forms) {
        rmSync(out, { recursive: true, force: true });
        cpSync(asCancelled, out, { recursive: true });
        // The rate limit is no state: the restored runs go at full speed.
        const r = await runFlink(['run', '-s', from, JOB, out, String(N), 'max'], { home, timeoutMs: 25_000 });
        const dir = join(tempDir(), 'out');
        renameSync(out, dir);
        runs.push({ what, from, dir, r });
      }
      const ids = new Set<string>([jobId]);
      for (const { what, from, dir, r } of runs) {
        assert.equal(r.code, 0, `-s ${from}: ${r.stderr}`);
        const { jobId: id } = parseAttachedRun(r.stdout);
        assert.ok(!ids.has(id), `${what}: a new job id`);
        ids.add(id);
        assert.deepEqual(hiddenFiles(dir), [], `${what}: no hidden files left`);
        assertExactlyOnce(committedLines(dir), N, `restore via ${what}`);
      }
    });
  });

  describe('retention', { concurrency: false }, () => {
    test('num-retained 2 keeps exactly the two newest checkpoints, each with _metadata', async () => {
      const home = freshHome();
      const { jobId } = await runDetached(home, JOB, [join(tempDir(), 'out'), 'inf', '1000'], [...interval('50ms'), ...option('num-retained', '2')]);
      await waitForCheckpoint(home, jobId, 8);
      await cancel(home, jobId);
      const history = await checkpointsJson(home, jobId);
      // Completed ones that retention deleted stay COMPLETED, marked discarded (as in Flink).
      const completed = history
        .filter((c) => c.status === 'COMPLETED' && !c.discarded)
        .map((c) => c.checkpointId)
        .sort((a, b) => b - a);
      const discarded = history.filter((c) => c.status === 'COMPLETED' && c.discarded).length;
      assert.equal(completed.length, 2, `completed: ${completed}`);
      assert.ok(completed.length + discarded >= 8, `completed ${completed}, discarded ${discarded}`);
      const base = checkpointsBase(home, jobId);
      const complete = checkpointDirIds(base).filter((id) => existsSync(join(base, `chk-${id}`, '_metadata')));
      assert.deepEqual(complete, [completed[1], completed[0]], `chk-* dirs with _metadata in ${base} (all: ${readdirSync(base)})`);
      assert.equal((await listedJob(home, jobId)).lastCheckpoint?.id, completed[0]);
    });

    test('cancel leaves no chk-* directory behind but the retained ones', async () => {
      // Frequent checkpoints at a high rate (the barrier queues behind records in flight, so each
      // takes a while): at cancel, one is nearly always in flight and an old one being deleted.
      // Neither may leave a directory behind, and no checkpoint recorded FAILED may look complete.
      const home = freshHome();
      const { jobId } = await runDetached(home, JOB, [join(tempDir(), 'out'), 'inf', '20000'], [...interval('20ms'), ...option('num-retained', '2')]);
      await waitForCheckpoint(home, jobId, 10);
      await cancel(home, jobId);
      const base = checkpointsBase(home, jobId);
      const status = new Map((await checkpointsJson(home, jobId)).map((c) => [c.checkpointId, c.status]));
      const dirs = checkpointDirIds(base).map((id) => `chk-${id} (${existsSync(join(base, `chk-${id}`, '_metadata')) ? '' : 'no '}_metadata, ${status.get(id)})`);
      const newest = [...status].filter(([, st]) => st === 'COMPLETED').map(([id]) => id).sort((a, b) => b - a);
      assert.deepEqual(dirs, [newest[1], newest[0]].map((id) => `chk-${id} (_metadata, COMPLETED)`));
    });

    test('cancel keeps the checkpoints by default and deletes them with DELETE_ON_CANCELLATION', async () => {
      const homeRetain = freshHome();
      const homeDelete = freshHome();
      const [retain, del] = await Promise.all([
        runDetached(homeRetain, JOB, [join(tempDir(), 'out'), 'inf', '1000'], interval('100ms')),
        runDetached(homeDelete, JOB, [join(tempDir(), 'out'), 'inf', '1000'], [...interval('100ms'), ...option('externalized-checkpoint-retention', 'DELETE_ON_CANCELLATION')]),
      ]);
      const [r, d] = await Promise.all([waitForCheckpoint(homeRetain, retain.jobId, 2), waitForCheckpoint(homeDelete, del.jobId, 2)]);
      assert.ok(d.lastCheckpoint!.id >= 2);
      // A complete checkpoint exists while the job runs (polled: num-retained 1 replaces it all the time).
      const deleteBase = checkpointsBase(homeDelete, del.jobId);
      await waitFor('a complete checkpoint of the DELETE_ON_CANCELLATION job', () =>
        checkpointDirIds(deleteBase).some((id) => existsSync(join(deleteBase, `chk-${id}`, '_metadata'))),
      );
      await Promise.all([cancel(homeRetain, retain.jobId), cancel(homeDelete, del.jobId)]);

      const kept = (await listedJob(homeRetain, retain.jobId)).lastCheckpoint!;
      assert.ok(kept.id >= r.lastCheckpoint!.id);
      assert.ok(existsSync(join(kept.path!, '_metadata')), `RETAIN_ON_CANCELLATION keeps ${kept.path}`);

      // Nothing left to restore: the listing names no latest checkpoint, as `flink run -s <jobId>` finds none.
      assert.equal((await listedJob(homeDelete, del.jobId)).lastCheckpoint, null);
      const completed = (await checkpointsJson(homeDelete, del.jobId)).filter((c) => c.status === 'COMPLETED');
      assert.ok(completed.length > 0 && completed.every((c) => c.discarded && !existsSync(c.path!)), `DELETE_ON_CANCELLATION deletes ${JSON.stringify(completed)}`);
      assert.deepEqual(checkpointDirIds(deleteBase), [], 'no chk-* directory is left');
    });
  });

  describe('flink checkpoint / flink checkpoints', { concurrency: false }, () => {
    test('flink checkpoint takes one now; flink checkpoints shows the history as a table and as JSON', async () => {
      const home = freshHome();
      // No periodic checkpoints: only the triggered ones.
      const { jobId, pid } = await runDetached(home, JOB, [join(tempDir(), 'out'), 'inf', '1000']);
      const base = checkpointsBase(home, jobId);

      const first = await runFlink(['checkpoint', jobId.slice(0, 8)], { home, timeoutMs: 15_000 });
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(linesOf(first.stdout), [`Checkpoint 1 for job ${jobId} completed. Path: ${join(base, 'chk-1')}`]);
      assert.ok(existsSync(join(base, 'chk-1', '_metadata')));
      const second = await runFlink(['checkpoint', jobId], { home, timeoutMs: 15_000 });
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(linesOf(second.stdout), [`Checkpoint 2 for job ${jobId} completed. Path: ${join(base, 'chk-2')}`]);
      assert.ok(existsSync(join(base, 'chk-2', '_metadata')));
      assert.deepEqual(checkpointDirIds(base), [2], 'num-retained 1 dropped chk-1');

      const table = await runFlink(['checkpoints', jobId.slice(0, 6)], { home });
      assert.equal(table.code, 0, table.stderr);
      const rows = linesOf(table.stdout);
      assert.match(rows[0]!, /^ID\s+KIND\s+STATUS\s+TRIGGERED\s+DURATION\s+STATE SIZE\s+CHECKPOINTED\s+PATH$/);
      assert.equal(rows.length, 3, table.stdout);
      assert.match(rows[1]!, new RegExp(`^2\\s+CHECKPOINT\\s+COMPLETED\\s+\\d{2}\\.\\d{2}\\.\\d{4} \\d{2}:\\d{2}:\\d{2}\\s+\\d+ ms\\s+\\d+(\\.\\d)? (B|KiB)\\s+.*${join(base, 'chk-2')}$`));
      assert.match(rows[2]!, /^1\s+CHECKPOINT\s+COMPLETED \(discarded\)\s/, 'num-retained 1 deleted chk-1: it shows as discarded');

      const history = await checkpointsJson(home, jobId);
      assert.deepEqual(
        history.map((c) => [c.checkpointId, c.kind, c.status, c.discarded]),
        [
          [2, 'CHECKPOINT', 'COMPLETED', false],
          [1, 'CHECKPOINT', 'COMPLETED', true],
        ],
      );
      for (const c of history) {
        assert.equal(c.jobId, jobId);
        assert.ok(typeof c.durationMs === 'number' && c.durationMs >= 0, `durationMs ${c.durationMs}`);
        assert.ok(typeof c.stateSize === 'number' && c.stateSize > 0, `stateSize ${c.stateSize}`);
        assert.equal(c.path, join(base, `chk-${c.checkpointId}`));
        assert.equal(c.failureReason, null);
        assert.ok(c.triggerTime > 0);
      }
      const listed = await listedJob(home, jobId);
      assert.equal(listed.lastCheckpoint?.id, 2);
      assert.equal(listed.lastCheckpoint?.path, join(base, 'chk-2'));
      assert.ok(isAlive(pid));
      await cancel(home, jobId);
    });
  });

  describe('checkpoints that cannot be written', { concurrency: false }, () => {
    test('within tolerable-failed-checkpoints the job keeps running and the failures are recorded', async () => {
      const home = freshHome();
      const root = tempDir();
      const dir = join(root, 'ck');
      const { jobId, pid } = await runDetached(
        home,
        JOB,
        [join(tempDir(), 'out'), 'inf', '1000'],
        [...interval('100ms'), ...option('dir', dir), ...option('tolerable-failed-checkpoints', '1000')],
      );
      await waitForCheckpoint(home, jobId, 2);
      // The checkpoint directory stops being usable while the job runs: moved aside, and a regular
      // file in its place (permissions would not stop root). The job is stopped for the swap: a
      // checkpoint it started in between would make the directory again, and the file could not
      // take its place.
      const aside = join(root, 'ck-aside');
      process.kill(pid, 'SIGSTOP');
      try {
        renameSync(dir, aside);
        writeFileSync(dir, 'not a directory\n');
      } finally {
        process.kill(pid, 'SIGCONT');
      }

      const history = await waitFor(
        'three checkpoint failures',
        async () => {
          const h = await checkpointsJson(home, jobId);
          return h.filter((c) => c.status === 'FAILED' && /ENOTDIR|not a directory/.test(c.failureReason ?? '')).length >= 3 ? h : undefined;
        },
        10_000,
        100,
      );
      const job = await listedJob(home, jobId);
      assert.equal(job.status, 'RUNNING');
      assert.ok(isAlive(pid));
      for (const c of history.filter((c) => c.status === 'FAILED')) assert.ok((c.failureReason ?? '').length > 0, `FAILED row ${c.checkpointId} has a reason`);
      const completed = new Set(history.filter((c) => c.status === 'COMPLETED').map((c) => c.checkpointId));
      assert.equal(job.lastCheckpoint?.id, Math.max(...completed), 'lastCheckpoint is the last completed one');
      // The last completed checkpoint is intact (where it was moved to). Checkpoints that failed
      // for the unusable directory left nothing anywhere. (One in flight at the move may be left in
      // the moved directory in any state: the job can no longer reach it to clean up.)
      const jobDir = join(aside, jobId);
      assert.ok(existsSync(join(jobDir, `chk-${job.lastCheckpoint!.id}`, '_metadata')));
      const failed = history.filter((c) => c.status === 'FAILED').map((c) => c.checkpointId);
      const failedWithDir = checkpointDirIds(jobDir).filter((id) => failed.includes(id));
      assert.ok(failedWithDir.length <= 1 && (failedWithDir[0] ?? -1) <= Math.min(...failed), `failed checkpoints with a directory: ${failedWithDir}`);

      // A triggered checkpoint fails too, with one line; the job still runs.
      const r = await runFlink(['checkpoint', jobId], { home, timeoutMs: 15_000 });
      assert.equal(r.code, 1, r.stdout);
      assert.equal(nonWarningLines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, /checkpoint/i);
      assert.match(r.stderr, /ENOTDIR|not a directory/);
      assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
      await cancel(home, jobId);
    });

    test('with tolerable-failed-checkpoints 0 the first failure fails the job', async () => {
      const home = freshHome();
      const file = join(tempDir(), 'a-file');
      writeFileSync(file, 'x');
      // Without restarts: with checkpointing, the default restart strategy (exponential-delay)
      // would restart the job after each failure instead.
      const { jobId, pid } = await runDetached(
        home,
        JOB,
        [join(tempDir(), 'out'), 'inf', '1000'],
        [...interval('500ms'), ...option('dir', join(file, 'ck')), '-D', 'restart-strategy.type=none'],
      );
      const job = await waitFor(
        'the job to fail',
        async () => {
          const j = await listedJob(home, jobId);
          return j.status === 'FAILED' ? j : undefined;
        },
        10_000,
        100,
      );
      assert.match(job.failureCause ?? '', /tolerable failure threshold \(0\)/);
      assert.match(job.failureCause ?? '', /ENOTDIR|not a directory/);
      assert.equal(job.lastCheckpoint, null);
      await waitFor('the job process to exit', () => !isAlive(pid), 5_000);
      const history = await checkpointsJson(home, jobId);
      assert.deepEqual(history.map((c) => c.status), ['FAILED']);
      assert.deepEqual(checkpointDirIds(checkpointsBase(home, jobId)), []);
      const list = await runFlink(['list', '-a'], { home });
      assert.match(list.stdout, new RegExp(`${jobId} : ckpt-keyed-count \\(FAILED\\)\\n\\s+cause: Exceeded checkpoint tolerable failure threshold`));
    });
  });

  describe('flink run -s refuses what is not a usable snapshot', { concurrency: false }, () => {
    let home = '';
    let chk = '';
    let noCheckpointsJob = '';
    let goodOut = '';
    const bad = () => join(tempDir(), 'bad');

    before(async () => {
      home = freshHome();
      goodOut = join(tempDir(), 'out');
      const { jobId } = await runDetached(home, JOB, [goodOut, 'inf', '1000'], interval('100ms'));
      await waitForCheckpoint(home, jobId, 1);
      await cancel(home, jobId);
      chk = (await listedJob(home, jobId)).lastCheckpoint!.path!;
      const r = await runFlink(['run', JOB, join(tempDir(), 'out'), '10', 'max'], { home });
      assert.equal(r.code, 0, r.stderr);
      noCheckpointsJob = parseAttachedRun(r.stdout).jobId;
    });

    /**
     * Runs `flink run [-d] -s <from>` and checks the refusal: exit 1, one line, no job started.
     * The jobs before and after are flink.db's rows, read directly (jobRows): two `flink list`
     * processes per refusal cost ~1 s, and no job of this home runs between the refusals.
     */
    async function refused(from: string, message: RegExp, detached = false): Promise<void> {
      const jobsBefore = jobRows(home);
      const out = join(tempDir(), 'out');
      const r = await runFlink(['run', ...(detached ? ['-d'] : []), '-s', from, JOB, out, '100', 'max'], { home, timeoutMs: 15_000 });
      assert.equal(r.code, 1, `exit code; stdout: ${r.stdout}; stderr: ${r.stderr}`);
      assert.equal(r.stdout, '', 'nothing on stdout (no job was submitted)');
      const lines = nonWarningLines(r.stderr);
      assert.equal(lines.length, 1, `one stderr line: ${r.stderr}`);
      assert.deepEqual(stackLines(r.stderr), []);
      assert.match(lines[0]!, message);
      const jobsAfter = jobRows(home);
      assert.deepEqual(jobsAfter, jobsBefore, 'no job row was added or changed');
      assert.ok(!jobsAfter.some((j) => j.status === 'RUNNING'));
      assert.equal(existsSync(out), false, 'the job did not run');
    }

    /** A copy of the good checkpoint, to damage. */
    function copyOfCheckpoint(): string {
      const dir = bad();
      cpSync(chk, dir, { recursive: true });
      return dir;
    }

    test('the good checkpoint itself restores (control)', async () => {
      // Its source is endless (restored splits win over the count argument): run it detached.
      const out = join(tempDir(), 'out');
      cpSync(goodOut, out, { recursive: true });
      const { jobId } = await runDetached(home, JOB, [out, '100', 'max'], ['-s', copyOfCheckpoint()]);
      assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
      await cancel(home, jobId);
    });

    test('a directory without _metadata', async () => {
      const dir = copyOfCheckpoint();
      rmSync(join(dir, '_metadata'));
      await refused(dir, /no _metadata/);
    });

    test('a truncated _metadata', async () => {
      const dir = copyOfCheckpoint();
      const meta = join(dir, '_metadata');
      truncateSync(meta, Math.floor(readFileSync(meta).byteLength / 2));
      await refused(meta, /_metadata is invalid/);
    });

    test('a tampered _metadata (valid JSON, edited)', async () => {
      const dir = copyOfCheckpoint();
      const meta = join(dir, '_metadata');
      const text = readFileSync(meta, 'utf8');
      const edited = text.replace(/"maxParallelism": 128/, '"maxParallelism": 64');
      assert.notEqual(edited, text);
      writeFileSync(meta, edited);
      JSON.parse(edited);
      await refused(dir, /_metadata is invalid: .*checksum/);
    });

    test('a foreign file as _metadata', async () => {
      const dir = copyOfCheckpoint();
      writeFileSync(join(dir, '_metadata'), JSON.stringify({ version: 3, checkpointId: 7, operators: [] }));
      await refused(pathToFileURL(dir).href, /not a flink-ts snapshot/);
    });

    test('a damaged state file (one byte flipped)', async () => {
      const dir = copyOfCheckpoint();
      const state = readdirSync(dir).filter((f) => f.endsWith('.state'));
      assert.ok(state.length > 0);
      const file = join(dir, state[0]!);
      const bytes = readFileSync(file);
      bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
      writeFileSync(file, bytes);
      await refused(dir, /state file .* is damaged/);
    });

    test('a missing state file', async () => {
      const dir = copyOfCheckpoint();
      rmSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.state'))!));
      await refused(dir, /state file .* missing/);
    });

    test('a job id whose job has no checkpoints, also with -d: the line says what to do instead', async () => {
      const noneThen = /has no completed checkpoint or savepoint to restore from; run the job file without -s to start it fresh, or give -s the path of a savepoint\.$/;
      await refused(noCheckpointsJob, noneThen);
      await refused(noCheckpointsJob.slice(0, 8), noneThen, true);
    });

    test('a path that does not exist', async () => {
      await refused(join(tempDir(), 'nothing-here'), /no such file or directory/);
    });
  });
});
