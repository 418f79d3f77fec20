/**
 * `flink run -s` of a savepoint whose job still runs (a review: running a copy from a savepoint is
 * a common Flink habit, and a FileSink restore cuts back the snapshot's in-progress parts and
 * deletes its later hidden files). Under one FLINK_TS_HOME the restore is refused while the job
 * runs (job-takeover.ts, before any state is read), and the job runs on to an intact output.
 * Under another home nothing tells that the job still runs: the restore used to cut the running
 * job's in-progress parts back and rename them visible while it appended to them (a hole of NULs
 * in a visible part; its drain then failed on the renamed part). Now the restoring FileSink
 * copies what the savepoint recorded of them, and each job's output is whole.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES,
  cleanUpAfterAll,
  committedLines,
  freshHome,
  isHiddenPath,
  keyedCountProblems,
  listFiles,
  linesOf,
  listedJob,
  runDetached,
  runFlink,
  savepointPathOf,
  tempDir,
  waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

const OPTS = ['-D', 'execution.checkpointing.interval=200ms'];

describe('flink run -s of a savepoint whose job still runs', { concurrency: false }, () => {
  test('under the same home: refused in one line (by path and by job id); the job runs on and its output is exact', { timeout: 60_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const job = join(FIXTURES, 'ckpt-keyed-count.ts');
    const { jobId, pid } = await runDetached(home, job, [out, 'inf', '500'], OPTS);
    await waitForCheckpoint(home, jobId, 1, 20_000);
    const savepoint = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 20_000 }));
    const refusal =
      `Error: Job ${jobId} is still RUNNING in process ${pid}: restoring it now would run it twice. ` +
      `Stop it first ('flink stop ${jobId}' takes a savepoint, 'flink cancel ${jobId}' does not), then restore.`;
    for (const from of [savepoint, jobId]) {
      const r = await runFlink(['run', ...OPTS, '-s', from, job, out, 'inf', '500'], { home, timeoutMs: 20_000 });
      assert.deepEqual({ code: r.code, stderr: r.stderr.trim() }, { code: 1, stderr: refusal }, `-s ${from}`);
    }
    assert.equal((await listedJob(home, jobId)).status, 'RUNNING');
    const stop = await runFlink(['stop', '--drain', jobId], { home, timeoutMs: 30_000 });
    assert.equal(stop.code, 0, stop.stderr);
    // Its inputs 0..its last, each once (the drain ends it anywhere: the keys' counts differ by one).
    const lines = committedLines(out);
    assert.ok(lines.length > 0);
    assert.deepEqual(keyedCountProblems(lines, lines.length).filter((p) => !p.startsWith('key ')), []);
  });

  test('under another home: the running job\'s in-progress parts are copied, not cut back; both jobs\' outputs are whole', { timeout: 90_000 }, async () => {
    const homeA = freshHome();
    const homeB = freshHome();
    const work = tempDir();
    const out = join(work, 'out');
    // Parts roll only above 100 MB: every part stays open across checkpoints and the savepoint.
    const args = [out, join(work, 'marker'), 'none', 'inf', '300', 'size', '100000000'];
    const job = join(FIXTURES, 'file-sink-crash.ts');
    const a = await runDetached(homeA, job, args, OPTS);
    await waitForCheckpoint(homeA, a.jobId, 1, 20_000);
    const savepoint = savepointPathOf(await runFlink(['savepoint', a.jobId], { home: homeA, timeoutMs: 20_000 }));
    const openOfA = listFiles(out).filter((f) => f.endsWith('.inprogress'));
    assert.ok(openOfA.length > 0, 'the savepoint recorded open parts');

    const b = await runDetached(homeB, job, args, [...OPTS, '-s', savepoint]);
    await waitForCheckpoint(homeB, b.jobId, 1, 20_000);
    const files = listFiles(out);
    assert.deepEqual(openOfA.filter((f) => !files.includes(f)), [], "the running job's open parts stay where it writes them");
    assert.match(readFileSync(join(homeB, 'log', `${b.jobId}.log`), 'utf8'), new RegExp(`Warning: FileSink: job ${a.jobId}, whose snapshot this job restored, is unknown to this FLINK_TS_HOME's flink\\.db and may still be running`));

    for (const [home, jobId] of [[homeA, a.jobId], [homeB, b.jobId]] as const) {
      const r = await runFlink(['stop', '--drain', jobId], { home, timeoutMs: 30_000 });
      assert.equal(r.code, 0, `${jobId}: ${r.stdout}${r.stderr}`);
    }
    const visible = listFiles(out).filter((f) => !isHiddenPath(f));
    assert.deepEqual(visible.filter((f) => readFileSync(join(out, f)).includes(0)), [], 'no visible part holds NULs');
    // Each job wrote the inputs 0..its last once (B: the savepoint's open parts copied, then on).
    for (const jobId of [a.jobId, b.jobId]) {
      const mine = visible.filter((f) => f.split('/').pop()!.startsWith(`part-${jobId.slice(0, 12)}`));
      const is = mine.flatMap((f) => linesOf(readFileSync(join(out, f), 'utf8'))).map((l) => Number(l.split(',')[2]));
      const sorted = [...is].sort((x, y) => x - y);
      assert.ok(sorted.length > 0, `${jobId} committed nothing`);
      assert.deepEqual(
        { first: sorted[0], contiguous: sorted.every((v, k) => v === k) },
        { first: 0, contiguous: true },
        `${jobId}: inputs missing or repeated in its output`,
      );
    }
  });
});
