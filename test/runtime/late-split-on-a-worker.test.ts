/*
 * A split assigned late, to a reader that has finished, on a worker thread whose tasks have all
 * finished (it waits for the others before its run ends): the job fails with one line naming the
 * source and the subtask, rather than hanging (the other reader waits for ever) or losing the
 * split. Run by an in-process JobMaster on two worker threads (workers import the job file
 * themselves, as under `flink run`); the main-thread case is in split-enumerator-late.test.ts.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { runJobFileUnderJobMaster } from '../helpers/job-file-under-job-master.js';
import { tempDir } from '../helpers/run-job.js';

const JOB = join(import.meta.dirname, '..', 'e2e', 'fixtures', 'late-split.ts');

let tmp: { path: string; cleanup: () => void };
beforeEach(() => (tmp = tempDir('flink-late-split-')));
afterEach(() => tmp.cleanup());

test("an assignment to a finished reader on a worker whose tasks have all finished fails the job in one line", { timeout: 30_000 }, async () => {
  const input = join(tmp.path, 'in');
  mkdirSync(input);
  for (const f of ['a', 'b']) writeFileSync(join(input, f), `${f}0\n${f}1\n`);
  const marker = join(tmp.path, 'marker');
  const outcome: unknown = await runJobFileUnderJobMaster({
    file: JOB,
    copy: join(tmp.path, 'job.ts'),
    args: [input, marker],
    home: tmp.path,
    parallelism: 2,
    slots: 2,
    settings: { 'restart-strategy.type': 'none' },
    // Dropped instead, the split would leave the job running (reader 1 waits for ever): cancelled then.
    cancelAfterMs: 15_000,
  }).then(
    () => 'finished',
    (err: unknown) => err,
  );
  assert.ok(existsSync(`${marker}.ended`), 'reader 0 read every file and ended');
  assert.ok(outcome instanceof Error, String(outcome));
  assert.match(outcome.message, /"Source: files" failed: its split enumerator assigned 1 split\(s\) to subtask 0, whose reader has finished/);
  assert.ok(!outcome.message.includes('\n'), outcome.message);
});
