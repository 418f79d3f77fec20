/**
 * End-to-end tests of job upgrades from a savepoint (sp-job.ts versions share operator uids:
 * v1 = 'gen' → keyBy → 'count' (ValueState 'n') → 'sink'): added stateless operators, removed
 * stateful ones (-n), rescaling with -p, a changed max parallelism, a state whose kind changed,
 * a key whose type changed, and --claim-mode. Jobs whose output is checked for repeats run
 * without periodic checkpoints (see savepoint.test.ts). Every job process started here is
 * ended in `after`.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  activeJobRows, cancelJob, checkpointDirIds, checkpointsJson, cleanUpAfterAll, committedLines, engineFrames,
  freshHome, hiddenFiles, keyedCountProblems, listedJob, nonWarningLines, parseAttachedRun,
  parseKeyedCountLines, runDetached, runFlink, savepointPathOf, sleep, stackLines, tempDir, waitFor,
  waitForCheckpoint, waitForStatus,
} from './helpers.js';
import { SP_JOB, SP_JOB_INTERRUPTED_RATE as RATE } from './fixture-jobs.js';

cleanUpAfterAll();

const N = 3000;

/** Starts an sp-job variant detached at 1000 records/s and waits until this run writes records. */
async function start(home: string, variant: string, out: string, flinkOptions: readonly string[] = [], count = String(N)) {
  const before = new Set(hiddenFiles(out));
  const started = await runDetached(home, SP_JOB, [variant, out, count, RATE], flinkOptions);
  await waitFor('this run to write records', () => hiddenFiles(out).some((f) => f.endsWith('.inprogress') && !before.has(f)), 8_000, 20);
  await sleep(400);
  return started;
}

/** A savepoint of a running job, which then is cancelled. */
async function savepointAndCancel(home: string, jobId: string): Promise<string> {
  const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
  await cancelJob(home, jobId);
  return sp;
}

/** v1 running into `out`, savepointed and cancelled: the savepoint. */
async function v1Savepoint(home: string, out: string, count = String(N)): Promise<string> {
  const { jobId } = await start(home, 'v1', out, [], count);
  return savepointAndCancel(home, jobId);
}

let sharedV1: Promise<{ readonly sp: string; readonly out: string }> | undefined;

/**
 * The savepoint of one v1 run of N inputs (made once, in a home of its own), with that run's
 * output copied into `out`: what {@link v1Savepoint} gives, for the tests that only restore from
 * it. Each restores it (no_claim: it stays) in its own home into its own copy of the output, as
 * savepoint.test.ts restores a relocated savepoint into copies; a v1 run, savepoint and cancel
 * of their own cost each ~4 s.
 */
async function sharedV1Savepoint(out: string): Promise<string> {
  sharedV1 ??= (async () => {
    const first = join(tempDir(), 'out');
    return { sp: await v1Savepoint(freshHome(), first), out: first };
  })();
  const { sp, out: first } = await sharedV1;
  cpSync(first, out, { recursive: true });
  return sp;
}

/** `flink run -s <from> [...options] sp-job.ts <variant> <out> N max`, to its end. */
function restore(home: string, from: string, variant: string, out: string, flinkOptions: readonly string[] = []) {
  return runFlink(['run', '-s', from, ...flinkOptions, SP_JOB, variant, out, String(N), 'max'], { home, timeoutMs: 20_000 });
}

/**
 * A refused restore: exit 1, a first stderr line that says why, no stack frames of flink-ts itself,
 * no job left running; returns that line. `oneLine`: nothing else on stderr (a refusal before the
 * job starts; a failure of the running job may add the user's stack frames).
 */
