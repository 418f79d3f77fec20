/**
 * End-to-end: a failure no restart can fix bypasses the restart strategy. A savepoint of
 * evo-ttl.ts (state 'last' with TTL) is restored into the variant without TTL, with a generous
 * fixed-delay restart strategy and checkpointing on: the state backend refuses the state at
 * open(), and the job must fail at once — no restarts, status FAILED, the reason on one line.
 * Every job process started here is ended in `after`.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  cleanUpAfterAll,
  freshHome,
  listedJob,
  runDetached,
  runFlink,
  savepointPathOf,
  statusHistory,
  tempDir,
  waitForInProgressPart,
  waitForStatus,
} from './helpers.js';
import { EVO_TTL } from './fixture-jobs.js';

cleanUpAfterAll();

const D = (kv: string) => ['-D', kv];

test('state that cannot be migrated fails the job at once, without going through the restart strategy', async () => {
  const home = freshHome();
  const root = tempDir();
  const out = join(root, 'out');
  const { jobId: writer } = await runDetached(home, EVO_TTL, ['write', out, '60000', '200', '20']);
  await waitForInProgressPart(out);
  const sp = savepointPathOf(await runFlink(['savepoint', writer], { home, timeoutMs: 15_000 }));
  assert.equal((await runFlink(['cancel', writer], { home, timeoutMs: 15_000 })).code, 0);
  await waitForStatus(home, writer, ['CANCELED']);

  const r = await runFlink(
    [
      'run',
      '-s',
      sp,
      ...D('execution.checkpointing.interval=1s'),
      ...D('restart-strategy.type=fixed-delay'),
      ...D('restart-strategy.fixed-delay.attempts=3'),
      ...D('restart-strategy.fixed-delay.delay=2s'),
      EVO_TTL,
      'nottl',
      join(root, 'out-nottl'),
      '60000',
      '200',
      'max',
    ],
    { home, timeoutMs: 20_000 },
  );
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}:\n${r.stdout}\n${r.stderr}`);
  const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
  assert.equal(errorLines.length, 1, r.stderr);
  assert.match(errorLines[0]!, /'last'.*TTL on or off/);
  const jobId = /JobID ([0-9a-f]{32})/.exec(r.stdout)![1]!;
  const job = (await listedJob(home, jobId)) as Awaited<ReturnType<typeof listedJob>> & { restarts: number };
  assert.equal(job.status, 'FAILED');
  assert.equal(job.restarts, 0, 'no restart attempts');
  assert.match(job.failureCause ?? '', /TTL on or off/);
  const history = statusHistory(home, jobId);
  assert.ok(!history.some((h) => h.includes('RESTARTING')), history.join(' '));
});
