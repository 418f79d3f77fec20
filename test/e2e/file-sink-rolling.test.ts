/**
 * FileSink with Flink's DefaultRollingPolicy through the real `flink` CLI: parts stay open across
 * checkpoints and roll by size between them; a job killed with `kill -9` and restored with
 * `flink run -s` from its last checkpoint commits every input exactly once — the open part the
 * checkpoint recorded is cut back to its recorded length and committed, and what came after is
 * replayed. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cleanUpAfterAll, committedLines, freshHome, hiddenFiles, killHard, listedJob, parseAttachedRun, runDetached, runFlink, tempDir,
  waitForCheckpoint, waitForInProgressPart,
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

    const r = await runFlink(['run', '-s', chk.path!, ...interval('200ms'), JOB, out, String(N), 'max', '4096'], { home, timeoutMs: 25_000 });
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
  });
});