async function assertRestoreRefused(home: string, r: { code: number | null; stdout: string; stderr: string }, oneLine = true): Promise<string> {
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const lines = nonWarningLines(r.stderr);
  if (oneLine) {
    assert.equal(lines.length, 1, `expected one stderr line, got:\n${r.stderr}`);
    assert.deepEqual(stackLines(r.stderr), []);
  } else {
    assert.ok(lines.length >= 1, 'a reason on stderr');
    assert.deepEqual(engineFrames(r.stderr), []);
  }
  assert.doesNotMatch(r.stdout, /has finished/);
  assert.deepEqual(activeJobRows(home), []);
  return lines[0]!;
}

/** Sorted input indexes of output lines. */
const inputsOf = (lines: readonly string[]) =>
  parseKeyedCountLines(lines)
    .map((l) => l.i)
    .sort((a, b) => a - b);

/**
 * Each test has its own FLINK_TS_HOME and output (the shared v1 savepoint is made once and only
 * read), and most of their time is rate-limited jobs running between CLI calls: four at once.
 */
describe('job upgrades from a savepoint', { concurrency: 4 }, () => {
  test('adding a stateless operator (with a uid, then without one): the counts continue exactly once', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const sp1 = await sharedV1Savepoint(out);
    const v1Lines = committedLines(out);
    assert.ok(v1Lines.length > 0 && v1Lines.every((l) => l.split(',').length === 3));

    // v1 → 'map' (a map with uid 'fmt' before the sink), stopped with a savepoint...
    const { jobId } = await start(home, 'map', out, ['-s', sp1]);
    const sp2 = savepointPathOf(await runFlink(['stop', jobId], { home, timeoutMs: 15_000 }));
    await waitForStatus(home, jobId, ['FINISHED']);
    // ... → 'map-nouid' (the same map without a uid), to the end.
    const r = await restore(home, sp2, 'map-nouid', out);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    parseAttachedRun(r.stdout);

    const lines = committedLines(out);
    assert.deepEqual(keyedCountProblems(lines, N), []);
    const mapped = lines.filter((l) => l.endsWith(',m'));
    assert.equal(lines.length - mapped.length, v1Lines.length, 'only v1 wrote unmapped lines');
    assert.ok(mapped.length > 0);
  });

  test("removing the stateful operator: refused naming uid 'count' and -n; accepted with -n", async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const sp = await sharedV1Savepoint(out);
    const before = inputsOf(committedLines(out));

    const refused = await restore(home, sp, 'nocount', out);
    const line = await assertRestoreRefused(home, refused);
    assert.match(line, /'count'/);
    assert.match(line, /allowNonRestoredState/);
    assert.deepEqual(inputsOf(committedLines(out)), before, 'a refused restore writes nothing');

    const r = await restore(home, sp, 'nocount', out, ['-n']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    parseAttachedRun(r.stdout);
    // The source position was restored: v1 wrote inputs 0..P-1 with counts, the new job P..N-1 with 0.
    const lines = parseKeyedCountLines(committedLines(out));
    const counted = lines.filter((l) => l.count > 0).map((l) => l.i);
    const uncounted = lines.filter((l) => l.count === 0).map((l) => l.i);
    assert.deepEqual(counted.sort((a, b) => a - b), before);
    assert.ok(uncounted.length > 0 && Math.min(...uncounted) === before.length, 'the new job starts where v1 stopped');
    assert.deepEqual(inputsOf(committedLines(out)), Array.from({ length: N }, (_, i) => i));
  });

  test('rescaling 1 → 4 → 2 with -p: the same keyed results as an uninterrupted run', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const sp1 = await sharedV1Savepoint(out);

    const { jobId } = await start(home, 'v1', out, ['-p', '4', '-s', sp1]);
    const sp4 = savepointPathOf(await runFlink(['stop', jobId], { home, timeoutMs: 15_000 }));
    await waitForStatus(home, jobId, ['FINISHED']);
    const info = await runFlink(['info', sp4, '--json'], { home, timeoutMs: 15_000 });
    assert.equal(info.code, 0, info.stderr);
    const ops = (JSON.parse(info.stdout) as { operators: Array<{ uid: string; parallelism: number; keyedStates: Record<string, { keys: number }> }> })
      .operators;
    const count = ops.find((o) => o.uid === 'count')!;
    assert.equal(count.parallelism, 4);
    assert.equal(count.keyedStates.n?.keys, 10, 'every key once, across the 4 subtasks');

    const r = await restore(home, sp4, 'v1', out, ['-p', '2']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    parseAttachedRun(r.stdout);
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);

    // An uninterrupted run: the same final count per key and the same inputs.
    const plain = join(root, 'plain');
    const p = await runFlink(['run', SP_JOB, 'v1', plain, String(N), 'max'], { home, timeoutMs: 20_000 });
    assert.equal(p.code, 0, p.stderr);
    const finalCounts = (lines: string[]) => {
      const m = new Map<number, number>();
      for (const l of parseKeyedCountLines(lines)) m.set(l.key, Math.max(m.get(l.key) ?? 0, l.count));
      return [...m.entries()].sort((a, b) => a[0] - b[0]);
    };
    assert.deepEqual(finalCounts(committedLines(out)), finalCounts(committedLines(plain)));
    assert.deepEqual(inputsOf(committedLines(out)), inputsOf(committedLines(plain)));
  });

  test('a different max parallelism is refused, naming max parallelism and 128', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const sp = await sharedV1Savepoint(out);
    const r = await restore(home, sp, 'v1', out, ['-D', 'pipeline.max-parallelism=256']);
    const line = await assertRestoreRefused(home, r);
    assert.match(line, /max parallelism/i);
    assert.match(line, /\b128\b/);
    assert.match(line, /\b256\b/);
  });

  test("an operator's own max parallelism (setMaxParallelism): its key groups, kept across a rescale 2 → 3; a restore that changes it is refused", async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await start(home, 'maxp16', out, ['-p', '2']);
    const sp = await savepointAndCancel(home, jobId);
    const info = await runFlink(['info', sp, '--json'], { home, timeoutMs: 15_000 });
    assert.equal(info.code, 0, info.stderr);
    const ops = (JSON.parse(info.stdout) as { operators: Array<{ uid: string; maxParallelism: number }> }).operators;
    assert.deepEqual(
      Object.fromEntries(ops.map((o) => [o.uid, o.maxParallelism])),
      { gen: 128, count: 16, sink: 16 },
      "the operator's setting for 'count' and the sink chained after it (its job vertex's, as in Flink), the job's default for the source",
    );

    // Changing it (to the job's default, or another setting) cannot re-partition the key groups.
    for (const [variant, now] of [['v1', '128'], ['maxp32', '32']] as const) {
      const line = await assertRestoreRefused(home, await restore(home, sp, variant, out, ['-p', '3']));
      assert.match(line, new RegExp(`'count'.*max parallelism ${now}.*written with 16`));
      assert.match(line, /setMaxParallelism/);
    }
    // More subtasks than key groups is refused before the job starts, naming the setting.
    const tooMany = await restore(home, sp, 'maxp16', out, ['-p', '17']);
    assert.match(await assertRestoreRefused(home, tooMany), /parallelism 17.*max parallelism 16.*setMaxParallelism/);

    const r = await restore(home, sp, 'maxp16', out, ['-p', '3']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    parseAttachedRun(r.stdout);
    assert.deepEqual(keyedCountProblems(committedLines(out), N), []);
  });

  test("a state registered with another kind fails, naming the state 'n' and its operator", async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const sp = await sharedV1Savepoint(out);
    const r = await restore(home, sp, 'list', out);
    // As in Flink, this is found when the operator registers the state: the restored job fails.
    const line = await assertRestoreRefused(home, r, false);
    assert.match(line, /'n'/);
    assert.match(line, /value/i);
    assert.match(line, /list/i);
    // The operator: by its uid 'count' or its name (KeyedProcess, the default of process()).
    assert.match(line, /'count'|"KeyedProcess"/);
  });

  test("a key whose type changed (3 → '3') fails with one line naming uid 'count', both types and what to do; no restarts", async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const sp = await sharedV1Savepoint(out);
    // Restarts allowed: the failure must still end the job at once, as a state migration refusal.
    const r = await restore(home, sp, 'strkey', out, ['-D', 'restart-strategy.type=fixed-delay', '-D', 'restart-strategy.fixed-delay.attempts=3']);
    const line = await assertRestoreRefused(home, r);
    assert.match(line, /Operator uid 'count' restored state keyed by numbers \(e\.g\. \d\), but the job's keyBy now returns strings \(e\.g\. "\d"\)/);
    assert.match(line, /Change keyBy back to return numbers, or start the operator fresh: give it a new uid and restore with --allow-non-restored-state \(-n\)/);
    assert.doesNotMatch(r.stdout + r.stderr, /restart/i);
  });

  test('--claim-mode no_claim (the default) never deletes the restored savepoint', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    // Endless: the source's end is part of its restored position.
    const sp = await v1Savepoint(home, out, 'inf');
    // The restored job checkpoints and retains 1: a claimed snapshot would be gone after checkpoint 2.
    const { jobId } = await runDetached(home, SP_JOB, ['v1', out, 'inf', '1000'], ['-s', sp, '-D', 'execution.checkpointing.interval=100ms']);
    const job = await waitForCheckpoint(home, jobId, 3);
    assert.notEqual(job.lastCheckpoint?.path, sp);
    assert.ok(existsSync(join(sp, '_metadata')), 'the savepoint is still there');
    await cancelJob(home, jobId);
    assert.ok(existsSync(join(sp, '_metadata')));
  });

  test('--claim-mode claim of a retained checkpoint: deleted once the new job completes a checkpoint', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const ckptOptions = ['-D', 'execution.checkpointing.interval=100ms', '-D', 'execution.checkpointing.num-retained=1'];
    const first = await runDetached(home, SP_JOB, ['v1', out, 'inf', '1000'], ckptOptions);
    await waitForCheckpoint(home, first.jobId, 2);
    await cancelJob(home, first.jobId);
    // The retained checkpoint: the latest completed one (a checkpoint cut short by the cancel is not one).
    const completed = (await checkpointsJson(home, first.jobId)).filter((c) => c.status === 'COMPLETED' && c.path !== null);
    const chk = completed.sort((a, b) => a.checkpointId - b.checkpointId).at(-1)!.path!;
    assert.ok(existsSync(join(chk, '_metadata')), `the latest completed checkpoint ${chk} is retained`);

    const second = await runDetached(home, SP_JOB, ['v1', out, 'inf', '1000'], ['-s', chk, '--claim-mode', 'claim', ...ckptOptions]);
    await waitFor('a completed checkpoint of the new job', async () => {
      const job = await listedJob(home, second.jobId);
      return job.status === 'RUNNING' && job.lastCheckpoint?.path?.includes(second.jobId);
    }, 10_000);
    await waitFor(`the claimed checkpoint ${chk} to be deleted`, () => !existsSync(chk), 10_000);
    // The new job's own checkpoints are where they belong (one retained at a time).
    assert.ok(checkpointDirIds(join(home, 'checkpoints', second.jobId)).length >= 1, 'the new job has its own checkpoint');
    await cancelJob(home, second.jobId);
    // The claimed checkpoint's record, the first job's, says it is gone; nothing was misfiled.
    const claimed = (await checkpointsJson(home, first.jobId)).find((c) => c.path === chk);
    assert.equal(claimed?.discarded, true, JSON.stringify(claimed));
    const log = readFileSync(join(home, 'log', `${second.jobId}.log`), 'utf8');
    assert.doesNotMatch(log, /cannot record checkpoint statistics/);
  });
});
