/**
 * User code that escapes every operator on the MAIN thread (taskmanager.numberOfTaskSlots=1): a
 * throw from a timer it set, a promise it rejected and never handled, process.exit(0) in a map.
 * As on a worker thread (workers.test.ts, 'an uncaught exception'), the run fails over and the job
 * finishes exactly once, without a stack trace. (Found by review: it killed `flink run` with
 * Node's crash dump, or — process.exit(0) — ended it 0 with the job unfinished.)
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  FIXTURES,
  cleanUpAfterAll,
  committedLines,
  engineFrames,
  freshHome,
  keyedCountProblems,
  listJson,
  runFlink,
  stackLines,
  tempDir,
} from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'escapes-outside-operators.ts');
const N = 6000;
const OPTS = [
  '-D', 'taskmanager.numberOfTaskSlots=1',
  '-D', 'execution.checkpointing.interval=200ms',
  '-D', 'restart-strategy.type=fixed-delay',
  '-D', 'restart-strategy.fixed-delay.attempts=3',
  '-D', 'restart-strategy.fixed-delay.delay=100ms',
];

describe('an uncaught throw from user code on the main thread', () => {
  for (const how of ['timer', 'reject', 'exit'] as const) {
    const what = { timer: 'a throw in a setTimeout callback', reject: 'an unhandled promise rejection', exit: 'process.exit(0) in a map (on a worker: a failover)' }[how];
    test(`${what}: the job fails over and finishes exactly once, no stack trace`, { timeout: 90_000 }, async () => {
      const home = freshHome();
      const work = tempDir();
      const out = join(work, 'out');
      const r = await runFlink(['run', ...OPTS, JOB, out, join(work, 'marker'), String(N), '2000', '2000', how], { home, timeoutMs: 60_000 });
      const [job] = await listJson(home);
      assert.deepEqual(
        {
          exit: r.code,
          status: job?.status,
          stackLines: stackLines(r.stderr).length,
          engineFrames: engineFrames(r.stderr).length,
          problems: keyedCountProblems(committedLines(out), N).filter((p) => p.startsWith('repeated') || p.startsWith('missing')),
        },
        { exit: 0, status: 'FINISHED', stackLines: 0, engineFrames: 0, problems: [] },
        `stderr:\n${r.stderr}`,
      );
    });
  }
});

/**
 * Node reports a rejected promise only once the microtasks have run, and a 0 ms timer in the next
 * timers phase: an error that escapes in a short job's last steps, or after its `env.execute()`,
 * came when `flink run` had stopped watching, and it ended 0 in silence (plain Node ends 1).
 */
describe('an error that escapes as the job ends', () => {
  const JOB_END = join(FIXTURES, 'escapes-at-the-end.ts');
  const cases = {
    after: 'rejected after the job',
    last: 'rejected in the last record',
    timer: 'thrown by a timer set in the last record',
  } as const;
  for (const [how, message] of Object.entries(cases)) {
    test(`${message}: flink run ends 1 with the job file's error in one line; the job's output is whole`, { timeout: 30_000 }, async () => {
      const home = freshHome();
      const r = await runFlink(['run', '-D', 'taskmanager.numberOfTaskSlots=1', JOB_END, how], { home, timeoutMs: 20_000 });
      const [job] = await listJson(home);
      const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
      assert.deepEqual(
        {
          exit: r.code,
          // An error from the last record comes while the job ends: Node reports it after that
          // step's microtasks, which under load may be before the job's last step (the job then
          // FAILED, as for any error while it runs) or after it (FINISHED). Either way it is reported.
          ended: how === 'after' ? job?.status === 'FINISHED' : job?.status === 'FINISHED' || job?.status === 'FAILED',
          errorLines: errorLines.length,
          names: errorLines[0]?.includes(`threw outside any operator (in a callback it scheduled): ${message}`),
          engineFrames: engineFrames(r.stderr).length,
          printed: r.stdout.split('\n').filter((l) => /^\d+$/.test(l)),
        },
        { exit: 1, ended: true, errorLines: 1, names: true, engineFrames: 0, printed: ['2', '4', '6'] },
        `stderr:\n${r.stderr}`,
      );
    });
  }

  test('on worker threads, rejected in the last record: the job fails in one line without frames of Node', { timeout: 30_000 }, async () => {
    const home = freshHome();
    const r = await runFlink(['run', '-p', '2', '-D', 'taskmanager.numberOfTaskSlots=2', JOB_END, 'last'], { home, timeoutMs: 20_000 });
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    assert.deepEqual(
      { exit: r.code, errorLines: errorLines.length, names: errorLines[0]?.includes('rejected in the last record'), stackLines: stackLines(r.stderr) },
      { exit: 1, errorLines: 1, names: true, stackLines: [] },
      `stderr:\n${r.stderr}`,
    );
  });
});
