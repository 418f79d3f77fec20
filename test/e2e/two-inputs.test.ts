/**
 * Two-input jobs end to end: a keyed connect with EXACTLY_ONCE checkpoints and a FileSink,
 * killed with SIGKILL mid-stream and resumed with `flink run -s <jobId>`, writes exactly what an
 * uninterrupted run writes (both inputs' positions, the shared keyed state and the event-time
 * timers come back from one aligned checkpoint); and broadcast state, savepointed at
 * parallelism 2 and restored at 3, is the same on every subtask.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, killHard, listedJob, parseAttachedRun,
  linesOf, runDetached, runFlink, savepointPathOf, tempDir, waitFor, waitForCheckpoint, waitForStatus,
} from './helpers.js';

cleanUpAfterAll();

const KEYED = join(FIXTURES, 'two-input-keyed.ts');
const interval = (v: string) => ['-D', `execution.checkpointing.interval=${v}`];

/** Each line once; no line twice. */
function assertNoDuplicates(lines: readonly string[], what: string): void {
  const seen = new Set<string>();
  const dup = lines.filter((l) => (seen.has(l) ? true : (seen.add(l), false)));
  assert.deepEqual(dup.slice(0, 5), [], `${what}: duplicated lines`);
}

const BACKENDS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['hashmap, full checkpoints', []],
  ['lmdb, incremental checkpoints', ['-D', 'state.backend.type=lmdb', '-D', 'execution.checkpointing.incremental=true']],
];

describe('a keyed two-input job killed mid-stream', () => {
  for (const [backend, options] of BACKENDS) {
    test(`EXACTLY_ONCE on ${backend}: kill -9, then run -s <jobId>, gives exactly the output of an uninterrupted run`, async () => {
      const N = 3000;
      const straightOut = join(tempDir(), 'straight');
      const straight = runFlink(['run', KEYED, straightOut, String(N), 'max'], { home: freshHome(), timeoutMs: 30_000 });

      const home = freshHome();
      const out = join(tempDir(), 'out');
      // 500 a second: 6 s of input, so three checkpoints land well before its end on a loaded machine.
      const { jobId, pid } = await runDetached(home, KEYED, [out, String(N), '500'], [...interval('200ms'), '-D', 'execution.checkpointing.mode=EXACTLY_ONCE', ...options]);
      await waitForCheckpoint(home, jobId, 3);
      await killHard(pid);
      const crashed = await listedJob(home, jobId);
      assert.equal(crashed.status, 'FAILED');
      const before = committedLines(out);
      assert.ok(before.length < 2 * N, `killed before its end (${before.length} lines committed)`);
      assert.ok(!before.some((l) => l.startsWith('T,')), 'the timers had not fired before the kill');

      // Five times the killed run's rate: nothing interrupts this run, and the rate limit is no state.
      const r = await runFlink(['run', '-s', jobId, ...interval('200ms'), ...options, KEYED, out, String(N), '2500'], { home, timeoutMs: 40_000 });
      assert.equal(r.code, 0, r.stderr);
      const { jobId: restoredId } = parseAttachedRun(r.stdout);
      assert.equal((await listedJob(home, restoredId)).status, 'FINISHED');
      assert.deepEqual(hiddenFiles(out), [], 'no in-progress or pending files remain');

      const s = await straight;
      assert.equal(s.code, 0, s.stderr);
      const expected = committedLines(straightOut);
      assert.equal(expected.length, 2 * N + 10, 'the uninterrupted run: a line per record of both inputs and a total per key');
      assertNoDuplicates(expected, 'uninterrupted run');
      const lines = committedLines(out);
      assertNoDuplicates(lines, 'crash + restore');
      assert.deepEqual([...lines].sort(), [...expected].sort(), 'same output as the uninterrupted run');
    });
  }
});

const RULES = join(FIXTURES, 'broadcast-rules.ts');
const ALL_RULES = '[["large",1000],["medium",100],["small",10],["tiny",1]]';

/** Each subtask's reports of its broadcast state, in order, from a detached job's stdout. */
function reports(home: string, jobId: string): Map<number, string[]> {
  const file = join(home, 'log', `${jobId}.out`);
  const bySubtask = new Map<number, string[]>();
  if (!existsSync(file)) return bySubtask;
  for (const line of linesOf(readFileSync(file, 'utf8'))) {
    const m = /^\d+> subtask (\d+) (.*)$/.exec(line);
    if (!m) continue;
    const list = bySubtask.get(Number(m[1])) ?? [];
    list.push(m[2]!);
    bySubtask.set(Number(m[1]), list);
  }
  return bySubtask;
}

describe('broadcast state across a rescale', () => {
  test('savepointed at parallelism 2, restored at 3: every subtask starts with the same, complete broadcast state', async () => {
    const home = freshHome();
    const first = await runDetached(home, RULES, ['rules'], ['-p', '2']);
    await waitFor('both subtasks to see every rule', () => [0, 1].every((i) => reports(home, first.jobId).get(i)?.includes(ALL_RULES)), 15_000, 50);
    const stop = await runFlink(['stop', first.jobId], { home, timeoutMs: 20_000 });
    const sp = savepointPathOf(stop);
    await waitForStatus(home, first.jobId, ['FINISHED']);
    const info = await runFlink(['info', sp], { home });
    assert.equal(info.code, 0, info.stderr);
    assert.ok(info.stdout.includes("broadcast state 'rules': 4 entries (a copy on every subtask)"), info.stdout);

    // The restored job reads no rules: what its subtasks see came from the savepoint alone.
    const second = await runDetached(home, RULES, ['norules'], ['-p', '3', '-s', sp]);
    const seen = await waitFor('all three subtasks to report', () => {
      const r = reports(home, second.jobId);
      return [0, 1, 2].every((i) => r.has(i)) ? r : undefined;
    }, 15_000, 50);
    for (const i of [0, 1, 2]) assert.deepEqual(seen.get(i), [ALL_RULES], `subtask ${i} of 3 started with every rule`);
    const c = await runFlink(['cancel', second.jobId], { home, timeoutMs: 15_000 });
    assert.equal(c.code, 0, c.stderr);
  });
});
