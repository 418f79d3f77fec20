/**
 * kill -9 of a restored job while it is still restoring (taking the old job
 * over, loading and assigning state, committing what the snapshot left pending, cleaning up
 * leftovers) or just after, at a spread of delays after `flink run -d -s <jobId>` returned; then
 * the user's next step: `flink run -s <restored job>` if it has a snapshot of its own, else
 * `flink run -s <original job>` again. Both exactly-once sinks must end with every input once.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CHAOS_JOB, checkLines, sqliteLines } from '../chaos/run-chaos.js';
import {
  cleanUpAfterAll,
  committedLines,
  dbRow,
  freshHome,
  isAlive,
  killHard,
  listedJob,
  runDetached,
  runFlink,
  sleep,
  tempDir,
  waitForCheckpoint,
} from './helpers.js';

cleanUpAfterAll();

const N = 6000;
const RATE = '2000';
/**
 * The rate of the last run, to the end: nothing kills it, and the rate limit is no state; at
 * RATE it read the ~5,000 inputs the killed runs left for ~2.5 s, six times, and at 10,000/s
 * still ~0.5 s each time.
 */
const FINAL_RATE = 'max';
const OPTS = ['-p', '2', '-D', 'execution.checkpointing.interval=150ms'];

function hasSnapshot(home: string, jobId: string): boolean {
  return dbRow(home, "SELECT 1 FROM checkpoints WHERE job_id = ? AND status = 'COMPLETED' LIMIT 1", jobId) !== undefined;
}

describe('kill -9 during a restore', { concurrency: false }, () => {
  test('a restore killed at any early moment, restored again: exactly once', { timeout: 400_000 }, async () => {
    const problems: string[] = [];
    for (const delay of [0, 150, 300, 500, 800, 1200]) {
      const home = freshHome();
      const work = tempDir();
      const out = join(work, 'out');
      const db = join(work, 'events.db');
      const args = [out, db, String(N), RATE];
      const a = await runDetached(home, CHAOS_JOB, args, OPTS);
      await waitForCheckpoint(home, a.jobId, 3, 20_000);
      await killHard(a.pid);
      const b = await runDetached(home, CHAOS_JOB, args, [...OPTS, '-s', a.jobId]);
      // The delays count from B's `flink list` entry, as they always have (runDetached used to
      // list every job it started; it reads flink.db now, which would move each kill ~0.5 s earlier).
      await listedJob(home, b.jobId);
      await sleep(delay);
      if (isAlive(b.pid)) await killHard(b.pid);
      const from = hasSnapshot(home, b.jobId) ? b.jobId : a.jobId;
      const r = await runFlink(['run', ...OPTS, '-s', from, CHAOS_JOB, out, db, String(N), FINAL_RATE], { home, timeoutMs: 90_000 });
      const file = checkLines(committedLines(out), N);
      const sqlite = checkLines(sqliteLines(db).lines, N);
      if (r.code !== 0 || file.lost + file.duplicated + sqlite.lost + sqlite.duplicated > 0) {
        problems.push(`kill +${delay}ms, restored from ${from === b.jobId ? 'B' : 'A'}: exit ${r.code}; file lost=${file.lost} dup=${file.duplicated}; sqlite lost=${sqlite.lost} dup=${sqlite.duplicated} ${r.stderr.trim()}`);
      }
    }
    assert.deepEqual(problems, []);
  });
});
