/**
 * End-to-end tests of failure recovery through the real `flink` CLI: a failing operator with a
 * restart strategy (the job fails over in its process and restores from its latest completed
 * checkpoint, exactly once), a job that keeps failing until the strategy gives up, the default
 * strategy without checkpointing (no restarts), a crash without checkpointing (at-most-once
 * progress: nothing to restore), and the default exponential-delay strategy with checkpointing.
 * Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type ListedJob,
  cleanUpAfterAll,
  committedLines,
  freshHome,
  hiddenFiles,
  isAlive,
  jobConfig,
  jobEvents,
  keyedCountProblems,
  killHard,
  linesOf,
  listJson,
  listedJob,
  parseAttachedRun,
  parseKeyedCountLines,
  runDetached,
  runFlink,
  savepointPathOf,
  sleep,
  statusHistory,
  tempDir,
  trackHome,
  waitFor,
  waitForCheckpoint,
  waitForInProgressPart,
  waitForStatus,
} from './helpers.js';
import { FO_FLAKY as FLAKY, FO_AT_MOST_ONCE as AT_MOST_ONCE } from './fixture-jobs.js';

cleanUpAfterAll();


const D = (kv: string) => ['-D', kv];
const checkpointEvery = (v: string) => D(`execution.checkpointing.interval=${v}`);
const fixedDelay = (attempts: number, delay: string) => [
  ...D('restart-strategy.type=fixed-delay'),
  ...D(`restart-strategy.fixed-delay.attempts=${attempts}`),
  ...D(`restart-strategy.fixed-delay.delay=${delay}`),
];

const restartsOf = (job: ListedJob) => (job as ListedJob & { restarts: number }).restarts;

/** The `flink list -a` text lines of one job: its line and the indented lines under it. */
function listBlock(stdout: string, jobId: string): string[] {
  const lines = linesOf(stdout);
  const at = lines.findIndex((l) => l.includes(jobId));
  assert.ok(at >= 0, `job ${jobId} not in:\n${stdout}`);
  const block = [lines[at]!];
  for (const l of lines.slice(at + 1)) {
    if (!/^\s{4}\S/.test(l)) break;
    block.push(l.trim());
  }
  return block;
}

/** Distinct inputs and how many occur more than once, in `key,count,i` lines. */
function inputsOf(lines: readonly string[]): { distinct: Set<number>; duplicated: number } {
  const seen = new Set<number>();
  let duplicated = 0;
  for (const l of parseKeyedCountLines(lines)) {
    if (seen.has(l.i)) duplicated++;
    seen.add(l.i);
  }
  return { distinct: seen, duplicated };
}

/**
 * The tests share nothing (each has its own FLINK_TS_HOME and output directory) and much of
 * their time is waiting on jobs (rate-limited ones, restart delays), so four run at once.
 */
