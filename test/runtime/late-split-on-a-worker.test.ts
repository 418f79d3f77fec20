/*
 * A split assigned late, to a reader that has finished, on a worker thread whose tasks have all
 * finished (it waits for the others before its run ends): the job fails with one line naming the
 * source and the subtask, rather than hanging (the other reader waits for ever) or losing the
 * split. Run by an in-process JobMaster on two worker threads (workers import the job file
 * themselves, as under `flink run`); the main-thread case is in split-enumerator-late.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { JobMaster } from '../../src/cluster/job-master.js';
import { runJobFile } from '../../src/cluster/job-loader.js';
import { Configuration } from '../../src/config/index.js';
import { JobExecutionResult, setContextExecutor } from '../../src/index.js';
import { systemClock } from '../../src/util/clock.js';
import { newJobId } from '../../src/util/ids.js';
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
  const config = new Configuration(tmp.path)
    .with('parallelism.default', 2)
    .with('taskmanager.numberOfTaskSlots', 2)
    .with('restart-strategy.type', 'none');
  const job = join(tmp.path, 'job.ts');
  copyFileSync(JOB, job);
  const argv = process.argv;
  let master: JobMaster | undefined;
  // Dropped instead, the split would leave the job running (reader 1 waits for ever): cancelled then.
  const stop = setTimeout(() => master?.cancel(), 15_000);
  setContextExecutor({
    execute: async (pipeline) => {
      master = new JobMaster({ jobId: newJobId(), pipeline, configuration: config, clock: systemClock, jobFile: { path: job, args: [input, marker], executeIndex: 0 } });
      const result = await master.run();
      return new JobExecutionResult(master.jobId, pipeline.jobName, result.getNetRuntime());
    },
    defaultParallelism: () => 2,
  });
  let outcome: unknown;
  try {
    await runJobFile(job, [input, marker]);
    outcome = 'finished';
  } catch (err) {
    outcome = err;
  } finally {
    clearTimeout(stop);
    setContextExecutor(undefined);
    process.argv = argv;
  }
  assert.ok(existsSync(`${marker}.ended`), 'reader 0 read every file and ended');
  assert.ok(outcome instanceof Error, String(outcome));
  assert.match(outcome.message, /"Source: files" failed: its split enumerator assigned 1 split\(s\) to subtask 0, whose reader has finished/);
  assert.ok(!outcome.message.includes('\n'), outcome.message);
});
