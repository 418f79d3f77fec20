/*
 * Pull-based split assignment (Flink's SplitEnumerator / SourceCoordinator) in a running job, on
 * the main thread and on two worker threads: a FileSource at -p 2 hands its files to the reader
 * that asks, so the reader busy with a big file leaves the small ones to the free one; and a job
 * that fails over while checkpoints every few ms cut through requests and assignments in flight
 * restores to exactly its input once (each split, in a completed checkpoint, either the
 * enumerator's or one reader's). The job is the e2e fixture file-source-split.ts run by an
 * in-process JobMaster (workers import the file themselves, as under `flink run`).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { runJobFileUnderJobMaster } from '../helpers/job-file-under-job-master.js';
import { tempDir } from '../helpers/run-job.js';
import { committedLines } from '../e2e/helpers.js';

const JOB = join(import.meta.dirname, '..', 'e2e', 'fixtures', 'file-source-split.ts');

let tmp: { path: string; cleanup: () => void };
let runs = 0;
beforeEach(() => (tmp = tempDir('flink-split-enumerator-')));
afterEach(() => tmp.cleanup());

/** Runs the fixture at -p 2 in this process: `slots` 2 = on two worker threads, 1 = on the main thread. */
async function runFixture(args: readonly string[], slots: 1 | 2, settings: Record<string, string | number> = {}): Promise<void> {
  await runJobFileUnderJobMaster({
    file: JOB,
    copy: join(tmp.path, `job-${++runs}.ts`),
    args,
    home: tmp.path,
    parallelism: 2,
    slots,
    settings: {
      'execution.checkpointing.interval': '1 h',
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': 2,
      'restart-strategy.fixed-delay.delay': '0 ms',
      ...settings,
    },
  });
}

const lines = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

for (const slots of [1, 2] as const) {
  const where = slots === 2 ? 'on two worker threads' : 'on the main thread';
  describe(`FileSource at -p 2 ${where}`, () => {
    test('the reader busy with a big file leaves every small one to the free reader; every line once', async () => {
      const input = join(tmp.path, 'in');
      mkdirSync(input);
      // Path order: the big file goes out first, to whichever reader asks first.
      writeFileSync(join(input, 'a-big'), `${lines('big', 50_000).join('\n')}\n`);
      for (let f = 0; f < 12; f++) writeFileSync(join(input, `s${String(f).padStart(2, '0')}`), `${lines(`s${f}-`, 3).join('\n')}\n`);
      const out = join(tmp.path, 'out');
      await runFixture([input, out, join(tmp.path, 'marker'), 'none'], slots);
      const got = committedLines(out);
      const expected = [...lines('big', 50_000), ...Array.from({ length: 12 }, (_, f) => lines(`s${f}-`, 3)).flat()];
      assert.deepEqual(got.map((l) => l.slice(2)).sort(), expected.sort());
      const readerOf = (prefix: string) => new Set(got.filter((l) => l.slice(2).startsWith(prefix)).map((l) => l[0]));
      const big = readerOf('big');
      assert.equal(big.size, 1, 'one reader read the big file');
      const small = readerOf('s');
      assert.deepEqual([...small], [...big].map((s) => (s === '0' ? '1' : '0')), 'the other reader read every small file');
    });

    test('failover while checkpoints cut through requests and assignments in flight: each line exactly once', async () => {
      const input = join(tmp.path, 'in');
      mkdirSync(input);
      const files = 300;
      for (let f = 0; f < files; f++) writeFileSync(join(input, `f${String(f).padStart(3, '0')}`), `${lines(`f${f}-`, 4).join('\n')}\n`);
      const out = join(tmp.path, 'out');
      const marker = join(tmp.path, 'marker');
      await runFixture([input, out, marker, 'throw', '200', '2'], slots, { 'execution.checkpointing.interval': '20 ms' });
      assert.equal(readFileSync(marker, 'utf8'), 'throw\n', 'the job failed over once');
      const got = committedLines(out).map((l) => l.slice(2));
      const expected = Array.from({ length: files }, (_, f) => lines(`f${f}-`, 4)).flat();
      assert.equal(got.length, expected.length, 'no line lost or duplicated');
      assert.deepEqual(got.sort(), expected.sort());
    });
  });
}