describe('failover through the CLI', { concurrency: 4 }, () => {
  test('(a) a map that throws once restarts (fixed-delay) and the FileSink output is exactly once', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const r = await runFlink(
      ['run', ...checkpointEvery('50ms'), ...fixedDelay(3, '100ms'), FLAKY, out, 'once', '30000', '20000', '10000'],
      { home, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
    const { jobId } = parseAttachedRun(r.stdout);

    // Every input once, counts as in an uninterrupted run, nothing left hidden.
    assert.deepEqual(keyedCountProblems(committedLines(out), 30_000), []);
    assert.deepEqual(hiddenFiles(out), []);

    const list = await runFlink(['list', '-a'], { home });
    assert.equal(list.code, 0);
    const block = listBlock(list.stdout, jobId);
    assert.match(block[0]!, / : fo-flaky \(FINISHED\)$/);
    assert.ok(
      block.some((l) => /^restarts: 1 \(last after: .*flaky failure at input 9999/.test(l)),
      `no 'restarts: 1' line in:\n${block.join('\n')}`,
    );
    const job = await listedJob(home, jobId);
    assert.equal(job.status, 'FINISHED');
    assert.equal(restartsOf(job), 1);

    const cps = await runFlink(['checkpoints', jobId], { home });
    assert.equal(cps.code, 0, cps.stderr);
    const cpLines = linesOf(cps.stdout);
    const at = cpLines.findIndex((l) => /^Restarts \(each from the latest checkpoint or savepoint completed before it\):$/.test(l));
    assert.ok(at > 0, `no Restarts section:\n${cps.stdout}`);
    assert.equal(cpLines.length, at + 2, `exactly one restart listed:\n${cps.stdout}`);
    assert.match(cpLines[at + 1]!, /attempt 1: .*flaky failure at input 9999/);

    const history = statusHistory(home, jobId);
    assert.deepEqual(
      history.filter((h) => h.includes('RESTARTING')),
      ['RUNNING>RESTARTING', 'RESTARTING>RUNNING'],
    );
    assert.equal(history.at(-1), 'RUNNING>FINISHED');
  });

  test('(b) a map that always throws fails the job after the configured attempts', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const attempts = 2;
    const r = await runFlink(
      ['run', ...checkpointEvery('50ms'), ...fixedDelay(attempts, '50ms'), FLAKY, out, 'always', '30000', '20000', '3000'],
      { home, timeoutMs: 60_000 },
    );
    assert.equal(r.code, 1, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /permanent failure at input 3000/);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)?.[1];
    assert.ok(jobId, r.stdout);

    const list = await runFlink(['list', '-a'], { home });
    const block = listBlock(list.stdout, jobId);
    assert.match(block[0]!, / : fo-flaky \(FAILED\)$/);
    assert.ok(block.some((l) => /^cause: .*permanent failure at input 3000/.test(l)), block.join('\n'));
    assert.ok(block.some((l) => new RegExp(`^restarts: ${attempts} \\(last after: .*permanent failure at input 3000`).test(l)), block.join('\n'));
    const job = await listedJob(home, jobId);
    assert.equal(job.status, 'FAILED');
    assert.equal(restartsOf(job), attempts);
    assert.match(job.failureCause ?? '', /permanent failure at input 3000/);

    // RUNNING → RESTARTING → RUNNING for each restart, then FAILING → FAILED.
    const history = statusHistory(home, jobId);
    const fromRunning = history.slice(history.indexOf('CREATED>RUNNING'));
    assert.deepEqual(fromRunning, [
      'CREATED>RUNNING',
      ...Array.from({ length: attempts }, () => ['RUNNING>RESTARTING', 'RESTARTING>RUNNING']).flat(),
      'RUNNING>FAILING',
      'FAILING>FAILED',
    ]);
    const events = jobEvents(home, jobId).filter((e) => e.kind !== 'status');
    assert.deepEqual(
      events.map((e) => [e.kind, e.attempt]),
      [...Array.from({ length: attempts }, (_, n) => ['restart', n + 1]), ['failure', null]],
    );
    assert.ok(events.every((e) => /permanent failure at input 3000/.test(e.cause ?? '')), JSON.stringify(events));

    // What the checkpoints committed before the job failed: inputs before the failing one, once each.
    const { distinct, duplicated } = inputsOf(committedLines(out));
    assert.equal(duplicated, 0);
    assert.ok([...distinct].every((i) => i < 3000), 'nothing past the failing input is committed');
  });

  test('(c) the default restart strategy without checkpointing is none: the job fails at once', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const r = await runFlink(['run', FLAKY, out, 'once', '30000', '20000', '10000'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 1, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /flaky failure at input 9999/);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    const job = await listedJob(home, jobId);
    assert.equal(job.status, 'FAILED');
    assert.equal(restartsOf(job), 0);
    assert.equal(jobConfig(home, jobId)['restart-strategy.type'], 'none');
    const history = statusHistory(home, jobId);
    assert.ok(!history.some((h) => h.includes('RESTARTING')), history.join(' '));
    assert.deepEqual(history.slice(-2), ['RUNNING>FAILING', 'FAILING>FAILED']);
    const list = await runFlink(['list', '-a'], { home });
    const block = listBlock(list.stdout, jobId);
    assert.ok(!block.some((l) => l.startsWith('restarts:')), block.join('\n'));
    // Without checkpoints nothing is committed before the end of input, which never came.
    assert.deepEqual(committedLines(out), []);
  });

  test('(d) AT_MOST_ONCE (checkpointing off): after kill -9 nothing can be restored; a run from scratch has no duplicates', async () => {
    // Without checkpointing a crashed job has nothing to restore: `run -s <jobId>` is refused,
    // and the only way on is to start over from the beginning of the input. That is the
    // documented at-most-once behaviour of progress:
    //  - the FileSink commits only at checkpoints or at end of input, so the crashed run
    //    committed nothing (its part file stays hidden) — the rerun's output has no duplicates;
    //  - print() output is not transactional: what the crashed run printed is printed again by
    //    the rerun (repeated), and what it had in flight when killed is never printed (lost);
    //  - no progress is recovered: keyed counts and source position start from zero.
    const home = trackHome(freshHome());
    const out = join(tempDir(), 'out');
    const { jobId, pid } = await runDetached(home, AT_MOST_ONCE, [out, '6000', '2000']);
    const outFile = join(home, 'log', `${jobId}.out`);
    await waitFor('the crashed run to print some records', () => {
      try {
        return linesOf(readFileSync(outFile, 'utf8')).filter((l) => l.startsWith('out> ')).length >= 500;
      } catch {
        return false;
      }
    }, 10_000, 25);
    await killHard(pid);
    const printedBeforeCrash = linesOf(readFileSync(outFile, 'utf8'))
      .filter((l) => l.startsWith('out> '))
      .map((l) => l.slice('out> '.length));
    // The crash committed nothing: hidden parts only.
    assert.deepEqual(committedLines(out), []);
    assert.ok(hiddenFiles(out).length > 0, 'the crashed run had a part file in progress');

    const refused = await runFlink(['run', '-s', jobId, AT_MOST_ONCE, out, '6000', '2000'], { home, timeoutMs: 20_000 });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`Job ${jobId} has no completed checkpoint or savepoint to restore from`));
    assert.ok(!refused.stdout.includes('Job has been submitted'), refused.stdout);

    const rerun = await runFlink(['run', AT_MOST_ONCE, out, '6000', '20000'], { home, timeoutMs: 60_000 });
    assert.equal(rerun.code, 0, rerun.stderr);
    const { body } = parseAttachedRun(rerun.stdout);
    // The rerun starts from nothing: it prints every record again, counts from 1 (no recovered state).
    const printedByRerun = body.filter((l) => l.startsWith('out> ')).map((l) => l.slice('out> '.length));
    assert.deepEqual(keyedCountProblems(printedByRerun, 6000), []);
    // Print output over both runs: what the crashed run printed is repeated …
    const printedTwice = printedBeforeCrash.filter((l) => printedByRerun.includes(l));
    assert.equal(printedTwice.length, printedBeforeCrash.length);
    assert.ok(printedBeforeCrash.length >= 500);
    // … and the FileSink's committed output is exactly once: the crashed run contributed nothing.
    assert.deepEqual(keyedCountProblems(committedLines(out), 6000), []);
    const jobs = await listJson(home);
    assert.equal(jobs.find((j) => j.jobId === jobId)?.status, 'FAILED');
    assert.ok(!isAlive(pid));
  });

  test('(e) the default strategy with checkpointing is exponential-delay: a job that throws once recovers', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId } = await runDetached(
      home,
      FLAKY,
      [out, 'once', '30000', '20000', '10000'],
      [...checkpointEvery('50ms'), ...D('restart-strategy.exponential-delay.initial-backoff=100ms')],
    );
    await waitForCheckpoint(home, jobId, 1, 15_000);
    const job = await waitForStatus(home, jobId, ['FINISHED', 'FAILED', 'CANCELED'], 30_000);
    assert.equal(job.status, 'FINISHED', JSON.stringify(job));
    assert.equal(restartsOf(job), 1);
    assert.equal(jobConfig(home, jobId)['restart-strategy.type'], 'exponential-delay');
    // The job's log tells the delay: the initial backoff, ±10% default jitter, never below the initial backoff.
    const log = readFileSync(join(home, 'log', `${jobId}.log`), 'utf8');
    const m = /Restarting job fo-flaky \([0-9a-f]{32}\) in (\d+) ms, attempt 1, after: .*flaky failure at input 9999/.exec(log);
    assert.ok(m, log);
    const delay = Number(m[1]);
    assert.ok(delay >= 100 && delay <= 110, `restart delay ${delay} ms`);
    assert.deepEqual(keyedCountProblems(committedLines(out), 30_000), []);
    assert.deepEqual(hiddenFiles(out), []);
  });

  test('(f) a savepoint commits, so a failure before the next checkpoint restores the savepoint: the output is exactly once', async () => {
    // The savepoint's completion lets the sinks commit. Were the restart to restore the
    // checkpoint before it (the newest *retained* one), it would write that output again.
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const N = 5000;
    // The source holds records from N / 2 on until `.more` appears, and its last 100 until
    // `.fail` does: so the job is running for every command here, and records follow the
    // checkpoint, however slowly the commands go (with 5 s of input and no holds, the job once
    // finished before the savepoint on a loaded machine).
    const { jobId } = await runDetached(home, FLAKY, [out, 'marker', String(N), 'max', '0', String(N / 2)], [...checkpointEvery('1h'), ...fixedDelay(1, '100ms')]);
    await waitForInProgressPart(out);
    const cp = await runFlink(['checkpoint', jobId], { home, timeoutMs: 15_000 });
    assert.equal(cp.code, 0, cp.stderr);
    const byCheckpoint = committedLines(out).length;
    assert.ok(byCheckpoint > 0, 'the checkpoint committed what came before it');
    writeFileSync(`${out}.more`, '');
    await waitForInProgressPart(out); // the checkpoint rolled the part: a new one holds records after it
    const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    await waitFor('the savepoint to commit', () => committedLines(out).length > byCheckpoint, 5000, 20);
    writeFileSync(`${out}.fail`, '');
    const job = await waitForStatus(home, jobId, ['FINISHED', 'FAILED', 'CANCELED'], 30_000);
    assert.equal(job.status, 'FINISHED', JSON.stringify(job));
    assert.equal(restartsOf(job), 1);
    const log = readFileSync(join(home, 'log', `${jobId}.log`), 'utf8');
    assert.match(log, /failure on request at input/);
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
    assert.deepEqual(hiddenFiles(out), []);
    assert.ok(existsSync(join(sp, '_metadata')), 'the savepoint is the user\'s: it stays');
  });

  test('(f, workers) -p 2 on two worker threads: a failure after a savepoint restores it, and the output is exactly once', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const N = 8000;
    const { jobId } = await runDetached(
      home,
      FLAKY,
      [out, 'marker', String(N), 'max', '0', String(N / 2)],
      ['-p', '2', ...D('taskmanager.numberOfTaskSlots=2'), ...checkpointEvery('1h'), ...fixedDelay(3, '100ms')],
    );
    await waitForInProgressPart(out);
    assert.equal((await runFlink(['checkpoint', jobId], { home, timeoutMs: 15_000 })).code, 0);
    const byCheckpoint = committedLines(out).length;
    writeFileSync(`${out}.more`, '');
    await waitForInProgressPart(out);
    savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    await waitFor('the savepoint to commit', () => committedLines(out).length > byCheckpoint, 5000, 20);
    // Each worker imports the job file itself: each of its map's subtasks throws once.
    writeFileSync(`${out}.fail`, '');
    const job = await waitForStatus(home, jobId, ['FINISHED', 'FAILED', 'CANCELED'], 40_000);
    assert.equal(job.status, 'FINISHED', JSON.stringify(job));
    assert.ok(restartsOf(job) >= 1);
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
    assert.deepEqual(hiddenFiles(out), []);
  });

  test('(g) a savepoint deleted before a failure: the restart falls back to the checkpoint before it and says output may repeat', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    // The source holds its last 100 records until `.fail` appears: the job cannot end before
    // the checkpoint, the savepoint and its disposal, however slowly they go.
    const N = 5000;
    const { jobId } = await runDetached(home, FLAKY, [out, 'marker', String(N), 'max'], [...checkpointEvery('1h'), ...fixedDelay(1, '100ms')]);
    await waitForInProgressPart(out);
    assert.equal((await runFlink(['checkpoint', jobId], { home, timeoutMs: 15_000 })).code, 0);
    await sleep(200);
    const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    const disposed = await runFlink(['savepoint', '-d', sp], { home, timeoutMs: 15_000 });
    assert.equal(disposed.code, 0);
    assert.match(disposed.stderr, new RegExp(`^Warning: Job ${jobId} is running and this savepoint was its newest snapshot: should the job fail before its next checkpoint, it restarts from an older one`, 'm'));
    writeFileSync(`${out}.fail`, '');
    const job = await waitForStatus(home, jobId, ['FINISHED', 'FAILED', 'CANCELED'], 30_000);
    assert.equal(job.status, 'FINISHED', JSON.stringify(job));
    const log = readFileSync(join(home, 'log', `${jobId}.log`), 'utf8');
    assert.match(log, /Skipping a snapshot that cannot be restored: savepoint 2: .*no such file or directory/);
    assert.match(log, new RegExp(`Recovering job ${jobId} from checkpoint 1 .*older than the newest: output that sinks committed after it may be written again`));
    // Nothing lost: every input is there (those between the checkpoint and the savepoint twice).
    const { distinct } = inputsOf(committedLines(out));
    assert.equal(distinct.size, N);
  });
});
