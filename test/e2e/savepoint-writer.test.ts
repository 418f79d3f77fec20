/**
 * Writing savepoints with the State Processor API through the real CLI
 * (test/e2e/fixtures/write-savepoint.ts): a job bootstraps keyed state into a new savepoint,
 * and sp-job.ts started from it with `flink run -s` counts on from the written values; the
 * written state, timers included, reads back with SavepointReader; an existing savepoint with
 * one operator replaced keeps the others (the source goes on from its position); a directory
 * that holds a snapshot is never written over. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES, cancelJob, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, linesOf, nonWarningLines, parseKeyedCountLines, runDetached,
  runFlink, savepointPathOf, sleep, stackLines, tempDir, waitFor,
} from './helpers.js';
import { SP_JOB, SP_JOB_INTERRUPTED_RATE as RATE } from './fixture-jobs.js';

cleanUpAfterAll();

const WRITER = join(FIXTURES, 'write-savepoint.ts');
const READER = join(FIXTURES, 'read-savepoint.ts');

async function write(home: string, args: readonly string[], options: readonly string[] = []): Promise<void> {
  const r = await runFlink(['run', ...options, WRITER, ...args], { home, timeoutMs: 20_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
}

/** Keyed state 'n' of uid 'count' in `sp`, read back: key → [n, pending timers]. */
async function readCounts(home: string, sp: string): Promise<Map<number, [number, number]>> {
  const r = await runFlink(['run', READER, sp, 'counts'], { home, timeoutMs: 20_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const rows = linesOf(r.stdout).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { key: number; n: number; timers: number });
  return new Map(rows.map((row) => [row.key, [row.n, row.timers]]));
}

const keys = Array.from({ length: 10 }, (_, k) => k);

describe('writing a savepoint (State Processor API)', () => {
  test('bootstrapped at parallelism 2: reads back (timers too), and a job started from it counts on from the written values', async () => {
    const home = freshHome();
    const root = tempDir();
    const withTimers = join(root, 'timers');
    await write(home, [withTimers, 'timers'], ['-p', '2']);
    assert.deepEqual(await readCounts(home, withTimers), new Map(keys.map((k) => [k, [1000 + k, 1]])));

    const sp = join(root, 'counts');
    await write(home, [sp, 'counts'], ['-p', '2']);
    const out = join(root, 'out');
    const r = await runFlink(['run', '-p', '3', '-s', sp, SP_JOB, 'v1', out, '100', 'max'], { home, timeoutMs: 20_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const lines = parseKeyedCountLines(committedLines(out));
    assert.equal(lines.length, 100);
    // At parallelism 3 the inputs of a key come in any order; its counts are the next ten after the written value.
    for (const k of keys) {
      const counts = lines.filter((l) => l.key === k).map((l) => l.count).sort((a, b) => a - b);
      assert.deepEqual(counts, Array.from({ length: 10 }, (_, j) => 1000 + k + j + 1), `key ${k} counted on from ${1000 + k}`);
    }

    // Never over an existing snapshot: one line, exit 1, the savepoint untouched.
    const before = readFileSync(join(sp, '_metadata'));
    const again = await runFlink(['run', WRITER, sp, 'counts'], { home, timeoutMs: 20_000 });
    assert.equal(again.code, 1);
    assert.deepEqual(stackLines(again.stderr), []);
    assert.match(nonWarningLines(again.stderr)[0]!, /already holds a snapshot .*a directory of its own/);
    assert.deepEqual(readFileSync(join(sp, '_metadata')), before);
  });

  test("an existing savepoint with 'count' replaced keeps the source's position and the sink's files; without it, the count starts afresh", async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await runDetached(home, SP_JOB, ['v1', out, '3000', RATE]);
    await waitFor('the job to write records', () => hiddenFiles(out).some((f) => f.endsWith('.inprogress')), 8_000, 20);
    await sleep(300);
    const original = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    await cancelJob(home, jobId);
    const read = committedLines(out).length;
    assert.ok(read > 0 && read < 3000);

    const replaced = join(root, 'replaced');
    await write(home, [replaced, 'replace', original]);
    assert.deepEqual(await readCounts(home, replaced), new Map(keys.map((k) => [k, [5, 0]])));
    const r = await runFlink(['run', '-s', replaced, SP_JOB, 'v1', out, '3000', 'max'], { home, timeoutMs: 20_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const after = parseKeyedCountLines(committedLines(out)).filter((l) => l.i >= read);
    assert.equal(after.length, 3000 - read, "the source went on from the savepoint's position: every later input once");
    for (const k of keys) {
      const first = after.filter((l) => l.key === k).sort((a, b) => a.i - b.i)[0]!;
      assert.equal(first.count, 6, `key ${k} counts on from the replaced 5`);
    }

    const dropped = join(root, 'dropped');
    await write(home, [dropped, 'drop', original]);
    assert.ok(existsSync(join(dropped, '_metadata')));
    const meta = JSON.parse(readFileSync(join(dropped, '_metadata'), 'utf8')) as { metadata: { operators: Array<{ uid: string }> } };
    assert.deepEqual(meta.metadata.operators.map((o) => o.uid).sort(), ['gen', 'sink']);
  });
});
