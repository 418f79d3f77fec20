/**
 * Windows across a savepoint: a windowed job (tumbling windows and sessions over out-of-order
 * input, fixtures/windowed-job.ts) savepointed while its windows are open, cancelled, and
 * restored at another parallelism on the other state backend, gives exactly the results of a
 * straight run — every window once, with the same contents — which are the results computed by
 * hand (fixtures/windowed-events.ts).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  cleanUpAfterAll, committedLines, freshHome, parseAttachedRun, runDetached, runFlink, savepointPathOf, sleep,
  tempDir, waitForInProgressPart, waitForStatus,
} from './helpers.js';
import { WINDOWED_JOB as JOB } from './fixture-jobs.js';
import { expectedWindowLines, windowLineProblems } from './fixtures/windowed-events.js';

cleanUpAfterAll();

const N = 12_000;
const sorted = (lines: readonly string[]) => [...lines].sort();
interface InfoJson {
  operators: Array<{ uid: string; parallelism: number; keyedStates: Record<string, { kind: string; perWindow?: true; keys: number }>; timers: number }>;
}
/** A window line's window: kind, key and bounds (`T,key,start` or `S,key,start,end`). */
const windowOf = (line: string) => line.split(',').slice(0, line.startsWith('T,') ? 3 : 4).join(',');

describe('windows across a savepoint', () => {
  let straight: string[] = [];

  test('a straight run gives every window once, as computed by hand', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const r = await runFlink(['run', '-p', '1', JOB, out, String(N), 'max'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    straight = committedLines(out);
    assert.deepEqual(windowLineProblems(straight, N).problems, []);
    assert.equal(straight.length, expectedWindowLines(N).length);
  });

  const on = (p: number, backend: string, ...more: string[]) => ['-p', String(p), '-D', `state.backend.type=${backend}`, ...more.flatMap((d) => ['-D', d])];
  for (const [label, from, to] of [
    ['parallelism 2 on hashmap, restored at 3 on lmdb', on(2, 'hashmap'), on(3, 'lmdb')],
    ['parallelism 3 on lmdb (incremental), restored at 1 on hashmap', on(3, 'lmdb', 'execution.checkpointing.incremental=true'), on(1, 'hashmap')],
  ] as const) {
    test(`a savepoint mid-window at ${label}: the straight run's results, each once`, async () => {
      const home = freshHome();
      const root = tempDir();
      const out = join(root, 'out');
      // 1000 records a second: the input lasts 12 s, so on a loaded machine the savepoint (a
      // process start and a checkpoint at -p 3) still comes before the job has read it all.
      const { jobId } = await runDetached(home, JOB, [out, String(N), '1000'], [...from]);
      await waitForInProgressPart(out);
      await sleep(500);
      const sp = savepointPathOf(await runFlink(['savepoint', jobId, join(root, 'sps')], { home, timeoutMs: 20_000 }));
      const cancelled = await runFlink(['cancel', jobId], { home, timeoutMs: 20_000 });
      assert.equal(cancelled.code, 0, cancelled.stderr);
      await waitForStatus(home, jobId, ['CANCELED']);

      // The savepoint holds open windows: contents, merging sessions, timers.
      const info = JSON.parse((await runFlink(['info', sp, '--json'], { home })).stdout) as InfoJson;
      for (const uid of ['tumbling', 'sessions']) {
        const op = info.operators.find((o) => o.uid === uid)!;
        const contents = op.keyedStates['_window-contents'];
        assert.ok(contents && contents.perWindow === true && contents.keys > 0, `${uid} has open windows in the savepoint: ${JSON.stringify(op.keyedStates)}`);
      }
      assert.ok(info.operators.find((o) => o.uid === 'sessions')!.keyedStates['_merging-window-set']!.keys > 0);
      const text = (await runFlink(['info', sp], { home })).stdout;
      assert.match(text, /keyed aggregating state '_window-contents' \(per window\): [1-9]\d* keys/);
      const before = committedLines(out).length;
      assert.ok(before < straight.length, 'the first run had not produced everything');

      const r = await runFlink(['run', '-s', sp, ...to, JOB, out, String(N), 'max'], { home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `restore failed:\n${r.stdout}\n${r.stderr}`);
      parseAttachedRun(r.stdout);
      assert.deepEqual(windowLineProblems(committedLines(out), N).problems, []);
      assert.deepEqual(sorted(committedLines(out)), sorted(straight));
    });
  }

  test('flink stop --drain mid-window: open windows fire once, the savepoint is taken after them, and a run from it reads on, counting each record once', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await runDetached(home, JOB, [out, String(N), '1500'], ['-p', '2']);
    await waitForInProgressPart(out);
    await sleep(500);
    const stopped = await runFlink(['stop', jobId, '--drain', '-p', join(root, 'sps')], { home, timeoutMs: 20_000 });
    assert.equal(stopped.code, 0, stopped.stderr);
    const sp = savepointPathOf(stopped);
    await waitForStatus(home, jobId, ['FINISHED']);
    const drained = committedLines(out);
    assert.ok(drained.length > 0 && drained.length < straight.length, `a part of the input: ${drained.length} of ${straight.length} lines`);
    const windows = drained.map(windowOf);
    assert.equal(new Set(windows).size, windows.length, 'every window fired once');

    // As in Flink, the drained savepoint follows the maximum watermark: every window fired and
    // was cleaned up, so it holds no window contents, no merging sessions and no timers.
    const info = JSON.parse((await runFlink(['info', sp, '--json'], { home })).stdout) as InfoJson;
    for (const uid of ['tumbling', 'sessions']) {
      const op = info.operators.find((o) => o.uid === uid)!;
      assert.deepEqual([op.keyedStates['_window-contents']?.keys ?? 0, op.keyedStates['_merging-window-set']?.keys ?? 0, op.timers], [0, 0, 0], `${uid}: ${JSON.stringify(op)}`);
    }

    // As in Flink, the sources kept their positions: a run from the savepoint reads the rest of
    // the input. The windows the drain fired early come again with the rest of their records
    // (Flink's docs warn of it: drain a job only to end it), so each record is counted once by
    // the tumbling windows and once by the sessions, over both runs.
    const r = await runFlink(['run', '-s', sp, '-p', '1', JOB, out, String(N), 'max'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `restore failed:\n${r.stdout}\n${r.stderr}`);
    const all = committedLines(out);
    assert.deepEqual(sorted(all.filter((l) => drained.includes(l))), sorted(drained), 'the drained output stays');
    for (const kind of ['T', 'S']) {
      const counts = all.filter((l) => l.startsWith(`${kind},`)).map((l) => l.split(',').slice(-2).map(Number) as [number, number]);
      const total = counts.reduce(([n, sum], [dn, ds]) => [n + dn, sum + ds], [0, 0]);
      assert.deepEqual(total, [N, (N * (N - 1)) / 2], `${kind} windows: every record counted once`);
    }
  });
});
