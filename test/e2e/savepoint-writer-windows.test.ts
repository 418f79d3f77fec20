/**
 * Bootstrapping windows with the State Processor API through the real CLI: a job writes the
 * windows of two window operators into a new savepoint (fixtures/write-window-savepoint.ts:
 * tumbling windows with allowed lateness keeping their elements, and sessions reducing theirs),
 * and the job with those windows (fixtures/window-bootstrap-job.ts) started from it with
 * `flink run -s` reads more events, whose watermarks fire the bootstrapped windows at their ends —
 * bootstrapped and new contents together, late firings within the lateness, late events after
 * it — exactly as the same job firing windows it built itself from the bootstrap events.
 * Windows of records not keyed are refused with one line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, nonWarningLines, parseAttachedRun, runFlink, stackLines, tempDir, withoutSubtask } from './helpers.js';

cleanUpAfterAll();

const WRITER = join(FIXTURES, 'write-window-savepoint.ts');
const JOB = join(FIXTURES, 'window-bootstrap-job.ts');
const END = Number.MAX_SAFE_INTEGER;

/** What the job prints, fired window by window (see fixtures/window-bootstrap.ts for the events). */
const EXPECTED = [
  // At watermark 9 the bootstrapped [0, 10) windows fire with the events added to them.
  'T a [0,10) [1,5,10] @9',
  'T b [0,10) [2,20] @9',
  // An event 2 late within the 5 ms lateness: a's [0, 10) fires again; at 14 it is cleaned up …
  'T a [0,10) [1,5,10,30] @9',
  // … so the event at 3 after it is late.
  'late a 40 3',
  'T a [10,20) [3,50] @30',
  'T c [20,30) [4] @30',
  // a's bootstrapped session [1, 22) grew to [1, 25) and took in the events at 2 and 3.
  'S a [1,25) 139 @30',
  'S b [4,19) 22 @30',
  `S c [25,35) 4 @${END}`,
];

/** The window lines of an attached run's stdout, sorted (the two window operators print side by side). */
function printed(stdout: string): string[] {
  return parseAttachedRun(stdout).body.map(withoutSubtask).sort();
}

describe('bootstrapping windows (State Processor API)', () => {
  test('written at parallelism 2, restored at 1 and 3: the bootstrapped windows fire at their ends with the new events, as in one run over all the events', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'windows');
    const w = await runFlink(['run', '-p', '2', WRITER, sp], { home, timeoutMs: 30_000 });
    assert.equal(w.code, 0, `${w.stdout}\n${w.stderr}`);
    assert.ok(existsSync(join(sp, '_metadata')));

    for (const p of ['1', '3']) {
      const r = await runFlink(['run', '-p', p, '-s', sp, JOB, 'more'], { home, timeoutMs: 30_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.deepEqual(printed(r.stdout), [...EXPECTED].sort(), `restored at parallelism ${p}`);
    }
    const all = await runFlink(['run', JOB, 'all'], { home, timeoutMs: 30_000 });
    assert.equal(all.code, 0, `${all.stdout}\n${all.stderr}`);
    assert.deepEqual(printed(all.stdout), [...EXPECTED].sort(), 'one run over the bootstrap events and the new ones');
  });

  test('windows of records not keyed: one line, exit 1, no savepoint', async () => {
    const home = freshHome();
    const sp = join(tempDir(), 'unkeyed');
    const r = await runFlink(['run', WRITER, sp, 'unkeyed'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(stackLines(r.stderr), []);
    assert.match(nonWarningLines(r.stderr)[0]!, /Window state is keyed state: key the records first, bootstrapWith\(stream\)\.keyBy\(selector\)\.window\(assigner\)\./);
    assert.equal(existsSync(join(sp, '_metadata')), false);
  });
});
