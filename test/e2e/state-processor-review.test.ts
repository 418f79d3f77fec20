/**
 * SavepointReader through the real CLI, on the committed format-3 fixture savepoint (written
 * by an older flink-ts; test/fixtures/snapshots/fixture-job.ts): each key once with its state at
 * any parallelism, and a hostile copy (a state file swapped for a symlink) refused with one
 * line, exit 1 and no stack.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { FIXTURES, REPO, cleanUpAfterAll, freshHome, linesOf, nonWarningLines, runFlink, stackLines, tempDir } from './helpers.js';

cleanUpAfterAll();

const READER = join(FIXTURES, 'read-fixture-savepoint.ts');
const SAVEPOINT = join(REPO, 'test', 'fixtures', 'snapshots', 'format-3', 'savepoint');

/** Each key's sum and list items after the fixture's records 0..49 (keyed by i < 20 ? i : i % 5; 7, 17, … clear the list). */
function expected(): Array<{ key: number; sum: number; items: number[] }> {
  const by = new Map<number, { key: number; sum: number; items: number[] }>();
  for (let i = 0; i < 50; i++) {
    const key = i < 20 ? i : i % 5;
    const e = by.get(key) ?? { key, sum: 0, items: [] };
    e.sum += i;
    if (i % 10 === 7) e.items = [];
    else e.items.push(i);
    by.set(key, e);
  }
  return [...by.values()].sort((a, b) => a.key - b.key);
}

describe('SavepointReader through flink run (review)', () => {
  test('the fixture savepoint at -p 1 and 3: each key once, with its sum and list; a symlinked state file refused in one line', async () => {
    const home = freshHome();
    for (const p of ['1', '3']) {
      const r = await runFlink(['run', '-p', p, READER, SAVEPOINT], { home, timeoutMs: 20_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      const rows = linesOf(r.stdout)
        .map((l) => /^(?:\d+> )?(\{.*)$/.exec(l)?.[1])
        .filter((l): l is string => l !== undefined)
        .map((l) => JSON.parse(l) as { key: number; sum: number; items: number[]; timers: number });
      assert.deepEqual(rows.map(({ key, sum, items }) => ({ key, sum, items })).sort((a, b) => a.key - b.key), expected(), `at -p ${p}`);
      assert.ok(rows.some((row) => row.timers > 0));
    }

    const copy = join(tempDir(), 'savepoint');
    cpSync(SAVEPOINT, copy, { recursive: true });
    const meta = JSON.parse(readFileSync(join(copy, '_metadata'), 'utf8')) as { metadata: { operators: Array<{ uid: string; subtasks: Array<{ file: string }> }> } };
    const file = meta.metadata.operators.find((o) => o.uid === 'every-state')!.subtasks[0]!.file;
    const outside = join(tempDir(), 'outside.state');
    writeFileSync(outside, readFileSync(join(copy, file)));
    rmSync(join(copy, file));
    symlinkSync(outside, join(copy, file));
    const r = await runFlink(['run', READER, copy], { home, timeoutMs: 20_000 });
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(stackLines(r.stderr), []);
    const lines = nonWarningLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, new RegExp(`state file ${file} of operator 'every-state' is a symbolic link, not a regular file`));
  });
});
