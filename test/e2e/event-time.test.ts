/**
 * End-to-end: event-time timers are keyed state in savepoints. A job with pending event-time
 * timers (some deleted) is stopped with a savepoint and restored at another parallelism on the
 * other state backend; together the two runs write every record and every timer that was not
 * deleted exactly once — each timer fired on the subtask that owns its key after the restore.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cleanUpAfterAll,
  committedLines,
  freshHome,
  jobConfig,
  parseAttachedRun,
  runDetached,
  runFlink,
  savepointPathOf,
  tempDir,
  waitForInProgressPart,
  waitForStatus,
} from './helpers.js';
import { ET_JOB } from './fixture-jobs.js';

cleanUpAfterAll();

const N = 3000;

/** What et-job writes for N records without failures. */
function expectedLines(): string[] {
  const deleted = new Set<number>();
  for (let i = 60; i < N; i++) if (i % 3 === 0) deleted.add(i - 60);
  const lines: string[] = [];
  for (let i = 0; i < N; i++) {
    lines.push(`r,${i}`);
    if (!deleted.has(i)) lines.push(`t,${i % 20},${i * 10 + 1000}`);
  }
  return lines.sort();
}

describe('event-time timers in savepoints', () => {
  test('stop with a savepoint mid-stream, restore at parallelism 3 on lmdb: every record and timer exactly once', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    // 200 records/s: 15 s of input, so the stop below comes mid-stream even when a loaded machine is slow to write the first part.
    const { jobId } = await runDetached(home, ET_JOB, [out, String(N), '200'], ['-p', '2']);
    await waitForInProgressPart(out);
    assert.equal(jobConfig(home, jobId)['pipeline.auto-watermark-interval'], 50, 'the interval set in the job code is in effect');
    await new Promise((r) => setTimeout(r, 1500));
    const stop = await runFlink(['stop', jobId], { home, timeoutMs: 15_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const sp = savepointPathOf(stop);
    await waitForStatus(home, jobId, ['FINISHED']);
    const before = committedLines(out);
    assert.ok(before.some((l) => l.startsWith('t,')), 'timers fired before the savepoint');
    assert.ok(before.filter((l) => l.startsWith('r,')).length < N, 'the job was stopped mid-stream');

    const info = await runFlink(['info', sp, '--json'], { home });
    const timers = (JSON.parse(info.stdout) as { operators: Array<{ uid: string; timers: number }> }).operators.find((o) => o.uid === 'timers')!.timers;
    assert.ok(timers > 0, 'the savepoint holds pending timers');

    const r = await runFlink(['run', '-s', sp, '-p', '3', '-D', 'state.backend.type=lmdb', ET_JOB, out, String(N), 'max'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    parseAttachedRun(r.stdout);
    assert.deepEqual(committedLines(out).sort(), expectedLines());
  });
});
