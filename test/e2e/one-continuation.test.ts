/**
 * One job continued by one job at a time (src/cluster/job-continuation.ts). A detached job is
 * killed (-9) after a few checkpoints; two `flink run -s <jobId>` of it start at the same moment
 * (or the second while the first runs). Both used to pass the owner's takeover (its process was
 * gone), restore the same checkpoint and commit the same records into the same sinks: the output
 * after the checkpoint twice (found by review). Now the second is refused in one line, and the
 * output stays exactly once — FileSink, SqliteSink and JdbcSink alike, and for two restores of one
 * savepoint with --claim-mode claim.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import { chaosPostgres } from '../chaos/postgres-sink.js';
import {
  FIXTURES,
  cleanUpAfterAll,
  committedLines,
  freshHome,
  isAlive,
  keyedCountProblems,
  killHard,
  runDetached,
  runFlink,
  savepointPathOf,
  spawnFlink,
  tempDir,
  waitFor,
  waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

const JOB = join(FIXTURES, 'ckpt-keyed-count.ts');
const N = 6000;
const RATE = '1000';
/**
 * The rate of the restores that race each other: their race is over once one has claimed the job
 * (at start-up), and the rate limit is no state; at RATE the winner read the ~5,400 inputs left
 * for ~5 s.
 */
const RESTORE_RATE = '5000';
const OPTS = ['-D', 'execution.checkpointing.interval=200ms'];

describe('two restores of one lost job', { concurrency: false }, () => {
  test('two concurrent `flink run -s <jobId>` of a killed job: at most one may continue it (no duplicated output)', { timeout: 120_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, pid } = await runDetached(home, JOB, [out, String(N), RATE], OPTS);
    await waitForCheckpoint(home, jobId, 3, 20_000);
    await killHard(pid);

    const a = spawnFlink(['run', ...OPTS, '-s', jobId, JOB, out, String(N), RESTORE_RATE], { home, timeoutMs: 60_000 });
    const b = spawnFlink(['run', ...OPTS, '-s', jobId, JOB, out, String(N), RESTORE_RATE], { home, timeoutMs: 60_000 });
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    const succeeded = [ra, rb].filter((r) => r.code === 0).length;

    const problems = keyedCountProblems(committedLines(out), N);
    assert.deepEqual(
      { succeeded, problems: problems.filter((p) => p.startsWith('repeated') || p.startsWith('missing')) },
      { succeeded: 1, problems: [] },
      `both restores ran as the continuation of ${jobId}:\n--- A ---\n${ra.stdout}${ra.stderr}\n--- B ---\n${rb.stdout}${rb.stderr}`,
    );
  });

  test('`flink run -s <jobId>` of a killed job while its first restore still runs (detached): refused, not run a second time', { timeout: 120_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId, pid } = await runDetached(home, JOB, [out, String(N), RATE], OPTS);
    await waitForCheckpoint(home, jobId, 3, 20_000);
    await killHard(pid);
    // The first continuation of the job, healthy and running.
    const first = await runDetached(home, JOB, [out, String(N), RATE], [...OPTS, '-s', jobId]);
    await waitForCheckpoint(home, first.jobId, 1, 20_000);
    // A second continuation of the same job, while the first runs.
    const second = spawnFlink(['run', ...OPTS, '-s', jobId, JOB, out, String(N), RATE], { home, timeoutMs: 60_000 });
    const r = await second.exited;
    await waitFor('the first continuation to end', async () => !isAlive(first.pid), 60_000, 200);
    const problems = keyedCountProblems(committedLines(out), N).filter((p) => p.startsWith('repeated') || p.startsWith('missing'));
    assert.deepEqual(
      { secondExit: r.code, problems },
      { secondExit: 1, problems: [] },
      `the second restore of ${jobId} ran beside ${first.jobId}:\n${r.stdout}${r.stderr}`,
    );
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('Error:'));
    assert.equal(errors.length, 1, r.stderr);
    assert.ok(errors[0]!.startsWith(`Error: Job ${jobId} is already being continued by job ${first.jobId}`), errors[0]);
  });

  test('all three exactly-once sinks (FileSink, SqliteSink, JdbcSink on PostgreSQL): two concurrent restores of one killed job duplicate in each', { timeout: 180_000 }, async () => {
    const pg = await chaosPostgres();
    const home = freshHome();
    const work = tempDir();
    const out = join(work, 'out');
    const db = join(work, 'events.db');
    const n = 6000;
    const args = [out, db, String(n), '2000', pg.url];
    const opts = ['-p', '2', '-D', 'execution.checkpointing.interval=200ms'];
    const { jobId, pid } = await runDetached(home, CHAOS_JOB, args, opts);
    await waitForCheckpoint(home, jobId, 3, 20_000);
    await killHard(pid);
    // As RESTORE_RATE: five times the killed run's rate.
    const restoreArgs = [out, db, String(n), '10000', pg.url];
    const a = spawnFlink(['run', ...opts, '-s', jobId, CHAOS_JOB, ...restoreArgs], { home, timeoutMs: 120_000 });
    const b = spawnFlink(['run', ...opts, '-s', jobId, CHAOS_JOB, ...restoreArgs], { home, timeoutMs: 120_000 });
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    const file = checkLines(committedLines(out), n);
    const sqlite = checkLines(sqliteLines(db).lines, n);
    const jdbc = checkLines((await pg.read()).lines, n);
    assert.deepEqual(
      { file: [file.lost, file.duplicated], sqlite: [sqlite.lost, sqlite.duplicated], jdbc: [jdbc.lost, jdbc.duplicated] },
      { file: [0, 0], sqlite: [0, 0], jdbc: [0, 0] },
      `exits ${ra.code}/${rb.code}\n--- A ---\n${ra.stdout}${ra.stderr}\n--- B ---\n${rb.stdout}${rb.stderr}`,
    );
  });

  test('two concurrent `flink run -s <savepoint> --claim-mode claim` of one stopped job: at most one may claim and continue it', { timeout: 120_000 }, async () => {
    const home = freshHome();
    const out = join(tempDir(), 'out');
    const { jobId } = await runDetached(home, JOB, [out, String(N), RATE], OPTS);
    await waitForCheckpoint(home, jobId, 3, 20_000);
    const stop = await runFlink(['stop', jobId], { home, timeoutMs: 30_000 });
    const savepoint = savepointPathOf(stop);
    const run = () => spawnFlink(['run', ...OPTS, '--claim-mode', 'claim', '-s', savepoint, JOB, out, String(N), RESTORE_RATE], { home, timeoutMs: 60_000 });
    const [ra, rb] = await Promise.all([run().exited, run().exited]);
    const succeeded = [ra, rb].filter((r) => r.code === 0).length;
    const problems = keyedCountProblems(committedLines(out), N).filter((p) => p.startsWith('repeated') || p.startsWith('missing'));
    assert.deepEqual(
      { succeeded, problems, savepointStillThere: existsSync(savepoint) },
      { succeeded: 1, problems: [], savepointStillThere: false },
      `--- A ---\n${ra.stdout}${ra.stderr}\n--- B ---\n${rb.stdout}${rb.stderr}`,
    );
  });
});

