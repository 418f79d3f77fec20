import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitForCommand } from '../../src/cli/wait-for-command.js';
import { MetadataStore } from '../../src/metadata/index.js';
import { newJobId } from '../../src/util/ids.js';

const dir = mkdtempSync(join(tmpdir(), 'flink-wait-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a cancel the job never read is answered by the job ending CANCELED (another cancel got there first)', async () => {
  const store = MetadataStore.open(join(dir, 'flink.db'));
  const jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts', status: 'RUNNING', pid: process.pid });
  const first = store.submitCommand(jobId, 'cancel');
  const second = store.submitCommand(jobId, 'cancel');
  // The job answers the first and ends; it never polls again.
  store.completeCommand(first, undefined);
  store.transitionJob(jobId, 'CANCELLING');
  store.transitionJob(jobId, 'CANCELED');
  // Answered by the job's end (a timeout would reject).
  assert.equal(await waitForCommand(store, jobId, second, { what: 'cancel', timeoutMs: 5_000, endsWith: 'CANCELED' }), undefined);
  // Without endsWith (e.g. a savepoint), a command the job never answers still times out.
  const third = store.submitCommand(jobId, 'checkpoint');
  await assert.rejects(waitForCommand(store, jobId, third, { what: 'complete a checkpoint', timeoutMs: 300 }), /did not complete a checkpoint within/);
  store.close();
});

test('a stop waiting for a job that another process declares lost fails at once, saying so (not at its timeout)', async () => {
  const store = MetadataStore.open(join(dir, 'flink.db'));
  const jobId = newJobId();
  store.createJob({ jobId, name: 'j', jobFile: '/j.ts', status: 'RUNNING', pid: process.pid });
  const stop = store.submitCommand(jobId, 'stop', { drain: true });
  // The job process was killed during the drain; `flink list` (here: this store) finds it lost.
  setTimeout(() => store.markLost(jobId), 100);
  await assert.rejects(
    waitForCommand(store, jobId, stop, { what: 'stop with a savepoint', timeoutMs: 10_000 }),
    { message: `Job ${jobId} could not stop with a savepoint: the job ended as FAILED (job process lost) before it answered` },
  );
  store.close();
});
