/**
 * The State Processor API through the real CLI: a job reads a savepoint (SavepointReader, in
 * test/e2e/fixtures/read-savepoint.ts) and prints what it found. Keyed state read at any
 * parallelism gives each key's value once, exactly what the writing job had counted when the
 * savepoint was taken (its committed output says so); list, union list and broadcast state come
 * back as written; a state read as the wrong kind, an unknown uid and a damaged file are each
 * refused with one line. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES, cancelJob, cleanUpAfterAll, committedLines, freshHome, hiddenFiles, linesOf, nonWarningLines, parseKeyedCountLines, runDetached,
  listedJob, runFlink, savepointPathOf, sleep, stackLines, tempDir, waitFor, waitForCheckpoint, waitForStatus,
} from './helpers.js';
import { SP_JOB, SP_JOB_INTERRUPTED_RATE as RATE } from './fixture-jobs.js';

cleanUpAfterAll();

const READER = join(FIXTURES, 'read-savepoint.ts');
const RULES = join(FIXTURES, 'broadcast-rules.ts');

/** `flink run [...options] read-savepoint.ts <sp> <what>` to its end: the printed values (JSON), without the `n> ` prefixes. */
async function readState(home: string, sp: string, what: string, options: readonly string[] = []): Promise<unknown[]> {
  const r = await runFlink(['run', ...options, READER, sp, what], { home, timeoutMs: 20_000 });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  return linesOf(r.stdout)
    .map((l) => /^(?:\d+> )?([[{].*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l) as unknown);
}

/** A refused read: exit 1 and one stderr line, without flink-ts's stack; returns it. */
async function refusedRead(home: string, sp: string, what: string): Promise<string> {
  const r = await runFlink(['run', READER, sp, what], { home, timeoutMs: 20_000 });
  assert.equal(r.code, 1, `expected exit 1:\n${r.stdout}\n${r.stderr}`);
  const lines = nonWarningLines(r.stderr);
  assert.deepEqual(stackLines(r.stderr), []);
  return lines[0]!;
}

describe('reading a savepoint (State Processor API)', () => {
  test("keyed state at parallelism 1 and 3 of a savepoint written at 2: each key's count once, what the job had counted; list and union list state as written", async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId } = await runDetached(home, SP_JOB, ['v1', out, '3000', RATE], ['-p', '2']);
    await waitFor('the job to write records', () => hiddenFiles(out).some((f) => f.endsWith('.inprogress')), 8_000, 20);
    await sleep(400);
    const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    await cancelJob(home, jobId);

    // What the savepoint holds is what its completion committed: per key, the highest count written.
    const committed = parseKeyedCountLines(committedLines(out));
    assert.ok(committed.length > 0);
    const expected = new Map<number, number>();
    for (const l of committed) expected.set(l.key, Math.max(expected.get(l.key) ?? 0, l.count));

    for (const p of ['1', '3']) {
      const rows = (await readState(home, sp, 'counts', ['-p', p])) as Array<{ key: number; n: number; timers: number }>;
      assert.deepEqual(
        rows.map((r) => [r.key, r.n]).sort((a, b) => a[0]! - b[0]!),
        [...expected].sort((a, b) => a[0] - b[0]),
        `every key once, with its count, read at parallelism ${p}`,
      );
      assert.ok(rows.every((r) => r.timers === 0));
    }
    const total = [...expected.values()].reduce((a, b) => a + b, 0);
    assert.equal(total, committed.length, 'the counts add up to the committed records');

    // The source's positions (list state, one entry per split): the records read before the savepoint.
    const splits = (await readState(home, sp, 'splits')) as Array<{ next: number; end: number }>;
    assert.equal(splits.length, 2);
    assert.equal(splits.reduce((n, s) => n + s.next - (s.end - 1500), 0), total);
    // The sink's union list state: each subtask's pending part of the savepoint, by name.
    const sink = (await readState(home, sp, 'sink')) as Array<{ final?: string }>;
    assert.deepEqual(
      sink.flatMap((e) => (e.final ? [e.final] : [])).sort(),
      readdirSync(out).filter((f) => f.startsWith('part-')).sort(),
    );
  });

  test('a retained incremental checkpoint of the lmdb backend: keyed state and its timers as one consistent cut with the source positions', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const options = ['-p', '2', '-D', 'state.backend.type=lmdb', '-D', 'execution.checkpointing.incremental=true', '-D', 'execution.checkpointing.interval=150ms'];
    const { jobId } = await runDetached(home, SP_JOB, ['ticks', out, '3000', RATE], options);
    await waitForCheckpoint(home, jobId, 3);
    await cancelJob(home, jobId);
    const chk = (await listedJob(home, jobId)).lastCheckpoint!.path!;

    const rows = (await readState(home, chk, 'counts', ['-p', '2'])) as Array<{ key: number; n: number; timers: number }>;
    assert.deepEqual(rows.map((r) => r.key).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const r of rows) assert.ok(r.timers >= 1 && r.timers <= 2, `key ${r.key}: its pending tick timer (${r.timers})`);
    const splits = (await readState(home, chk, 'splits')) as Array<{ next: number; end: number }>;
    assert.equal(rows.reduce((n, r) => n + r.n, 0), splits.reduce((n, s) => n + s.next - (s.end - 1500), 0), 'the counts are of exactly the records read before the cut');
  });

  test('broadcast state: one copy of the rules, whatever the parallelism it was written at', async () => {
    const home = freshHome();
    const { jobId } = await runDetached(home, RULES, ['rules'], ['-p', '2']);
    await waitFor('the rules to arrive', () => linesOf(readFileSync(join(home, 'log', `${jobId}.out`), 'utf8')).some((l) => l.includes('"tiny"')), 15_000, 50);
    const sp = savepointPathOf(await runFlink(['stop', jobId], { home, timeoutMs: 20_000 }));
    await waitForStatus(home, jobId, ['FINISHED']);
    const rules = await readState(home, sp, 'rules');
    assert.deepEqual([...rules].sort(), [['large', 1000], ['medium', 100], ['small', 10], ['tiny', 1]]);
  });

  test('refused with one line: a state read as the wrong kind, a keyed state the operator never wrote, an unknown uid, a damaged state file', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId } = await runDetached(home, SP_JOB, ['v1', out, '3000', RATE]);
    await waitFor('the job to write records', () => hiddenFiles(out).some((f) => f.endsWith('.inprogress')), 8_000, 20);
    const sp = savepointPathOf(await runFlink(['savepoint', jobId], { home, timeoutMs: 15_000 }));
    await cancelJob(home, jobId);

    assert.match(await refusedRead(home, sp, 'wrong-kind'), /Operator 'count' .* has no list state 'n'; it has keyed state 'n' \(readKeyedState\)/);
    assert.match(await refusedRead(home, sp, 'typo'), /Operator 'count' .* has no keyed state 'm'; it has 'n'\./);
    assert.match(await refusedRead(home, sp, 'rules'), /has no state of an operator with uid 'apply'; it has 'gen', 'count', 'sink'/);

    const meta = JSON.parse(readFileSync(join(sp, '_metadata'), 'utf8')) as { metadata: { operators: Array<{ uid: string; subtasks: Array<{ file: string }> }> } };
    const file = meta.metadata.operators.find((o) => o.uid === 'count')!.subtasks[0]!.file;
    const bytes = readFileSync(join(sp, file));
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(join(sp, file), bytes);
    assert.match(await refusedRead(home, sp, 'counts'), /state file .* of operator 'count' is damaged \(checksum mismatch\)/);
  });
});
