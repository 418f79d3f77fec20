/**
 * Output larger than a pipe's buffer reaches the reader whole: `bin/flink` exits only once
 * stdout is flushed. (Found by the list-jobs bench: piped `flink list -a` over 1,000 jobs lost
 * its last few KiB about one time in three.)
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { fillHome } from '../../bench/list-jobs.bench.js';
import { freshHome, killLeftovers, removeTempDirs, runFlink } from './helpers.js';

after(async () => {
  await killLeftovers();
  removeTempDirs();
});

test('flink list -a prints every one of 1,000 jobs through a pipe, every time', async () => {
  const home = freshHome();
  fillHome(home, 1000);
  for (let i = 0; i < 8; i++) {
    const r = await runFlink(['list', '-a'], { home, timeoutMs: 15_000 });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.filter((l) => / : job-\d+ \((FINISHED|CANCELED)\)$/.test(l)).length, 1000, `run ${i + 1}: ${r.stdout.length} chars`);
    assert.match(lines.at(-1)!, /^-+$/, 'the closing rule is there');
  }
});
