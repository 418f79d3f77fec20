/**
 * Subtasks on worker threads (`taskmanager.numberOfTaskSlots`), through the real CLI: the same
 * exact output as on one thread; a worker that dies (process.exit in user code, an uncaught
 * exception) fails the job over like any task failure, and the restored job's output is still
 * exactly once; a job file that builds a different graph in a worker, or throws in a worker
 * only, is refused with one line.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES, cleanUpAfterAll, type ListedJob, committedLines, freshHome, hiddenFiles, keyedCountProblems,
  listedJob, nonWarningLines, openDbReadonly, parseAttachedRun, runFlink, tempDir,
} from './helpers.js';

cleanUpAfterAll();

const DIES = join(FIXTURES, 'worker-dies.ts');
const CKPT = join(FIXTURES, 'ckpt-keyed-count.ts');
const RANDOM_GRAPH = join(FIXTURES, 'random-graph.ts');

const D = (kv: string) => ['-D', kv];
const WORKERS = D('taskmanager.numberOfTaskSlots=2');
const CHECKPOINTS = D('execution.checkpointing.interval=100ms');
const RESTARTS = [...D('restart-strategy.type=fixed-delay'), ...D('restart-strategy.fixed-delay.attempts=3'), ...D('restart-strategy.fixed-delay.delay=100ms')];
const restartsOf = (job: ListedJob) => (job as ListedJob & { restarts: number }).restarts;

describe('subtasks on worker threads', { concurrency: false }, () => {
  test('a keyed count at -p 2 on two workers writes exactly what one thread writes; the metrics add up over the workers', async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const r = await runFlink(['run', '-p', '2', ...WORKERS, ...CHECKPOINTS, CKPT, out, '6000', '20000'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(keyedCountProblems(committedLines(out), 6000), []);
    assert.deepEqual(hiddenFiles(out), []);
    // The job's last metrics snapshot: every subtask of both vertices, read from both workers.
    const { jobId } = parseAttachedRun(r.stdout);
    const db = openDbReadonly(home);
    try {
      const row = db.prepare('SELECT metrics FROM job_metrics WHERE job_id = ?').get(jobId) as { metrics: string };
      const tasks = (JSON.parse(row.metrics) as { tasks: { subtask: number; source: boolean; numRecordsIn: number; numRecordsOut: number }[] }).tasks;
      assert.deepEqual(tasks.map((t) => `${t.source ? 'source' : 'count'}/${t.subtask}`).sort(), ['count/0', 'count/1', 'source/0', 'source/1']);
      const sum = (source: boolean, f: 'numRecordsIn' | 'numRecordsOut') => tasks.filter((t) => t.source === source).reduce((n, t) => n + t[f], 0);
      assert.equal(sum(true, 'numRecordsOut'), 6000);
      assert.equal(sum(false, 'numRecordsIn'), 6000);
    } finally {
      db.close();
    }
  });

  for (const how of ['exit', 'uncaught'] as const) {
    test(`a worker thread that dies (${how === 'exit' ? 'process.exit in a map' : 'an uncaught exception'}) fails the job over; the output stays exactly once`, async () => {
      const home = freshHome();
      const work = tempDir();
      const out = join(work, 'out');
      const marker = join(work, 'died');
      const r = await runFlink(['run', '-p', '2', ...WORKERS, ...CHECKPOINTS, ...RESTARTS, DIES, out, marker, how, '20000', '20000', '8000'], { home, timeoutMs: 90_000 });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      assert.ok(existsSync(marker), 'the worker reached the input that ends it');
      const { jobId } = parseAttachedRun(r.stdout);
      const job = await listedJob(home, jobId);
      assert.equal(job.status, 'FINISHED');
      assert.equal(restartsOf(job), 1);
      assert.match(job.failureCause ?? (job as ListedJob & { lastRestartCause?: string }).lastRestartCause ?? '', how === 'exit' ? /Worker thread \d ended \(exit code 7\)|^$/ : /uncaught in a worker|^$/);
      assert.deepEqual(keyedCountProblems(committedLines(out), 20_000), []);
      assert.deepEqual(hiddenFiles(out), []);
    });
  }

  test('a job file that builds a different graph in a worker is refused with one line, without restarts', async () => {
    const home = freshHome();
    const r = await runFlink(['run', '-p', '2', ...WORKERS, ...RESTARTS, RANDOM_GRAPH], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout);
    const lines = nonWarningLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /builds a different job graph in a worker thread/);
    assert.match(lines[0]!, /taskmanager\.numberOfTaskSlots=1/);
    const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
    const job = await listedJob(home, jobId);
    assert.equal(job.status, 'FAILED');
    assert.equal(restartsOf(job), 0);
  });

  test('a job file whose top level throws in a worker only is refused saying so, without restarts', async () => {
    const home = freshHome();
    const r = await runFlink(['run', '-p', '2', ...WORKERS, ...RESTARTS, RANDOM_GRAPH, 'throw'], { home, timeoutMs: 60_000 });
    assert.equal(r.code, 1, r.stdout);
    const lines = nonWarningLines(r.stderr);
    // One line: the fixture's own frames are the package's, which are left out.
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /random-graph\.ts threw in a worker thread, which runs its top level again \(the main thread ran it without this error\): config\.json not found\. .*taskmanager\.numberOfTaskSlots=1\.$/);
    const job = await listedJob(home, /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!);
    assert.equal(job.status, 'FAILED');
    assert.equal(restartsOf(job), 0);
  });
});
