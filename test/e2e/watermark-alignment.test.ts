/**
 * Watermark alignment through `flink run`, on one thread and on two worker threads (where the
 * sources report to the main thread and hear back from it): a fast source is held within the
 * drift of a slow one in its group, and every record still comes. The lead is measured where the
 * sources emit (each record carries the process's monotonic clock), not where the union takes
 * them, whose channels batch.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, cleanUpAfterAll, freshHome, parseAttachedRun, runFlink } from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'aligned-sources.ts');

/** How far (event-time ms) the fast source got ahead of the slow one at worst while the slow one ran, and how many records of each came. */
function lead(lines: readonly string[]): { worst: number; fast: number; slow: number } {
  const rows = lines.map((l) => l.split(',')).map(([src, t, at]) => ({ src: src!, t: Number(t), at: BigInt(at!) }));
  rows.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  let fastMax = -1;
  let slowMax = -1;
  let worst = 0;
  for (const r of rows) {
    if (r.src === 'fast') fastMax = Math.max(fastMax, r.t);
    else slowMax = Math.max(slowMax, r.t);
    // Near its end the slow source finishes and holds nobody back.
    if (slowMax >= 0 && slowMax < 2990) worst = Math.max(worst, fastMax - slowMax);
  }
  return { worst, fast: rows.filter((r) => r.src === 'fast').length, slow: rows.filter((r) => r.src === 'slow').length };
}

async function run(mode: 'aligned' | 'unaligned', slots: number): Promise<{ worst: number; fast: number; slow: number }> {
  const r = await runFlink(['run', '-p', '2', '-D', `taskmanager.numberOfTaskSlots=${slots}`, JOB, mode], { home: freshHome(), timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return lead(parseAttachedRun(r.stdout).body);
}

describe('watermark alignment', { concurrency: false }, () => {
  test('without it the fast source runs far ahead (the test can tell)', async () => {
    const { worst, fast, slow } = await run('unaligned', 2);
    assert.deepEqual([fast, slow], [40_000, 3000]);
    // Past what the aligned runs below may reach (6,000 ms), with room: on a quiet machine the fast
    // source gets ~36 s ahead, but under load its worker is slow to start and to run while the
    // slow source runs (load 6 on two cores: 11.8 s ahead, and 5.4 s once, when the slow source
    // took 1.5 s; unaligned it now takes 4 s).
    assert.ok(worst > 8000, `unaligned lead ${worst} ms`);
  });

  for (const slots of [1, 2]) {
    test(`aligned sources stay within the drift of each other, every record comes (${slots === 1 ? 'one thread' : 'two workers'})`, async () => {
      const { worst, fast, slow } = await run('aligned', slots);
      assert.deepEqual([fast, slow], [40_000, 3000]);
      // The drift (2,000 ms), plus one read of the fast source past it (1,024 records, 2 ms apart).
      assert.ok(worst <= 6000, `aligned lead ${worst} ms (drift 2000 ms)`);
    });
  }
});
