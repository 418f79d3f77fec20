/**
 * Asynchronous I/O through `flink run`: a lookup fails with calls in flight, the job fails over
 * and restores those calls from its last checkpoint, and the FileSink's output is still exactly
 * once — ordered on one thread, unordered on two workers.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, keyedCountProblems, parseAttachedRun, runFlink, tempDir } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'async-lookup.ts');
const D = (kv: string) => ['-D', kv];
const SETTINGS = [...D('execution.checkpointing.interval=50ms'), ...D('restart-strategy.type=fixed-delay'), ...D('restart-strategy.fixed-delay.attempts=3'), ...D('restart-strategy.fixed-delay.delay=50ms')];

describe('async I/O', { concurrency: false }, () => {
  for (const [mode, slots] of [['ordered', 1], ['unordered', 2]] as const) {
    test(`${mode} (${slots === 1 ? 'one thread' : 'two workers, -p 2'}): a failed lookup fails over with calls in flight; the output is exactly once`, async () => {
      const home = freshHome();
      const out = join(tempDir(), 'out');
      const r = await runFlink(['run', '-p', String(slots), ...D(`taskmanager.numberOfTaskSlots=${slots}`), ...SETTINGS, JOB, out, mode, '6000', '3000', '3000'], { home, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.deepEqual(keyedCountProblems(committedLines(out), 6000), []);
      assert.deepEqual(hiddenFiles(out), []);
      const list = await runFlink(['list', '-a'], { home });
      const { jobId } = parseAttachedRun(r.stdout);
      assert.match(list.stdout, new RegExp(`${jobId}[\\s\\S]*restarts: 1 \\(last after: .*lookup failed at input`), list.stdout);
    });
  }
});
