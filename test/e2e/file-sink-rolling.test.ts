/**
 * FileSink with Flink's DefaultRollingPolicy through the real `flink` CLI: parts stay open across
 * checkpoints and roll by size between them; a job killed with `kill -9` and restored with
 * `flink run -s` from its last checkpoint commits every input exactly once — the open part the
 * checkpoint recorded is cut back to its recorded length and committed, and what came after is
 * replayed. `flink stop` (a suspending savepoint, no drain) leaves the open part as the savepoint
 * recorded it, and `flink run -s` from that savepoint goes on exactly once. Every job process
 * started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cleanUpAfterAll, committedLines, freshHome, hiddenFiles, killHard, listedJob, parseAttachedRun, runDetached, runFlink, savepointPathOf, tempDir,
  waitForCheckpoint, waitForInProgressPart, waitForStatus,
} from './helpers.js';
import { ROLLING_KEYED_COUNT as JOB } from './fixture-jobs.js';

cleanUpAfterAll();

const interval = (v: string) => ['-D', `execution.checkpointing.interval=${v}`];
const lineOf = (i: number) => `${i % 10},${Math.floor(i / 10) + 1},${i}`;

describe('FileSink DefaultRollingPolicy end to end', () => {
  test('kill -9 while parts are open across checkpoints, then flink run -s: every input exactly once', async () => {
    const N = 4000;
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, pid } = await runDetached(home, JOB, [out, String(N), '1000', '4096'], interval('200ms'));
    await waitForInProgressPart(out);
    await waitForCheckpoint(home, jobId, 3);
    await killHard(pid);

    const chk = (await listedJob(home, jobId)).lastCheckpoint!;
    const before = committedLines(out);
    assert.ok(before.length < N, `killed before the end (${before.length} lines committed)`);
    for (const l of before) assert.equal(l, lineOf(Number(l.split(',')[2])));
    assert.ok(hiddenFiles(out).some((f) => f.endsWith('.inprogress')), 'an open part was left by the crash');

    await restoreToEndExactlyOnce(home, chk.path!, out, N);
  });

  test('flink stop without --drain while a part is open, then flink run -s from the savepoint: every input exactly once', async () => {
    const N = 4000;
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    // A large part size: the part open at the stop has been open across several checkpoints.
    const { jobId } = await runDetached(home, JOB, [out, String(N), '1000', '65536'], interval('200ms'));
    await waitForInProgressPart(out);
    await waitForCheckpoint(home, jobId, 2);
    const sp = savepointPathOf(await runFlink(['stop', jobId, '-p', join(root, 'sps')], { home, timeoutMs: 15_000 }));
    await waitForStatus(home, jobId, ['FINISHED']);

    // Suspended, not drained (Flink's stop-with-savepoint): the part open at the savepoint is
    // neither committed nor dropped; what it holds up to the savepoint is committed by the restore.
    const before = committedLines(out);
    assert.ok(before.length < N, `stopped before the end (${before.length} lines committed)`);
    assert.ok(hiddenFiles(out).some((f) => f.endsWith('.inprogress')), 'the part open at the stop is left for the restore');

    await restoreToEndExactlyOnce(home, sp, out, N, '65536');
  });

  test('flink stop --drain while a part is open: the part is finished and committed with the savepoint, nothing hidden is left', async () => {
    const N = 4000;
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId } = await runDetached(home, JOB, [out, String(N), '1000', '65536'], interval('200ms'));
    await waitForInProgressPart(out);
    await waitForCheckpoint(home, jobId, 2);
    savepointPathOf(await runFlink(['stop', jobId, '--drain'], { home, timeoutMs: 15_000 }));
    await waitForStatus(home, jobId, ['FINISHED']);

    // Drained (Flink: end of input before the savepoint): every part is finished, and what was
    // read before the stop is committed, each input once, in order of inputs 0 … P-1.
    assert.deepEqual(hiddenFiles(out), [], 'no in-progress or pending files remain');
    const inputs = committedLines(out).map((l) => {
      const i = Number(l.split(',')[2]);
      assert.equal(l, lineOf(i), `the line of input ${i}`);
      return i;
    });
    assert.ok(inputs.length > 0 && inputs.length < N, `stopped before the end with some output (${inputs.length} lines)`);
    assert.deepEqual([...inputs].sort((a, b) => a - b), Array.from({ length: inputs.length }, (_, i) => i));
  });
});

/** `flink run -s <from>` of the job to its end; then every input's line is committed exactly once and nothing hidden is left. */
async function restoreToEndExactlyOnce(home: string, from: string, out: string, N: number, maxPartSize = '4096'): Promise<void> {
  const r = await runFlink(['run', '-s', from, ...interval('200ms'), JOB, out, String(N), 'max', maxPartSize], { home, timeoutMs: 25_000 });
  assert.equal(r.code, 0, r.stderr);
  const { jobId: restoredId } = parseAttachedRun(r.stdout);
  assert.equal((await listedJob(home, restoredId)).status, 'FINISHED');

  assert.deepEqual(hiddenFiles(out), [], 'no in-progress or pending files remain');
  const lines = committedLines(out);
  const seen = new Map<number, number>();
  for (const l of lines) {
    const i = Number(l.split(',')[2]);
    assert.equal(l, lineOf(i), `the line of input ${i}`);
    seen.set(i, (seen.get(i) ?? 0) + 1);
  }
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([i]) => i);
  const missing = Array.from({ length: N }, (_, i) => i).filter((i) => !seen.has(i));
  assert.deepEqual({ duplicated: duplicated.slice(0, 5), missing: missing.slice(0, 5) }, { duplicated: [], missing: [] });
  assert.equal(lines.length, N);
}
