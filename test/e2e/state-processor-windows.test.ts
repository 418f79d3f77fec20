/**
 * SavepointReader.window through the real CLI: the windowed job (tumbling windows and sessions
 * aggregating count and sum, fixtures/windowed-job.ts) savepointed mid-stream with `flink
 * savepoint`, then read by a job of its own at another parallelism
 * (fixtures/read-window-savepoint.ts). The savepoint's source positions say which records the
 * job had read; their windows, computed by hand, are exactly the windows it had fired before the
 * cut (its committed output) and the ones the reader finds open, each once, with the contents
 * and the end-of-window timer each had. Reading an aggregate window as reduce is refused in one
 * line. Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES, cancelJob, cleanUpAfterAll, committedLines, freshHome, linesOf, nonWarningLines, runDetached, runFlink, savepointPathOf, sleep,
  stackLines, tempDir, waitForInProgressPart,
} from './helpers.js';
import { WINDOWED_JOB as JOB } from './fixture-jobs.js';
import { windowLinesOf } from './fixtures/windowed-events.js';

cleanUpAfterAll();

const READER = join(FIXTURES, 'read-window-savepoint.ts');
const N = 12_000;

interface ReadWindow {
  line: string;
  et: number[];
  pt: number[];
  maxTimestamp: number;
}
interface Split {
  next: number;
  end: number;
}

describe('reading the windows of a savepoint (State Processor API)', () => {
  test('written at parallelism 2 mid-stream, read at 3: the open windows with their timers, which with the fired ones are the windows of the records read', async () => {
    const home = freshHome();
    const root = tempDir();
    const out = join(root, 'out');
    const { jobId } = await runDetached(home, JOB, [out, String(N), '1500'], ['-p', '2']);
    await waitForInProgressPart(out);
    await sleep(500);
    const sp = savepointPathOf(await runFlink(['savepoint', jobId, join(root, 'sps')], { home, timeoutMs: 20_000 }));
    await cancelJob(home, jobId);
    // The windows fired before the cut: their results were committed with the savepoint.
    const fired = committedLines(out);

    const r = await runFlink(['run', '-p', '3', READER, sp, 'windows'], { home, timeoutMs: 30_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const printed = linesOf(r.stdout)
      .map((l) => /^(?:\d+> )?(\{.*\})$/.exec(l)?.[1])
      .filter((l): l is string => l !== undefined)
      .map((l) => JSON.parse(l) as ReadWindow | Split);
    const open = printed.filter((p): p is ReadWindow => 'line' in p);
    const splits = printed.filter((p): p is Split => 'next' in p);

    // The records read before the cut: each split of [0, N/2) and [N/2, N) up to its position.
    assert.equal(splits.length, 2, 'neither split had finished');
    const read: number[] = [];
    for (const s of splits) for (let i = s.end - N / 2; i < s.next; i++) read.push(i);
    assert.ok(open.some((w) => w.line.startsWith('T,')) && open.some((w) => w.line.startsWith('S,')), 'tumbling windows and sessions were open');
    assert.ok(fired.length > 0, 'some windows had fired');

    const openLines = open.map((w) => w.line);
    assert.equal(new Set(openLines).size, openLines.length, 'each open window once');
    assert.deepEqual(openLines.filter((l) => fired.includes(l)), [], 'no window both fired and open');
    assert.deepEqual([...fired, ...openLines].sort(), windowLinesOf(read).sort());
    // Each open window's one timer: its end (EventTimeTrigger's, and its cleanup without lateness).
    assert.deepEqual(open.filter((w) => w.et.length !== 1 || w.et[0] !== w.maxTimestamp || w.pt.length !== 0), []);

    const refused = await runFlink(['run', READER, sp, 'wrong-kind'], { home, timeoutMs: 30_000 });
    assert.equal(refused.code, 1, `${refused.stdout}\n${refused.stderr}`);
    assert.deepEqual(stackLines(refused.stderr), []);
    assert.match(nonWarningLines(refused.stderr)[0]!, /Operator 'tumbling' in .* is a window operator that aggregates its windows \(\.aggregate\): read it with window\(assigner\)\.aggregate\(\.\.\.\), not window\(assigner\)\.reduce\(\.\.\.\)\./);
  });
});
